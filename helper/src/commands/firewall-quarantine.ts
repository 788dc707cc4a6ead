import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import { cliEvents } from '../firewall/cli-events.js';
import { releaseEvent } from '../firewall/events.js';
import { byWhom, DATA_DIR_FLAG, openCliStore, WEBHOOK_FLAG } from '../firewall/flags.js';
import { releaseQuarantined } from '../firewall/operator.js';
import { parsePackageSpec } from '../firewall/package-spec.js';

export default defineCommand({
  name: 'firewall quarantine',
  summary: 'List the firewall quarantine queue, or release a version from it',
  usage: 'sscs firewall quarantine list [--format json] | release NAME@VERSION --reason TEXT [--by WHO]',
  description: 'Works on the firewall database directly, also while the firewall runs: a release applies to the next request.',
  flags: {
    ...DATA_DIR_FLAG,
    ...WEBHOOK_FLAG,
    reason: { type: 'string', valueName: 'TEXT', description: 'Why the version is released (recorded in the audit log).' },
    by: { type: 'string', valueName: 'WHO', description: 'Who releases it [default: $GITLAB_USER_LOGIN, else $USER].' },
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', description: 'Output format of list.', default: 'text' },
  },
  positionals: { min: 1, max: 2, name: 'list|release' },
  examples: ['sscs firewall quarantine list', 'sscs firewall quarantine release left-pad@1.4.0 --reason "diff reviewed"'],
  async run({ flags, positionals, io }) {
    const [action, spec] = positionals;
    if (action !== 'list' && action !== 'release') throw new UsageError('USAGE', `sscs firewall quarantine: expected list or release, not '${action}'`);
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `sscs firewall quarantine: --format must be one of text, json, not '${flags.format}'`);
    if (action === 'release' && !spec) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall quarantine release: expected NAME@VERSION');
    const pkg = action === 'release' ? parsePackageSpec(spec!) : undefined;
    if (action === 'release' && !flags.reason?.trim()) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall quarantine release: --reason TEXT is required (it goes to the audit log)');
    if (pkg) {
      const events = cliEvents(flags, io);
      const store = await openCliStore(flags, io);
      let r;
      try {
        r = await releaseQuarantined(store, pkg.key, pkg.version, byWhom(flags.by, io.env), flags.reason!);
        store.audit({ at: new Date(), client: 'cli', kind: 'admin', name: pkg.key, version: r.version, action: 'release', rule: `release:${r.id}`, status: 0 });
      } finally {
        await store.close();
      }
      io.stdout(`released ${pkg.key}@${r.version} (release:${r.id})\n`);
      await events?.deliver(releaseEvent(r, 'cli'), `release:${r.id}`);
      return 0;
    }
    const store = await openCliStore(flags, io);
    try {
      const q = await store.quarantine();
      if (flags.format === 'json') io.stdout(`${JSON.stringify({ quarantine: q }, null, 2)}\n`);
      else if (q.length === 0) io.stdout('the quarantine queue is empty\n');
      else for (const e of q) io.stdout(`${[`${e.name}@${e.version}`, e.rule, e.until ? `until ${e.until.toISOString()}` : 'until released', e.reason].map(printable).join('\t')}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
});
