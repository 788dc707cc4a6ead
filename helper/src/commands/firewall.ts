import { resolve } from 'node:path';
import { defineCommand, type Io } from '../cli/command.js';
import { InputError, UsageError } from '../errors.js';
import { DEFAULT_DATA_DIR, ENV, serveSettings, setting, type Flags } from '../firewall/config.js';

const SUBCOMMANDS = ['serve', 'run', 'quarantine', 'waive'] as const;

async function openStore(flags: Flags, io: Io) {
  const { openSqliteStore } = await import('../firewall/sqlite-store.js');
  const { join } = await import('node:path');
  return await openSqliteStore(join(resolve(io.cwd, setting(flags, io.env, 'data-dir') ?? DEFAULT_DATA_DIR), 'firewall.db'));
}

/** `name@version`, `@scope/name@version`: the last `@` that is not the first character splits. */
function parseSpec(spec: string | undefined): { name: string; version: string } {
  const at = spec ? spec.lastIndexOf('@') : -1;
  if (!spec || at <= 0) throw new UsageError('MISSING_ARGUMENT', `expected NAME@VERSION, not '${spec ?? ''}'`);
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

function requireReason(flags: Flags): string {
  if (typeof flags.reason !== 'string' || !flags.reason.trim()) throw new UsageError('MISSING_ARGUMENT', '--reason TEXT is required: it is recorded in the audit log');
  return flags.reason;
}

export default defineCommand({
  name: 'firewall',
  summary: 'npm registry proxy that enforces the dependency policy on the request path',
  usage: 'sscs firewall serve|run|quarantine|waive [ARGS] [flags]',
  description: `
sscs firewall serve --policy FILE [--upstream URL] [--listen HOST:PORT]
    Serve an npm registry that filters the upstream through the policy. Stops on SIGTERM (in-flight
    requests finish first). Logs one JSON line per request on stdout.
sscs firewall run --policy FILE [serve flags] -- COMMAND [ARGS...]
    Start the firewall on a free port, run COMMAND with npm, pnpm and yarn pointed at it, stop it, print a
    summary of what was blocked. Exit 1 when the command failed and the firewall blocked something.
sscs firewall quarantine list [--format json]
sscs firewall quarantine release NAME@VERSION --reason TEXT [--by WHO]
sscs firewall waive NAME@VERSION|NAME@* --reason TEXT [--by WHO] [--expires DATE]

Settings: a flag wins over its environment variable (${Object.values(ENV).join(', ')}), which wins over
the default. Secrets come only from the environment: SSCS_FIREWALL_UPSTREAM_TOKEN (sent upstream when the
client sends no Authorization), SSCS_FIREWALL_ADMIN_TOKEN (or --admin-token-file) for the admin API.`,
  flags: {
    policy: { type: 'string', valueName: 'FILE', description: 'Policy file (YAML or JSON).' },
    upstream: { type: 'string', valueName: 'URL', description: 'Upstream registry [default: https://registry.npmjs.org/].' },
    listen: { type: 'string', valueName: 'HOST:PORT', description: 'Address to listen on; port 0 picks a free one [default: 127.0.0.1:4873].' },
    'public-url': { type: 'string', valueName: 'URL', description: 'URL clients reach the firewall at, for tarball links [default: http://HOST:PORT].' },
    'data-dir': { type: 'string', valueName: 'DIR', description: `State database and tarball cache [default: ${DEFAULT_DATA_DIR}].` },
    'packument-ttl': { type: 'string', valueName: 'SECONDS', description: 'How long a filtered packument is served before revalidating upstream [default: 60].' },
    'upstream-timeout-ms': { type: 'string', valueName: 'N', description: 'Timeout of every upstream call [default: 30000].' },
    'offline-cached': { type: 'string', valueName: 'serve|refuse', description: 'With the upstream down, serve decisions already made and cached, or refuse everything [default: serve].' },
    synchronous: { type: 'string', valueName: 'normal|full', description: 'SQLite synchronous: normal survives a killed process, full also power loss [default: normal].' },
    'admin-token-file': { type: 'string', valueName: 'FILE', description: 'File holding the admin API token.' },
    'malicious-feed': { type: 'string', valueName: 'PATH', description: 'Known-malicious OSV records (ossf/malicious-packages folder or .tar.gz).' },
    scan: { type: 'boolean', description: 'Scan every tarball before serving it; findings go to the policy (suspicious condition).' },
    'port-file': { type: 'string', valueName: 'FILE', description: 'Write {"url","port"} here once listening.' },
    reason: { type: 'string', valueName: 'TEXT', description: 'Why (quarantine release, waive).' },
    by: { type: 'string', valueName: 'WHO', description: 'Who releases or waives [default: $GITLAB_USER_LOGIN or $USER].' },
    expires: { type: 'string', valueName: 'DATE', description: 'When a waiver ends (ISO date).' },
    'summary-file': { type: 'string', valueName: 'FILE', description: 'run: write the block summary as JSON.' },
    format: { type: 'string', valueName: 'text|json', description: 'Output format of quarantine list.', default: 'text' },
  },
  positionals: { min: 1, max: Number.MAX_SAFE_INTEGER, name: 'SUBCOMMAND' },
  examples: [
    'sscs firewall serve --policy policy.yml --listen 127.0.0.1:4873',
    'sscs firewall run --policy policy.yml -- npm ci',
    'sscs firewall quarantine release left-pad@1.4.0 --reason "reviewed diff"',
  ],
  async run({ flags, positionals, io }) {
    const [sub, ...args] = positionals;
    if (!(SUBCOMMANDS as readonly string[]).includes(sub!)) {
      throw new UsageError('UNKNOWN_COMMAND', `sscs firewall: unknown subcommand '${sub}'`, { hint: `one of: ${SUBCOMMANDS.join(', ')}` });
    }
    const by = typeof flags.by === 'string' ? flags.by : io.env.GITLAB_USER_LOGIN || io.env.USER || 'cli';
    if (sub === 'serve') {
      if (args.length) throw new UsageError('USAGE', `sscs firewall serve: unexpected argument '${args[0]}'`);
      const { launch, stopSignal } = await import('../firewall/launch.js');
      const fw = await launch(serveSettings(flags, io.env, io.cwd), flags, io);
      io.stderr(`sscs firewall: serving on ${fw.url} (policy mode ${fw.mode})\n`);
      const sig = await stopSignal();
      io.stderr(`sscs firewall: ${sig}: finishing in-flight requests\n`);
      await fw.close();
      return 0;
    }
    if (sub === 'run') {
      const { runBehindFirewall } = await import('../firewall/run.js');
      return await runBehindFirewall(serveSettings(flags, io.env, io.cwd), flags, args, io);
    }
    if (sub === 'quarantine') {
      const [action, spec] = args;
      const store = await openStore(flags, io);
      try {
        if (action === 'list') {
          const q = store.quarantine();
          if (flags.format === 'json') io.stdout(`${JSON.stringify({ quarantine: q }, null, 2)}\n`);
          else if (q.length === 0) io.stdout('quarantine is empty\n');
          else for (const e of q) io.stdout(`${e.name}@${e.version}\t${e.rule}\t${e.until ? `until ${e.until.toISOString()}` : 'until released'}\t${e.reason}\n`);
          return 0;
        }
        if (action === 'release') {
          const { name, version } = parseSpec(spec);
          const r = store.releaseFromQuarantine(name, version, by, requireReason(flags));
          store.audit({ at: new Date(), client: 'cli', kind: 'admin', name, version, action: 'release', rule: `release:${r.id}`, status: 0 });
          io.stdout(`released ${name}@${version} (release:${r.id})\n`);
          return 0;
        }
        throw new UsageError('USAGE', `sscs firewall quarantine: expected list or release, not '${action ?? ''}'`);
      } finally {
        store.close();
      }
    }
    const { name, version } = parseSpec(args[0]);
    const reason = requireReason(flags);
    const expires = typeof flags.expires === 'string' ? new Date(flags.expires) : undefined;
    if (expires && Number.isNaN(expires.getTime())) throw new InputError('INPUT', `--expires is not a date: '${flags.expires}'`);
    const store = await openStore(flags, io);
    try {
      const w = store.addWaiver({ name, version, by, reason, ...(expires ? { expiresAt: expires } : {}) });
      store.audit({ at: new Date(), client: 'cli', kind: 'admin', name, version, action: 'waive', rule: `waiver:${w.id}`, status: 0 });
      io.stdout(`waived ${name}@${version} (waiver:${w.id})\n`);
      return 0;
    } finally {
      store.close();
    }
  },
});
