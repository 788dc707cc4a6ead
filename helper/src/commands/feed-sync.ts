import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_SHRINK, DEFAULT_SYNC_DEADLINE_MS, MAX_SYNC_DEADLINE_MS, MIN_SYNC_DEADLINE_MS, OSV_BUCKET, osvArchiveUrl, syncFeed } from '../feeds/sync.js';
import { sourceName } from '../feeds/sync-source.js';

export default defineCommand({
  name: 'feed sync',
  summary: 'Download or refresh a local copy of the OSV records (malicious packages and vulnerabilities)',
  usage: 'sscs feed sync --output FILE.zip [--ecosystem npm | --source URL] [--max-shrink PERCENT] [--deadline-seconds N]',
  description: `
Keeps FILE current from osv.dev's per-ecosystem archive (${OSV_BUCKET}/<ecosystem>/all.zip) or an
OSV-compatible mirror. A conditional request (If-None-Match / If-Modified-Since) leaves an unchanged copy alone;
a new archive is downloaded beside it, checked (GCS md5, every record loads, record count) and renamed over it,
so readers never see half a file. An empty archive, or one where either kind of record (malicious-package or
vulnerability) lost more than --max-shrink percent against the copy on disk, is refused and the old copy kept
(exit 2). Redirects: at most 5, to the same origin or (from an https source) to https. A --source query (a
signed URL) is never printed or stored. The whole download must end within --deadline-seconds, and no byte may be
more than 60 s apart. FILE's folder is created when missing, as every --output of sscs does, and the text output
says so (a mistyped path shows). A running 'sscs firewall serve --malicious-feed FILE' picks
the new copy up by itself. Run it on a schedule: a scheduled pipeline or cron, every hour or so.`,
  flags: {
    output: { type: 'string', writes: 'file', valueName: 'FILE', description: 'The local copy (.zip as osv.dev serves it, or .tar.gz for a mirror of one).' },
    ecosystem: { type: 'string', valueName: 'NAME', default: 'npm', description: "osv.dev ecosystem whose all.zip to fetch (osv.dev's spelling: npm, PyPI)." },
    source: { type: 'string', valueName: 'URL', description: 'An OSV-compatible archive URL (a mirror) instead of osv.dev.' },
    'max-shrink': { type: 'string', valueName: 'PERCENT', default: String(DEFAULT_MAX_SHRINK * 100), description: 'Refuse a new copy with more than this share of the records gone (100 accepts any non-empty copy).' },
    'deadline-seconds': {
      type: 'string', valueName: 'N', integer: [MIN_SYNC_DEADLINE_MS / 1000, MAX_SYNC_DEADLINE_MS / 1000], default: String(DEFAULT_SYNC_DEADLINE_MS / 1000),
      description: `The whole download, redirects included, must end within N seconds (${MIN_SYNC_DEADLINE_MS / 1000} to ${MAX_SYNC_DEADLINE_MS / 1000}); past it the copy is left unchanged (exit 2).`,
    },
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Output format.' },
  },
  examples: ['sscs feed sync --output /srv/sscs/osv-npm.zip', 'sscs feed sync --source https://mirror.example/osv/npm/all.zip --output osv-npm.zip'],
  async run({ flags, io }) {
    if (!flags.output) throw new UsageError('MISSING_ARGUMENT', 'sscs feed sync: --output FILE is required');
    const shrink = Number(flags['max-shrink']);
    if (!Number.isFinite(shrink) || shrink < 0 || shrink > 100) throw new UsageError('USAGE', `--max-shrink must be a percentage from 0 to 100, not '${flags['max-shrink']}'`);
    const raw = flags['deadline-seconds'];
    const deadlineMs = /^\d+$/.test(raw) ? Number(raw) * 1000 : NaN;
    if (!(deadlineMs >= MIN_SYNC_DEADLINE_MS && deadlineMs <= MAX_SYNC_DEADLINE_MS)) {
      throw new UsageError('USAGE', `--deadline-seconds must be a whole number from ${MIN_SYNC_DEADLINE_MS / 1000} to ${MAX_SYNC_DEADLINE_MS / 1000}, not '${raw.slice(0, 40)}'`);
    }
    const source = flags.source ?? osvArchiveUrl(flags.ecosystem);
    const r = await syncFeed({ source, output: resolve(io.cwd, flags.output), maxShrink: shrink / 100, deadlineMs });
    if (flags.format === 'json') {
      // A signed URL's query is a credential: the source is named by origin and path only.
      io.stdout(`${JSON.stringify({ ...r, output: flags.output, source: sourceName(new URL(source)) })}\n`);
    } else {
      const counts = `${r.records} malicious-package records, ${r.vulnerabilityRecords} vulnerability records`;
      const was = r.previousRecords !== undefined ? ` (was ${r.previousRecords} in all)` : '';
      const skipped = r.skippedVulnerabilities ? `; ${r.skippedVulnerabilities} unreadable vulnerability records left out` : '';
      const created = r.createdFolder ? `; created the folder ${r.createdFolder}` : '';
      io.stdout(r.status === 'unchanged' ? `${flags.output}: unchanged (${counts})\n` : `${flags.output}: updated, ${counts}${was}${skipped}${created}\n`);
    }
    return 0;
  },
});
