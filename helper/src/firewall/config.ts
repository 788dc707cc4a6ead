/**
 * Firewall settings from flags, then environment variables, then defaults (first one set wins). The policy
 * itself comes from the policy file; secrets (upstream and admin tokens) only from the environment or a file,
 * never from a flag, so they stay out of process listings and CI logs.
 */
import { resolve } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import type { Synchronous } from './sqlite-store.js';
import { upstreamSettings, type ScopedUpstream } from './upstreams.js';
import { databaseSetting, type PostgresTarget } from './postgres/connect.js';
import { pypiSettings, type PypiSettings } from './pypi-settings.js';
import { trustedProxies, type TrustedProxies } from './client-address.js';
import { MAX_TIMER_MS } from '../scan/timer.js';

export const DEFAULT_UPSTREAM = 'https://registry.npmjs.org/';
export const DEFAULT_LISTEN = '127.0.0.1:4873';
/** The same folder as the npm-firewall component's data_dir default (test/firewall/cli-state.test.ts checks), so `quarantine list` looks where the job wrote. */
export const DEFAULT_DATA_DIR = '.cache/sscs-firewall';
export const DEFAULT_PACKUMENT_TTL_S = 60;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_PACKUMENT_MB = 64;
export const DEFAULT_MAX_TARBALL_MB = 256;
/** Upstream packument bytes fetched and built at once: four of the largest (64 MB) packuments. */
export const DEFAULT_MAX_INFLIGHT_MB = 256;
/** Whole-response deadline: generous for a 256 MB tarball on a slow link, finite against a trickling upstream. */
export const DEFAULT_UPSTREAM_DEADLINE_MS = 300_000;
export const DEFAULT_CACHE_MB = 256;
/** A token file is a line of text. */
const MAX_TOKEN_FILE_BYTES = 4096;

/** Flag name -> environment variable; the same table documents precedence in --help and the README. */
export const ENV = {
  policy: 'SSCS_FIREWALL_POLICY',
  upstream: 'SSCS_FIREWALL_UPSTREAM',
  listen: 'SSCS_FIREWALL_LISTEN',
  'public-url': 'SSCS_FIREWALL_PUBLIC_URL',
  'data-dir': 'SSCS_FIREWALL_DATA_DIR',
  database: 'SSCS_FIREWALL_DATABASE',
  'packument-ttl': 'SSCS_FIREWALL_PACKUMENT_TTL',
  'upstream-timeout-ms': 'SSCS_FIREWALL_UPSTREAM_TIMEOUT_MS',
  'upstream-deadline-ms': 'SSCS_FIREWALL_UPSTREAM_DEADLINE_MS',
  'max-tarball-mb': 'SSCS_FIREWALL_MAX_TARBALL_MB',
  'max-inflight-mb': 'SSCS_FIREWALL_MAX_INFLIGHT_MB',
  'audit-retention-days': 'SSCS_FIREWALL_AUDIT_RETENTION_DAYS',
  'scan-budget-ms': 'SSCS_FIREWALL_SCAN_BUDGET_MS',
  'scan-concurrency': 'SSCS_FIREWALL_SCAN_CONCURRENCY',
  'offline-cached': 'SSCS_FIREWALL_OFFLINE_CACHED',
  synchronous: 'SSCS_FIREWALL_SYNCHRONOUS',
  'admin-token-file': 'SSCS_FIREWALL_ADMIN_TOKEN_FILE',
  'malicious-feed': 'SSCS_FIREWALL_MALICIOUS_FEED',
  'webhook-url': 'SSCS_FIREWALL_WEBHOOK_URL',
  'trusted-proxy': 'SSCS_FIREWALL_TRUSTED_PROXIES',
} as const;
/** The webhook signing secret: only from the environment, never a flag, never logged. */
export const WEBHOOK_SECRET_ENV = 'SSCS_FIREWALL_WEBHOOK_SECRET';
export const ADMIN_TOKEN_ENV = 'SSCS_FIREWALL_ADMIN_TOKEN';
export const UPSTREAM_TOKEN_ENV = 'SSCS_FIREWALL_UPSTREAM_TOKEN';

export type Flags = Record<string, string | boolean | string[] | undefined>;

export function setting(flags: Flags, env: NodeJS.ProcessEnv, name: keyof typeof ENV): string | undefined {
  const f = flags[name];
  if (typeof f === 'string' && f !== '') return f;
  const e = env[ENV[name]];
  return e === undefined || e === '' ? undefined : e;
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-f:]+)\]|([^:]+)):(\d{1,5})$/i.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError('USAGE', `--listen must be HOST:PORT (e.g. ${DEFAULT_LISTEN}), not '${value}'`);
  return { host: m[1] ?? m[2]!, port };
}

export function positiveNumber(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError('USAGE', `${what} must be a non-negative number, not '${value}'`);
  return n;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, what: string): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError('USAGE', `${what} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

export function checkUpstream(value: string, tokenEnv: string = UPSTREAM_TOKEN_ENV): string {
  // A value with user info in it is never echoed: the part before '@' may be a password.
  const shown = value.includes('@') ? 'the value given' : `'${value}'`;
  let u: URL;
  try {
    u = new URL(value);
  } catch (e) {
    throw new UsageError('USAGE', `--upstream is not a URL: ${shown}`, { cause: e });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError('USAGE', `--upstream must be http(s): ${shown}`);
  if (u.username || u.password) throw new UsageError('USAGE', `--upstream must not carry credentials: use ${tokenEnv}`);
  return u.href;
}

export async function adminToken(flags: Flags, env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  const file = setting(flags, env, 'admin-token-file');
  if (file) {
    const token = (await readFileBounded(resolve(cwd, file), MAX_TOKEN_FILE_BYTES, 'admin token file')).toString('utf8').trim();
    if (!token) throw new InputError('INPUT', 'the admin token file is empty', { where: { file } });
    return strongEnough(token, `the admin token in ${file}`);
  }
  const token = env[ADMIN_TOKEN_ENV] || undefined;
  return token === undefined ? undefined : strongEnough(token, ADMIN_TOKEN_ENV);
}

/** Shortest admin token accepted: 128 bits as hex. The API and the login form are limited, not unguessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

function strongEnough(token: string, where: string): string {
  // The length only: the token itself is never shown.
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new UsageError('USAGE', `${where}: the admin token has ${token.length} characters, fewer than ${MIN_ADMIN_TOKEN_LENGTH}: make one with 'openssl rand -hex 32'`);
  }
  return token;
}

export interface ServeSettings {
  policyPath: string;
  /** The default upstream: every package whose scope has no upstream of its own. */
  upstream: string;
  /** Scopes routed to their own upstream, each with its own token variable. */
  scopedUpstreams: ScopedUpstream[];
  /** The PyPI index proxied at /simple/; undefined with --pypi-upstream none. */
  pypi?: PypiSettings;
  listen: { host: string; port: number };
  publicUrl?: string;
  dataDir: string;
  /** The shared PostgreSQL database; unset keeps the state in SQLite under dataDir. */
  database?: PostgresTarget;
  packumentTtlMs: number;
  upstreamTimeoutMs: number;
  upstreamDeadlineMs: number;
  maxTarballBytes: number;
  maxInflightBytes: number;
  /** How long audit rows are kept after their last occurrence; unset keeps them for ever. */
  auditRetentionMs?: number;
  serveCachedOffline: boolean;
  synchronous: Synchronous;
  /** OSV records of known-malicious packages (folder or .tar.gz). */
  maliciousFeed?: string;
  /** Where events are posted (signed with WEBHOOK_SECRET_ENV). */
  webhookUrl?: string;
  scan: boolean;
  /** Wall-clock time one package's scan may take (a worker thread); past it the package gets a scan-budget finding. */
  scanBudgetMs?: number;
  /** Packages scanned at once, each in its own worker thread. */
  scanConcurrency?: number;
  /** Load balancers whose X-Forwarded-For names the client; unset: the TCP peer is the client. */
  trustedProxies?: TrustedProxies;
}

function optionalNumber<K extends string>(key: K, raw: string | undefined, flag: string): Partial<Record<K, number>> {
  return raw === undefined ? {} : ({ [key]: Math.floor(positiveNumber(raw, 1, flag)) } as Partial<Record<K, number>>);
}

/** --scan-budget-ms: whole milliseconds, at most the longest Node timer (a longer one fires at once: scan/timer.ts). */
function scanBudget(raw: string | undefined): { scanBudgetMs?: number } {
  const budget = optionalNumber('scanBudgetMs', raw, '--scan-budget-ms');
  if ((budget.scanBudgetMs ?? 0) > MAX_TIMER_MS) throw new UsageError('USAGE', `--scan-budget-ms must be at most ${MAX_TIMER_MS} (2^31-1 ms, about 24.8 days: the longest timer Node keeps), not '${raw}'`);
  return budget;
}

export function auditRetention(raw: string | undefined): { auditRetentionMs?: number } {
  if (raw === undefined) return {};
  const days = positiveNumber(raw, 1, '--audit-retention-days');
  // The database refuses a shorter window (an hour's retention would let anyone erase the log of yesterday).
  if (days < 1) throw new UsageError('USAGE', `--audit-retention-days must be at least 1, not '${raw}'`);
  return { auditRetentionMs: days * 24 * 60 * 60 * 1000 };
}

/** An http(s) URL, and a secret to sign with: unsigned events are never sent. The URL is not echoed (it may hold a token). */
export function checkWebhookUrl(value: string, env: NodeJS.ProcessEnv): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch (e) {
    throw new UsageError('USAGE', '--webhook-url is not a URL', { cause: e });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError('USAGE', '--webhook-url must be http(s)');
  // fetch refuses a URL with credentials, so every delivery would fail; and a flag shows in process listings.
  if (u.username || u.password) {
    throw new UsageError('USAGE', '--webhook-url must not hold a user name or password', {
      hint: `The receiver authenticates each delivery by its HMAC signature (the secret in ${WEBHOOK_SECRET_ENV}).`,
    });
  }
  if (!env[WEBHOOK_SECRET_ENV]) throw new UsageError('USAGE', `--webhook-url needs a signing secret in ${WEBHOOK_SECRET_ENV}`);
  return u.href;
}

export function serveSettings(flags: Flags, env: NodeJS.ProcessEnv, cwd: string): ServeSettings {
  const policy = setting(flags, env, 'policy');
  if (!policy) throw new UsageError('MISSING_ARGUMENT', `sscs firewall: --policy FILE is required (or ${ENV.policy})`);
  const publicUrl = setting(flags, env, 'public-url');
  const feed = setting(flags, env, 'malicious-feed');
  const webhookUrl = setting(flags, env, 'webhook-url');
  const upstreams = upstreamSettings(flags, env);
  const pypi = pypiSettings(flags, env);
  return {
    policyPath: resolve(cwd, policy),
    upstream: upstreams.upstream,
    scopedUpstreams: upstreams.scoped,
    ...(pypi ? { pypi } : {}),
    listen: parseListen(setting(flags, env, 'listen') ?? DEFAULT_LISTEN),
    ...(publicUrl ? { publicUrl } : {}),
    dataDir: resolve(cwd, setting(flags, env, 'data-dir') ?? DEFAULT_DATA_DIR),
    ...databaseOf(flags, env),
    packumentTtlMs: positiveNumber(setting(flags, env, 'packument-ttl'), DEFAULT_PACKUMENT_TTL_S, '--packument-ttl') * 1000,
    upstreamTimeoutMs: positiveNumber(setting(flags, env, 'upstream-timeout-ms'), DEFAULT_UPSTREAM_TIMEOUT_MS, '--upstream-timeout-ms'),
    upstreamDeadlineMs: positiveNumber(setting(flags, env, 'upstream-deadline-ms'), DEFAULT_UPSTREAM_DEADLINE_MS, '--upstream-deadline-ms'),
    maxTarballBytes: Math.floor(positiveNumber(setting(flags, env, 'max-tarball-mb'), DEFAULT_MAX_TARBALL_MB, '--max-tarball-mb') * 1024 * 1024),
    maxInflightBytes: Math.floor(positiveNumber(setting(flags, env, 'max-inflight-mb'), DEFAULT_MAX_INFLIGHT_MB, '--max-inflight-mb') * 1024 * 1024),
    ...auditRetention(setting(flags, env, 'audit-retention-days')),
    serveCachedOffline: oneOf(setting(flags, env, 'offline-cached'), ['serve', 'refuse'] as const, 'serve', '--offline-cached') === 'serve',
    synchronous: oneOf(setting(flags, env, 'synchronous'), ['normal', 'full'] as const, 'normal', '--synchronous'),
    ...(feed ? { maliciousFeed: resolve(cwd, feed) } : {}),
    ...(webhookUrl ? { webhookUrl: checkWebhookUrl(webhookUrl, env) } : {}),
    scan: flags.scan === true,
    ...scanBudget(setting(flags, env, 'scan-budget-ms')),
    ...optionalNumber('scanConcurrency', setting(flags, env, 'scan-concurrency'), '--scan-concurrency'),
    ...trustedProxiesOf(flags, env),
  };
}

/** --trusted-proxy (repeatable), else SSCS_FIREWALL_TRUSTED_PROXIES (separated by spaces or commas); none by default. */
function trustedProxiesOf(flags: Flags, env: NodeJS.ProcessEnv): { trustedProxies?: TrustedProxies } {
  const f = flags['trusted-proxy'];
  const fromFlags = (Array.isArray(f) ? f : typeof f === 'string' ? [f] : []).filter((v) => v !== '');
  const values = fromFlags.length ? fromFlags : (env[ENV['trusted-proxy']] ?? '').split(/[\s,]+/).filter(Boolean);
  if (!values.length) return {};
  return { trustedProxies: trustedProxies(values, fromFlags.length ? '--trusted-proxy' : ENV['trusted-proxy']) };
}

function databaseOf(flags: Flags, env: NodeJS.ProcessEnv): { database?: PostgresTarget } {
  const database = databaseSetting(flags.database, env, flags.migrate);
  return database ? { database } : {};
}
