/** Flags shared by the firewall commands, defined once so `serve` and `run` cannot drift apart. */
import { resolve } from 'node:path';
import { openStore } from './open-store.js';
import { databaseSetting, MIGRATE_ENV } from './postgres/connect.js';
import type { FlagSpecs, Io } from '../cli/command.js';
import { DEFAULT_DATA_DIR, DEFAULT_MAX_INFLIGHT_MB, DEFAULT_MAX_TARBALL_MB, DEFAULT_UPSTREAM_DEADLINE_MS, ENV, setting, type Flags } from './config.js';
import type { Store } from './store.js';

export const DATA_DIR_FLAG = {
  'data-dir': { type: 'string', valueName: 'DIR', description: `State database and tarball cache (env ${ENV['data-dir']}) [default: ${DEFAULT_DATA_DIR}].` },
  database: {
    type: 'string',
    valueName: 'postgres://USER@HOST:PORT/DB',
    description: `Keep decisions, quarantine, releases, waivers and the audit log in this PostgreSQL database, shared by replicas; the password only from PGPASSWORD, a pgpass file, or the whole URL in ${ENV.database} (env ${ENV.database}) [default: SQLite in --data-dir].`,
  },
  migrate: {
    type: 'string',
    choices: ['auto', 'never'],
    valueName: 'auto|never',
    description: `With --database: apply missing migrations at start (auto, needs the owner's rights), or refuse to start until the owner has run 'sscs firewall migrate' (never: replicas connecting as a least-privilege role) (env ${MIGRATE_ENV}) [default: auto].`,
  },
} as const satisfies FlagSpecs;

/** The webhook of `firewall serve`, and of the CLI's waive and release, which send the same events. */
export const WEBHOOK_FLAG = {
  'webhook-url': { type: 'string', valueName: 'URL', description: `POST block, quarantine, release, waiver and retroactive-hit events here as JSON, signed with HMAC-SHA256 over the body using the secret in SSCS_FIREWALL_WEBHOOK_SECRET (env ${ENV['webhook-url']}).` },
} as const satisfies FlagSpecs;

export const SERVE_FLAGS = {
  policy: { type: 'string', valueName: 'FILE', description: `Policy file, YAML or JSON (env ${ENV.policy}).` },
  upstream: {
    type: 'string',
    multiple: true,
    valueName: '[@SCOPE=]URL',
    description: `Upstream registry; @SCOPE=URL routes a scope to its own registry, token from SSCS_FIREWALL_UPSTREAM_TOKEN_<SCOPE> (env ${ENV.upstream}, entries separated by spaces) [default: https://registry.npmjs.org/].`,
  },
  'pypi-upstream': { type: 'string', valueName: 'URL|none', description: 'Python package index proxied at /simple/ (PEP 503/691), or none (env SSCS_FIREWALL_PYPI_UPSTREAM) [default: https://pypi.org/simple/].' },
  'pypi-files': { type: 'string', multiple: true, valueName: 'URL', description: 'A URL prefix the index\'s pages may put files under (repeatable; env SSCS_FIREWALL_PYPI_FILES, entries separated by spaces). A file is fetched only from under --pypi-upstream itself or under one of these prefixes (same scheme, host, port and path start), never elsewhere: for a file path beside /simple/ on the index\'s own host (Nexus, Artifactory, devpi), give that prefix, e.g. https://nexus.example/repository/pypi/packages/ [default for pypi.org: https://files.pythonhosted.org/].' },
  'public-url': { type: 'string', valueName: 'URL', description: `URL clients reach the firewall at, for tarball links (env ${ENV['public-url']}) [default: http://HOST:PORT].` },
  ...DATA_DIR_FLAG,
  'packument-ttl': { type: 'string', valueName: 'SECONDS', description: `How long a filtered packument is served before the upstream is asked again (env ${ENV['packument-ttl']}) [default: 60].` },
  'upstream-timeout-ms': { type: 'string', valueName: 'N', description: `Timeout of every upstream call to its response headers, and of every pause in its body (env ${ENV['upstream-timeout-ms']}) [default: 30000].` },
  'upstream-deadline-ms': { type: 'string', valueName: 'N', description: `Deadline of every upstream response, body included, however steadily bytes arrive; past it the download is cut and nothing cached (env ${ENV['upstream-deadline-ms']}) [default: ${DEFAULT_UPSTREAM_DEADLINE_MS}].` },
  'max-tarball-mb': { type: 'string', valueName: 'MB', description: `Largest tarball fetched; past it the download is cut and nothing cached (env ${ENV['max-tarball-mb']}) [default: ${DEFAULT_MAX_TARBALL_MB}].` },
  'max-inflight-mb': { type: 'string', valueName: 'MB', description: `Upstream packument bytes fetched and built at once, across all clients; past it requests queue, and past the queue get 503 with Retry-After (env ${ENV['max-inflight-mb']}) [default: ${DEFAULT_MAX_INFLIGHT_MB}].` },
  'audit-retention-days': { type: 'string', valueName: 'DAYS', description: `Audit rows are removed this long after their last occurrence (at least 1; the database keeps the longest retention ever given), checked at start and every hour; decisions, quarantine, releases and waivers are never removed (env ${ENV['audit-retention-days']}) [default: kept for ever].` },
  'offline-cached': { type: 'string', valueName: 'serve|refuse', description: `With the upstream down: serve a cached tarball allowed under this same policy, still allowed when asked again, to the credential that fetched it; or refuse everything (env ${ENV['offline-cached']}) [default: serve].` },
  synchronous: { type: 'string', valueName: 'normal|full', description: `SQLite synchronous: normal survives a killed process, full also a power loss (env ${ENV.synchronous}) [default: normal].` },
  'malicious-feed': { type: 'string', valueName: 'PATH', description: `OSV records (malicious packages and vulnerabilities): a folder, .tar.gz or osv.dev all.zip, kept current by 'sscs feed sync'; a running firewall reloads a file when it changes, and everything on SIGHUP (env ${ENV['malicious-feed']}).` },
  scan: { type: 'boolean', description: 'Scan every tarball before serving it; findings go to the policy (suspicious condition).' },
  'scan-budget-ms': { type: 'string', valueName: 'N', description: `With --scan: time one package's scan may take, in a worker thread off the event loop; past it the package gets a scan-budget finding and the policy's outcome for an incomplete scan (env ${ENV['scan-budget-ms']}) [default: 120000].` },
  'scan-concurrency': { type: 'string', valueName: 'N', description: `With --scan: packages scanned at once, one worker thread each; the rest wait (env ${ENV['scan-concurrency']}) [default: cores - 1, at least 1].` },
  ...WEBHOOK_FLAG,
  'trusted-proxy': {
    type: 'string',
    multiple: true,
    valueName: 'CIDR',
    description: `A load balancer's address or range (repeatable, e.g. 10.0.0.0/8): only a request whose TCP peer is inside one has its X-Forwarded-For read, right to left, skipping trusted addresses, for the client address in audit rows, the served-client log and the login limiter; X-Forwarded-For from anyone else is ignored (env ${ENV['trusted-proxy']}, entries separated by spaces) [default: none].`,
  },
  'admin-token-file': { type: 'string', valueName: 'FILE', description: `File holding the admin API token (env ${ENV['admin-token-file']}; or the token itself in SSCS_FIREWALL_ADMIN_TOKEN).` },
} as const satisfies FlagSpecs;

export const SETTINGS_HELP = `Settings: a flag wins over its environment variable, which wins over the default. Secrets come only from
the environment or a file: SSCS_FIREWALL_UPSTREAM_TOKEN (sent to the default upstream when a client sends no
Authorization of its own), SSCS_FIREWALL_UPSTREAM_TOKEN_<SCOPE> (sent to that scope's upstream, which never
sees a client's own Authorization), SSCS_FIREWALL_ADMIN_TOKEN or --admin-token-file (the admin API).`;

export function byWhom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.GITLAB_USER_LOGIN || env.USER || 'cli';
}

/** The firewall database the CLI commands (waive, quarantine) work on: --data-dir, its variable, or the default. */
export async function openCliStore(flags: Flags, io: Io): Promise<Store> {
  const database = databaseSetting(flags.database, io.env, flags.migrate);
  return openStore({ dataDir: resolve(io.cwd, setting(flags, io.env, 'data-dir') ?? DEFAULT_DATA_DIR), ...(database ? { database } : {}), listen: false });
}
