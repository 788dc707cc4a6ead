/** Starts a firewall from resolved settings: loads the policy through the engine, opens the store. */
import { ensureDir, writeFileAtomic } from '../io/files.js';
import type { Io } from '../cli/command.js';
import { ServiceError, systemErrorCode } from '../errors.js';
import { adminToken, DEFAULT_CACHE_MB, DEFAULT_MAX_PACKUMENT_MB, UPSTREAM_TOKEN_ENV, type Flags, type ServeSettings } from './config.js';
import { startFirewall, type Firewall, type FirewallOptions } from './firewall.js';
import { jsonLogger } from './log.js';
import { guardProcess } from './guard.js';
import type { Scanner } from './context.js';
import { policyFromFile } from './policy-source.js';
import { decisionInputsVersion } from './inputs.js';
import { SCANNER_VERSION } from '../scan/version.js';

export async function launch(s: ServeSettings, flags: Flags, io: Io, extra: Partial<FirewallOptions> = {}): Promise<Firewall & { mode: string; typosquat: boolean }> {
  const filePolicy = await policyFromFile(s.policyPath);
  await ensureDir(s.dataDir);
  const token = await adminToken(flags, io.env, io.cwd);
  const upstreamToken = io.env[UPSTREAM_TOKEN_ENV];
  const { enrich, feedDigest } = await factSources(s, filePolicy.usesTyposquat);
  const scanner = s.scan ? await loadScanner({ ...(s.scanBudgetMs ? { budgetMs: s.scanBudgetMs } : {}), ...(s.scanConcurrency ? { concurrency: s.scanConcurrency } : {}) }) : undefined;
  // Decisions are cached under every input that can change them, not the policy file alone.
  const policy = { ...filePolicy, version: decisionInputsVersion({ policyVersion: filePolicy.version, ...(scanner ? { scanner: SCANNER_VERSION } : {}), ...(feedDigest ? { feed: feedDigest } : {}) }) };
  const log = jsonLogger(io.stdout);
  let fw: Firewall;
  try {
    fw = await startFirewall({
      upstream: s.upstream,
      ...(s.pypi ? { pypi: s.pypi } : {}),
      scopedUpstreams: s.scopedUpstreams.map((u) => ({ scope: u.scope, url: u.url, ...(io.env[u.tokenEnv] ? { token: io.env[u.tokenEnv] } : {}) })),
      upstreamTimeoutMs: s.upstreamTimeoutMs,
      upstreamDeadlineMs: s.upstreamDeadlineMs,
      maxTarballBytes: s.maxTarballBytes,
      maxInflightBytes: s.maxInflightBytes,
      ...(s.auditRetentionMs !== undefined ? { auditRetentionMs: s.auditRetentionMs } : {}),
      host: s.listen.host,
      port: s.listen.port,
      ...(s.publicUrl ? { publicUrl: s.publicUrl } : {}),
      dataDir: s.dataDir,
      ...(s.database ? { database: s.database } : {}),
      policy,
      packumentTtlMs: s.packumentTtlMs,
      maxPackumentBytes: DEFAULT_MAX_PACKUMENT_MB * 1024 * 1024,
      maxCacheBytes: DEFAULT_CACHE_MB * 1024 * 1024,
      serveCachedOffline: s.serveCachedOffline,
      synchronous: s.synchronous,
      ...(token ? { adminToken: token } : {}),
      ...(upstreamToken ? { upstreamToken } : {}),
      log,
      needs: policy.conditions,
      ...(enrich ? { enrich } : {}),
      ...(scanner ? { scanner } : {}),
      ...extra,
    });
  } catch (e) {
    const code = systemErrorCode(e);
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new ServiceError('SERVICE', `cannot listen on ${s.listen.host}:${s.listen.port}: ${code}`, { cause: e });
    throw e;
  }
  // From here on one client's fault cannot stop the process: what escapes is logged and counted.
  const unguard = guardProcess({ metrics: fw.metrics, log });
  const close = fw.close;
  fw.close = async () => {
    try {
      await close();
    } finally {
      unguard();
    }
  };
  const portFile = flags['port-file'];
  if (typeof portFile === 'string') await writeFileAtomic(portFile, `${JSON.stringify({ url: fw.url, port: fw.port })}\n`);
  return { ...fw, mode: policy.mode, typosquat: policy.usesTyposquat };
}

/** Bound on remembered typosquat answers (one per package name seen). */
const MAX_REMEMBERED_NAMES = 50_000;

/** Facts beyond the packument: the known-malicious feed (when given) and the typosquat check. */
async function factSources(s: ServeSettings, typosquat: boolean): Promise<{ enrich?: FirewallOptions['enrich']; feedDigest?: string }> {
  const feed = s.maliciousFeed ? await (await import('../feeds/malicious.js')).loadMaliciousFeed(s.maliciousFeed) : undefined;
  const targets = typosquat ? (await import('../feeds/typosquat.js')).typosquatTargets : undefined;
  if (!feed && !targets) return {};
  // Build the typosquat index now (seconds) rather than on the first client's request.
  targets?.('sscs-warm-up');
  const squats = new Map<string, string[]>();
  const enrich: FirewallOptions['enrich'] = (name, version, facts, ecosystem = 'npm') => {
    // Each ecosystem's names are checked against its own popular names.
    const key = `${ecosystem}\0${name}`;
    let t = squats.get(key);
    if (targets && !t) {
      if (squats.size >= MAX_REMEMBERED_NAMES) squats.clear();
      squats.set(key, (t = targets(name, ecosystem)));
    }
    return { ...facts, ...(t ? { typosquatOf: t } : {}), ...(feed ? { maliciousIds: feed.lookup(ecosystem, name, version) } : {}) };
  };
  return { enrich, ...(feed ? { feedDigest: feed.digest() } : {}) };
}

async function loadScanner(opts: import('../scan/pool.js').ScanPoolOptions): Promise<Scanner> {
  // Scans run in worker threads, within a time and heap budget, so the event loop keeps serving meanwhile.
  const { ScanPool } = await import('../scan/pool.js');
  const pool = new ScanPool(opts);
  return async (tarball) => (await pool.scan(tarball)).findings.map((f) => ({ rule: f.rule, severity: f.severity, evidence: `${f.file}${f.line ? `:${f.line}` : ''}: ${f.evidence}` }));
}

/** Resolves on SIGTERM or SIGINT: the one place the firewall listens to process signals. */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      resolve(sig);
    };
    const term = on('SIGTERM');
    const int = on('SIGINT');
    process.once('SIGTERM', term);
    process.once('SIGINT', int);
  });
}
