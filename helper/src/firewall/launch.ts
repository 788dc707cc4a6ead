/** Starts a firewall from resolved settings: loads the policy through the engine, opens the store. */
import { ensureDir, writeFileAtomic } from '../io/files.js';
import type { Io } from '../cli/command.js';
import { ServiceError, systemErrorCode } from '../errors.js';
import { adminToken, DEFAULT_CACHE_MB, DEFAULT_MAX_PACKUMENT_MB, UPSTREAM_TOKEN_ENV, WEBHOOK_SECRET_ENV, type Flags, type ServeSettings } from './config.js';
import { startFirewall, type Firewall, type FirewallOptions } from './firewall.js';
import { jsonLogger } from './log.js';
import { guardProcess } from './guard.js';
import type { Scanner } from './context.js';
import { SCANNER_VERSION } from '../scan/version.js';
import { LiveInputs, type ReloadReport } from './live.js';
import { Metrics } from './metrics.js';
import { Webhook } from './webhook.js';
import type { FirewallEvent } from './events.js';
import { blockAlerts, reportRetroactive, watchFeed } from './alerts.js';

export interface LaunchedFirewall extends Firewall {
  mode: string;
  typosquat: boolean;
  /** Reloads the policy file and the feed; a part that does not load is refused, logged and kept. */
  reload(): Promise<ReloadReport>;
}

export async function launch(s: ServeSettings, flags: Flags, io: Io, extra: Partial<FirewallOptions> = {}): Promise<LaunchedFirewall> {
  const log = jsonLogger(io.stdout);
  const metrics = new Metrics();
  const live = await LiveInputs.load({ policyPath: s.policyPath, ...(s.maliciousFeed ? { feedPath: s.maliciousFeed } : {}), ...(s.scan ? { scanner: SCANNER_VERSION } : {}), log, metrics });
  await ensureDir(s.dataDir);
  const token = await adminToken(flags, io.env, io.cwd);
  const upstreamToken = io.env[UPSTREAM_TOKEN_ENV];
  const scanner = s.scan ? await loadScanner({ ...(s.scanBudgetMs ? { budgetMs: s.scanBudgetMs } : {}), ...(s.scanConcurrency ? { concurrency: s.scanConcurrency } : {}) }) : undefined;
  const webhook = s.webhookUrl ? new Webhook({ url: s.webhookUrl, secret: io.env[WEBHOOK_SECRET_ENV]!, metrics, log }) : undefined;
  const alert = webhook ? (event: FirewallEvent) => void webhook.send(event) : undefined;
  const blocked = alert ? blockAlerts(alert) : undefined;
  const onDecision: FirewallOptions['onDecision'] = (pkg, d, ok) => {
    extra.onDecision?.(pkg, d, ok);
    if (!ok) blocked?.(pkg, d);
  };
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
      ...(s.trustedProxies ? { trustedProxies: s.trustedProxies } : {}),
      dataDir: s.dataDir,
      ...(s.database ? { database: s.database } : {}),
      policy: live.policy,
      packumentTtlMs: s.packumentTtlMs,
      maxPackumentBytes: DEFAULT_MAX_PACKUMENT_MB * 1024 * 1024,
      maxCacheBytes: DEFAULT_CACHE_MB * 1024 * 1024,
      serveCachedOffline: s.serveCachedOffline,
      synchronous: s.synchronous,
      ...(token ? { adminToken: token } : {}),
      ...(upstreamToken ? { upstreamToken } : {}),
      log,
      needs: live.needs,
      enrich: live.enrich,
      ...(scanner ? { scanner } : {}),
      ...extra,
      metrics,
      onDecision,
      reload: () => live.reload(),
      ...(alert ? { alert } : {}),
    });
  } catch (e) {
    await webhook?.close(0);
    const code = systemErrorCode(e);
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new ServiceError('SERVICE', `cannot listen on ${s.listen.host}:${s.listen.port}: ${code}`, { cause: e });
    throw e;
  }
  live.served = fw.served;
  live.onRetroactive = (hit) => reportRetroactive(hit, { store: fw.store, metrics, log, ...(alert ? { alert } : {}) });
  const unwatch = s.maliciousFeed ? watchFeed(s.maliciousFeed, () => void live.reload({ feed: true }).catch(() => undefined), log) : undefined;
  // From here on one client's fault cannot stop the process: what escapes is logged and counted.
  const unguard = guardProcess({ metrics: fw.metrics, log });
  const close = fw.close;
  fw.close = async () => {
    try {
      unwatch?.();
      await close();
      await webhook?.close();
    } finally {
      unguard();
    }
  };
  const portFile = flags['port-file'];
  if (typeof portFile === 'string') await writeFileAtomic(portFile, `${JSON.stringify({ url: fw.url, port: fw.port })}\n`);
  return Object.assign(fw, { mode: live.mode, typosquat: live.usesTyposquat, reload: () => live.reload() });
}

async function loadScanner(opts: import('../scan/pool.js').ScanPoolOptions): Promise<Scanner> {
  // Scans run in worker processes, within a time and heap budget, so the event loop keeps serving meanwhile.
  const { ScanPool } = await import('../scan/pool.js');
  const pool = new ScanPool(opts);
  const facts = (r: import('../scan/types.js').ScanReport) => r.findings.map((f) => ({ rule: f.rule, severity: f.severity, evidence: `${f.file}${f.line ? `:${f.line}` : ''}: ${f.evidence}` }));
  return Object.assign(async (tarball: import('node:stream').Readable | string) => facts(await pool.scan(tarball)), {
    file: async (path: string, format: 'wheel' | 'sdist') => facts(await pool.scanFile(path, format)),
  });
}

/** Calls `onReload` on every SIGHUP until the returned function is called. */
export function reloadSignal(onReload: () => void): () => void {
  const on = (): void => onReload();
  process.on('SIGHUP', on);
  return () => void process.off('SIGHUP', on);
}

/** Resolves on SIGTERM or SIGINT; with reloadSignal, the only places the firewall listens to process signals. */
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
