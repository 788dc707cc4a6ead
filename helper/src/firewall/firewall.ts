/** Assembles a running firewall from resolved options: store, caches, upstream, server. */
import { join } from 'node:path';
import type { HandlerContext, Scanner } from './context.js';
import type { PolicySource } from './evaluator.js';
import type { Decision, PackageRef } from '../policy/types.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { PackumentCache, type PackumentCacheOptions } from './packument-cache.js';
import { PEP440 } from '../ecosystems/pep440.js';
import { PypiPages } from './pypi-cache.js';
import { startServer } from './server.js';
import type { Synchronous } from './sqlite-store.js';
import { openStore } from './open-store.js';
import type { PostgresTarget } from './postgres/connect.js';
import type { Store } from './store.js';
import { TarballCache } from './tarball-cache.js';
import { ServedLog } from './served-log.js';
import { Upstream } from './upstream.js';

export interface FirewallOptions {
  upstream: string;
  upstreamToken?: string;
  /** Scopes served by their own upstream, each with its own token (from the environment, never a flag). */
  scopedUpstreams?: { scope: string; url: string; token?: string }[];
  /** The PyPI simple index proxied at /simple/, and the origins its pages may put files on (besides its own). */
  pypi?: { index: string; fileHosts: string[]; token?: string };
  upstreamTimeoutMs: number;
  upstreamDeadlineMs: number;
  maxTarballBytes: number;
  /** Upstream packument bytes fetched and built at once (see PackumentCacheOptions.maxInflightBytes). */
  maxInflightBytes?: number;
  /** Audit rows older than this after their last occurrence are pruned at start and every AUDIT_PRUNE_EVERY_MS. */
  auditRetentionMs?: number;
  host: string;
  port: number;
  /** Where clients reach the firewall, when not http://HOST:PORT (behind a load balancer). */
  publicUrl?: string;
  dataDir: string;
  /** Where the SQLite store lives when not in dataDir: `firewall run` keeps it in a private folder of its own. */
  stateDir?: string;
  /** The shared PostgreSQL database; unset: SQLite in stateDir or dataDir. The tarball cache stays in dataDir either way. */
  database?: PostgresTarget;
  policy: PolicySource;
  packumentTtlMs: number;
  maxPackumentBytes: number;
  maxCacheBytes: number;
  serveCachedOffline: boolean;
  synchronous: Synchronous;
  adminToken?: string;
  scanner?: Scanner;
  onDecision?: HandlerContext['onDecision'];
  metrics?: Metrics;
  alert?: HandlerContext['alert'];
  reload?: HandlerContext['reload'];
  onFiltered?: HandlerContext['onFiltered'];
  wanted?: HandlerContext['wanted'];
  wayOut?: HandlerContext['wayOut'];
  enrich?: PackumentCacheOptions['enrich'];
  /** The policy's conditions that read the registry document; default all (see PackumentCacheOptions.needs). */
  needs?: PackumentCacheOptions['needs'];
  log: Logger;
  trustedProxies?: HandlerContext['trustedProxies'];
}

export interface Firewall {
  url: string;
  port: number;
  store: Store;
  metrics: Metrics;
  /** Who fetched which version, in the store (retroactive hits). */
  served: ServedLog;
  /**
   * The decision a client fetching name@version now would meet: the packument through the policy, as served.
   * An error when the packument cannot be had or does not list the version.
   */
  decision(name: string, version: string, ecosystem?: PackageRef['ecosystem']): Promise<{ decision: Decision } | { error: string }>;
  close(): Promise<void>;
}

/** Bound on relayed request bodies (npm audit posts a lockfile's names and versions). */
export const MAX_RELAY_BODY_BYTES = 16 * 1024 * 1024;

/** How often audit retention is applied while the firewall runs. */
export const AUDIT_PRUNE_EVERY_MS = 60 * 60 * 1000;

export async function startFirewall(o: FirewallOptions): Promise<Firewall> {
  const store = await openStore({ dataDir: o.stateDir ?? o.dataDir, synchronous: o.synchronous, ...(o.database ? { database: o.database } : {}), log: o.log });
  const pruner = o.auditRetentionMs === undefined ? undefined : await startAuditRetention(store, o.auditRetentionMs, o.log);
  const served = new ServedLog(store.served, { log: o.log });
  const tarballs = new TarballCache(join(o.dataDir, 'tarballs'));
  await tarballs.init();
  const upstream = new Upstream({ url: o.upstream, timeoutMs: o.upstreamTimeoutMs, deadlineMs: o.upstreamDeadlineMs, ...(o.upstreamToken ? { token: o.upstreamToken } : {}) });
  for (const s of o.scopedUpstreams ?? []) {
    upstream.route(s.scope, new Upstream({ url: s.url, timeoutMs: o.upstreamTimeoutMs, deadlineMs: o.upstreamDeadlineMs, forwardClientAuth: false, ...(s.token ? { token: s.token } : {}) }));
  }
  const metrics = o.metrics ?? new Metrics();
  let publicBase = o.publicUrl?.replace(/(?<!\/)\/+$/, '') ?? '';
  const packuments = new PackumentCache({
    upstream, policy: o.policy, store, metrics, publicBase: () => publicBase, ttlMs: o.packumentTtlMs,
    maxPackumentBytes: o.maxPackumentBytes, maxCacheBytes: o.maxCacheBytes, serveStale: o.serveCachedOffline, ...(o.maxInflightBytes !== undefined ? { maxInflightBytes: o.maxInflightBytes } : {}),
    ...(o.enrich ? { enrich: o.enrich } : {}),
    scanned: o.scanner !== undefined,
    ...(o.needs ? { needs: o.needs } : {}),
    log: o.log,
  });
  const pypi = o.pypi ? pypiPages(o, store, metrics, () => publicBase) : undefined;
  // A replica that cannot listen lets go of its database connections, or the process would not exit.
  const server = await startServer(
    {
      upstream, packuments, tarballs, ...(pypi ? { pypi } : {}), store, policy: o.policy, metrics, log: o.log, serveCachedOffline: o.serveCachedOffline,
      maxBodyBytes: MAX_RELAY_BODY_BYTES, maxTarballBytes: o.maxTarballBytes, ...(o.enrich ? { enrich: o.enrich } : {}), ...(o.adminToken ? { adminToken: o.adminToken } : {}), ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}), ...(o.scanner ? { scanner: o.scanner } : {}), ...(o.onDecision ? { onDecision: o.onDecision } : {}),
      ...(o.onFiltered ? { onFiltered: o.onFiltered } : {}), ...(o.wanted ? { wanted: o.wanted } : {}), ...(o.wayOut ? { wayOut: o.wayOut } : {}),
      served, ...(o.alert ? { alert: o.alert } : {}), ...(o.reload ? { reload: o.reload } : {}),
      ...(o.trustedProxies ? { trustedProxies: o.trustedProxies } : {}),
    },
    { host: o.host, port: o.port },
  ).catch(async (e: unknown) => {
    clearInterval(pruner);
    upstream.close();
    await store.close();
    throw e;
  });
  if (!publicBase) publicBase = server.url;
  return {
    url: server.url,
    port: server.port,
    store,
    metrics,
    served,
    decision: async (name, version, ecosystem = 'npm') => {
      if (ecosystem === 'pypi') return pypiDecision(pypi, name, version);
      const lookup = await packuments.get(name, 'abbreviated', {});
      if (!('entry' in lookup)) return { error: lookup.message };
      const d = lookup.entry.decisions.get(version);
      return d ? { decision: d } : { error: `version ${version} is not in the upstream registry's packument` };
    },
    close: async () => {
      clearInterval(pruner);
      await server.close();
      upstream.close();
      pypi?.close();
      await served.close();
      await store.close();
    },
  };
}

/** A PyPI release's decision as an install meets it: a file of it served, else the refusal of its first file. */
async function pypiDecision(pypi: PypiPages | undefined, name: string, version: string): Promise<{ decision: Decision } | { error: string }> {
  if (!pypi) return { error: 'the firewall has no PyPI index configured' };
  const lookup = await pypi.get(name, {});
  if (!('entry' in lookup)) return { error: lookup.message };
  // The index's file names spell a release as its uploader did (`vers-02.0.tar.gz`): compared in PEP 440 normal form.
  const normal = PEP440.normalize(version);
  const files = [...lookup.entry.files.values()].filter((f) => PEP440.normalize(f.version) === normal);
  if (!files.length) return { error: `version ${version} is not on the upstream index's page for ${name}` };
  const decisions = files.map((f) => lookup.entry.decisions.get(f.filename)!);
  return { decision: decisions.find((d) => d.action === 'allow' || d.action === 'warn') ?? decisions[0]! };
}

/** The PyPI side: the index (the token goes to it alone) and each file host, which never sees a client's credentials. */
function pypiPages(o: FirewallOptions, store: Store, metrics: Metrics, publicBase: () => string): PypiPages {
  const p = o.pypi!;
  const limits = { timeoutMs: o.upstreamTimeoutMs, deadlineMs: o.upstreamDeadlineMs };
  const index = new Upstream({ url: p.index, ...limits, ...(p.token ? { token: p.token } : {}) });
  const fileHosts = new Map(p.fileHosts.map((url) => [url, new Upstream({ url, ...limits, forwardClientAuth: false })]));
  const enrich = o.enrich;
  return new PypiPages({
    index, fileHosts, policy: o.policy, store, metrics, publicBase, ttlMs: o.packumentTtlMs, maxPageBytes: o.maxPackumentBytes, maxCacheBytes: o.maxCacheBytes,
    serveStale: o.serveCachedOffline, log: o.log, scanned: o.scanner !== undefined, ...(enrich ? { enrich: (name, version, facts, ecosystem) => enrich(name, version, facts, ecosystem) } : {}),
  });
}

/** Applies audit retention now and every AUDIT_PRUNE_EVERY_MS; a failed prune is logged and tried again later. */
async function startAuditRetention(store: Store, retentionMs: number, log: Logger): Promise<NodeJS.Timeout> {
  const prune = async (): Promise<void> => {
    try {
      const removed = await store.pruneAudit(retentionMs);
      if (removed) log({ event: 'audit-pruned', removed, retentionDays: retentionMs / 86_400_000 });
    } catch (e) {
      log({ event: 'audit-prune-failed', message: (e as Error).message });
    }
  };
  // At start, before the first request; then in the background (prune never rejects).
  await prune();
  const timer = setInterval(prune, AUDIT_PRUNE_EVERY_MS);
  timer.unref();
  return timer;
}
