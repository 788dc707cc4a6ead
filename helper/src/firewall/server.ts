/**
 * `sscs firewall serve`: an npm registry that answers from one upstream through the policy. One JSON log
 * line per request, Prometheus metrics, and a graceful stop (no new connections, in-flight requests finish,
 * then the database closes).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { HandlerContext, Outcome } from './context.js';
import type { Decision } from '../policy/types.js';
import { serveAdmin } from './admin.js';
import { serveAdminUi } from './admin-ui/serve.js';
import { ABBREVIATED_TYPE, PackumentCache, type PackumentEntry } from './packument-cache.js';
import { relay } from './passthrough.js';
import semver from 'semver';
import { serves } from './evaluator.js';
import { DECISION_HEADER, sendError, sendJson, sendNoneAllowed } from './respond.js';
import { parseRoute } from './route.js';
import { serveTarball } from './tarball.js';
import { clientOf } from './client-address.js';
import { escaped } from './guard.js';
import { ServiceError } from '../errors.js';
import { servePypiMetadata } from './pypi-metadata.js';
import { servePypiFile, servePypiProject } from './pypi-serve.js';
import { ReadinessCheck } from './readiness.js';

/** How long a graceful stop waits for in-flight requests before cutting them. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** Below this a packument goes out as is: gzip would save little and cost a buffer. */
const MIN_GZIP_BYTES = 4096;
const gzipAsync = promisify(gzip);
const acceptsGzip = (req: IncomingMessage): boolean => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
const IDLE_SWEEP_MS = 50;

export interface RunningFirewall {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The entry's body gzipped once; a failed compression is not kept, so the next request tries again. */
function gzipped(entry: PackumentEntry): Promise<Buffer> {
  entry.gzipped ??= gzipAsync(entry.body).catch((e: Error) => {
    delete entry.gzipped;
    throw e;
  });
  return entry.gzipped;
}

/** Bound on the versions one 403 names. */
const MAX_NAMED = 5;

/** The refused versions a 403 names: those the project needs, else the newest release, else the newest. */
function namedVersions(blocked: [string, Decision][], wanted: readonly string[] | undefined): [string, Decision][] {
  const needed = wanted ? blocked.filter(([v]) => wanted.includes(v)) : [];
  if (needed.length) return needed.slice(0, MAX_NAMED);
  const newest = [...blocked].sort(([a], [b]) => (semver.valid(a) && semver.valid(b) ? semver.rcompare(a, b) : 0));
  return [newest.find(([v]) => semver.valid(v) && !semver.prerelease(v)) ?? newest[0]!];
}

async function servePackument(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, out: Outcome): Promise<number> {
  out.name = name;
  const form = (req.headers.accept ?? '').includes(ABBREVIATED_TYPE) ? 'abbreviated' : 'full';
  const lookup = await ctx.packuments.get(name, form, req.headers);
  if (!('entry' in lookup)) {
    out.decision = lookup.retryAfter ? 'busy' : lookup.status === 503 ? 'unavailable' : undefined;
    sendError(res, lookup.status, `sscs firewall: ${lookup.message}`, lookup.retryAfter ? { 'retry-after': String(lookup.retryAfter) } : {});
    return lookup.status;
  }
  const { entry, source } = lookup;
  out.cache = source;
  const blocked = [...entry.decisions].filter(([, d]) => !serves(d));
  out.decision = blocked.length ? `filtered:${blocked.length}` : 'allow';
  if (blocked.length) ctx.onFiltered?.(name, blocked);
  if (entry.allowed === 0 && blocked.length > 0) {
    // Nothing left to install: a 403 with the reason tells the user more than npm's ETARGET. It names the
    // versions the project needs when they are known, else the newest release (not the newest nightly).
    return sendNoneAllowed(ctx, res, out, name, 'version', namedVersions(blocked, ctx.wanted?.(name)), (version) => ({ ecosystem: 'npm', name, version }));
  }
  const headers = { etag: entry.etag, [DECISION_HEADER]: out.decision, 'cache-control': 'no-cache' };
  if (req.headers['if-none-match'] === entry.etag) {
    res.writeHead(304, headers);
    res.end();
    return 304;
  }
  // Clients all accept gzip, and packuments shrink 5-10x: compress once per entry, off the event loop.
  const body = acceptsGzip(req) && entry.body.length >= MIN_GZIP_BYTES ? await gzipped(entry) : entry.body;
  res.writeHead(200, { ...headers, 'content-type': entry.contentType, 'content-length': body.length, vary: 'accept-encoding', ...(body !== entry.body ? { 'content-encoding': 'gzip' } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return 200;
}

async function dispatch(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, out: Outcome & { route?: string }): Promise<number> {
  const method = req.method ?? 'GET';
  const route = parseRoute(method, req.url ?? '/');
  out.route = route.kind;
  switch (route.kind) {
    case 'refused':
      sendError(res, route.status, `sscs firewall: ${route.reason}`);
      return route.status;
    case 'health':
      // Liveness: the process answers. The database is readiness' business (readiness.ts).
      sendJson(res, 200, { status: 'ok', ...versionsOf(ctx.policy) });
      return 200;
    case 'ready': {
      const r = await readiness(ctx).check();
      if (r.ready) sendJson(res, 200, { status: 'ready', ...versionsOf(ctx.policy) });
      else {
        out.decision = 'unavailable';
        sendJson(res, 503, { status: 'unavailable', reason: r.reason }, { 'retry-after': '2' });
      }
      return r.ready ? 200 : 503;
    }
    case 'metrics':
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(ctx.metrics.render());
      return 200;
    case 'ping':
      return await relay(ctx, req, res, 'GET', '/-/ping');
    case 'search':
      return await relay(ctx, req, res, 'GET', `/-/v1/search${route.query ? `?${route.query}` : ''}`);
    case 'advisories':
      return await relay(ctx, req, res, 'POST', route.path);
    case 'admin':
      if (route.path === '/ui' || route.path.startsWith('/ui/')) return await serveAdminUi(ctx, req, res, route.path.slice('/ui'.length), route.query, out);
      return await serveAdmin(ctx, req, res, route.path, out);
    case 'packument':
      return await servePackument(ctx, req, res, route.name, out);
    case 'tarball':
      return await serveTarball(ctx, req, res, route.name, route.path, out);
    case 'pypi-project':
      return await servePypiProject(ctx, req, res, route.name, out);
    case 'pypi-file':
      return await servePypiFile(ctx, req, res, route.name, route.filename, out);
    case 'pypi-metadata':
      return await servePypiMetadata(ctx, req, res, route.name, route.filename, out);
    case 'redirect':
      // As warehouse does for a project name that is not normalised (PEP 503 clients normalise; older ones rely on it).
      res.writeHead(301, { location: route.location, 'content-length': 0 });
      res.end();
      return 301;
  }
}

const readinessChecks = new WeakMap<HandlerContext, ReadinessCheck>();
function readiness(ctx: HandlerContext): ReadinessCheck {
  let r = readinessChecks.get(ctx);
  if (!r) readinessChecks.set(ctx, (r = new ReadinessCheck(ctx.store)));
  return r;
}

/** Routes written to the audit log, as the kind of document they serve: a project page is PyPI's packument. */
const AUDITED: Record<string, 'packument' | 'tarball'> = { packument: 'packument', tarball: 'tarball', 'pypi-project': 'packument', 'pypi-file': 'tarball', 'pypi-metadata': 'tarball' };

export async function startServer(ctx: HandlerContext, listen: { host: string; port: number }): Promise<RunningFirewall> {
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const started = process.hrtime.bigint();
    // Read now: once a client has gone, its socket no longer knows the address.
    const client = clientOf(ctx, req);
    const out: Outcome & { route?: string } = {};
    dispatch(ctx, req, res, out)
      .catch((e: Error) => {
        out.error = e.message;
        // The database away (PostgreSQL store): fail closed with 503, the client retries, another replica may answer.
        const down = e instanceof ServiceError && e.code === 'UNAVAILABLE';
        if (down) {
          out.decision = 'unavailable';
          ctx.metrics.inc('sscs_firewall_database_unavailable_total', 'Requests refused with 503 because the firewall database could not be reached.');
        }
        if (!res.headersSent) {
          if (down) sendError(res, 503, 'sscs firewall: the firewall database is unavailable; nothing is served unchecked', { 'retry-after': '2' });
          else sendError(res, 500, 'sscs firewall: internal error; the request was not served');
        } else res.destroy();
        return down ? 503 : 500;
      })
      .then((status) => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        ctx.metrics.request(out.route ?? 'unknown', out.decision ?? 'none', status);
        const auditKind = AUDITED[out.route ?? ''];
        if (auditKind) {
          try {
            ctx.store.audit({ at: new Date(), client, kind: auditKind, name: out.name ?? '', ...(out.version ? { version: out.version } : {}), action: out.decision ?? 'none', ...(out.rule ? { rule: out.rule } : {}), status });
            // Every artifact handed out (an npm tarball, a PyPI file), keyed by the store key that names its ecosystem.
            if (auditKind === 'tarball' && status === 200 && req.method === 'GET' && out.name && out.version) {
              ctx.served?.record(out.name, out.version, { address: client, userAgent: req.headers['user-agent'], npmSession: [req.headers['npm-session']].flat()[0] });
            }
          } catch (e) {
            out.error = `audit: ${(e as Error).message}`;
          }
        }
        ctx.log({ method: req.method, route: out.route, name: out.name, version: out.version, status, decision: out.decision, rule: out.rule, cache: out.cache, ms: Math.round(ms * 100) / 100, client, ...(out.error ? { error: out.error } : {}) });
      })
      // The last link: metrics, audit or log failing must not leave a rejection nobody observes.
      .catch((e: Error) => escaped(ctx, 'request-accounting', e));
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections go idle as their last response ends: close them as they do.
      const idle = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearInterval(idle);
      clearTimeout(force);
    },
  };
}

export { PackumentCache };

/**
 * The versions /-/health and /-/ready show: `policyVersion` is the policy file's (what the policy-reloaded log
 * line names), `decisionInputs` the hash of everything a decision depends on (policy, scanner, feed, sscs), the
 * version cached decisions are kept under.
 */
function versionsOf(policy: HandlerContext['policy']): { policyVersion: string; decisionInputs: string } {
  return { policyVersion: policy.fileVersion ?? policy.version, decisionInputs: policy.version };
}
