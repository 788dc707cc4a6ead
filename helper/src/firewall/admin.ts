/**
 * The admin HTTP API, under /-/sscs/admin/, for operators and dashboards: list the quarantine queue, release
 * a version, list and add waivers. Packages are named as the CLI names them (package-spec.ts: an npm name or
 * `pkg:npm/...`, `pkg:pypi/...`). Guarded by a bearer token compared in constant time; disabled without a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext, Outcome } from './context.js';
import { sendError, sendJson } from './respond.js';
import { readBody } from './upstream.js';
import { clientOf } from './client-address.js';
import { LoginLimiter } from './admin-ui/login-limiter.js';
import type { SessionStore } from './session-store.js';
import { InputError } from '../errors.js';
import { addWaiverChecked, releaseQuarantined } from './operator.js';
import { packageIdentity, releaseEvent, waiverEvent } from './events.js';
import { MAX_VERSION, parsePackageName } from './package-spec.js';
import type { Waiver } from './store.js';

/** Waivers listed at most (newest first), as the admin page shows them. */
export const MAX_WAIVERS_LISTED = 1000;

/** A waiver as the admin API lists it: the package named as events name it (events.ts), its owner and expiry. */
function listedWaiver(w: Waiver): Record<string, unknown> {
  const { ecosystem, name, purl } = packageIdentity(w.name, w.version);
  return {
    id: w.id, ecosystem, name, version: w.version, purl, owner: w.by, reason: w.reason,
    ...(w.expiresAt ? { expires: w.expiresAt.toISOString() } : {}), at: w.at.toISOString(),
  };
}

/** Admin requests are tiny JSON objects. */
const MAX_ADMIN_BODY = 16 * 1024;

export function tokenMatches(given: string | undefined, expected: string): boolean {
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given ?? '').digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given !== undefined;
}

/** One limiter per store's sessions (the counts live in the store, so the admin page's limiter shares them). */
const limiters = new WeakMap<SessionStore, LoginLimiter>();
function limiterOf(sessions: SessionStore, secret: string): LoginLimiter {
  let l = limiters.get(sessions);
  if (!l) limiters.set(sessions, (l = new LoginLimiter(sessions, secret)));
  return l;
}

interface ReleaseBody { name?: unknown; version?: unknown; reason?: unknown; by?: unknown; expires?: unknown }

export async function serveAdmin(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, path: string, out: Outcome): Promise<number> {
  if (!ctx.adminToken) {
    sendError(res, 404, 'the admin API is disabled: start the firewall with SSCS_FIREWALL_ADMIN_TOKEN or --admin-token-file');
    return 404;
  }
  const auth = req.headers.authorization;
  const given = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  const client = clientOf(ctx, req);
  const wrong = !tokenMatches(given, ctx.adminToken);
  // The login form's limiter (in the store, shared by replicas): a wrong token here counts as a wrong login there,
  // and a locked-out client gets 429 whatever it sent. Only wrong tokens are counted.
  const { wait } = await limiterOf(ctx.store.sessions, ctx.adminToken).check(client, wrong, Date.now());
  if (wait > 0) {
    ctx.store.audit({ at: new Date(), client, kind: 'admin', name: '', action: 'api-refused', status: 429 });
    sendError(res, 429, `admin API: too many wrong bearer tokens from your address: try again in ${wait} s`, { 'retry-after': String(wait) });
    return 429;
  }
  if (wrong) {
    // Recorded as a failure by the check; the token given is never written anywhere.
    ctx.store.audit({ at: new Date(), client, kind: 'admin', name: '', action: 'api-refused', status: 401 });
    sendError(res, 401, 'admin API: missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
    return 401;
  }
  if (req.method === 'GET' && path === '/quarantine') {
    sendJson(res, 200, { quarantine: await ctx.store.quarantine() });
    return 200;
  }
  if (req.method === 'GET' && path === '/waivers') {
    sendJson(res, 200, { waivers: (await ctx.store.waivers(new Date(), MAX_WAIVERS_LISTED)).map(listedWaiver) });
    return 200;
  }
  if (req.method === 'GET' && path === '/audit') {
    sendJson(res, 200, { audit: await ctx.store.auditLog(1000) });
    return 200;
  }
  if (req.method === 'POST' && path === '/reload') {
    if (!ctx.reload) {
      sendError(res, 404, 'admin API: this firewall has nothing to reload');
      return 404;
    }
    const report = await ctx.reload();
    // 422: something was refused (and the old one kept); the body says what and why.
    const status = report.policy?.ok === false || report.feed?.ok === false ? 422 : 200;
    sendJson(res, status, { reload: report });
    return status;
  }
  if (req.method !== 'POST' || (path !== '/quarantine/release' && path !== '/waivers')) {
    sendError(res, 404, `admin API: no ${req.method} ${path}`);
    return 404;
  }
  let body: ReleaseBody;
  try {
    body = JSON.parse((await readBody(req, MAX_ADMIN_BODY)).toString('utf8')) as ReleaseBody;
  } catch {
    sendError(res, 400, 'admin API: the body must be a JSON object');
    return 400;
  }
  const { version, reason } = body;
  const by = typeof body.by === 'string' && body.by ? body.by : 'admin-api';
  if (typeof body.name !== 'string' || typeof version !== 'string' || !version || version.length > MAX_VERSION || typeof reason !== 'string' || !reason) {
    sendError(res, 400, 'admin API: name, version and reason are required strings');
    return 400;
  }
  let name: string;
  try {
    name = parsePackageName(body.name).key;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    sendError(res, 400, `admin API: ${e.message}`);
    return 400;
  }
  out.name = name;
  out.version = version;
  if (path === '/quarantine/release') {
    let r;
    try {
      r = await releaseQuarantined(ctx.store, name, version, by, reason);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      sendError(res, 409, `admin API: ${e.message}`);
      return 409;
    }
    ctx.store.audit({ at: new Date(), client, kind: 'admin', name, version, action: 'release', rule: `release:${r.id}`, status: 200 });
    ctx.alert?.(releaseEvent(r, 'admin-api', client));
    sendJson(res, 200, { release: r });
    return 200;
  }
  const expires = typeof body.expires === 'string' ? new Date(body.expires) : undefined;
  if (expires && Number.isNaN(expires.getTime())) {
    sendError(res, 400, 'admin API: expires must be an ISO date');
    return 400;
  }
  let w;
  try {
    w = await addWaiverChecked(ctx.store, { name, version, by, reason, ...(expires ? { expiresAt: expires } : {}) }, new Date());
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    sendError(res, 400, `admin API: ${e.message}`);
    return 400;
  }
  ctx.store.audit({ at: new Date(), client, kind: 'admin', name, version, action: 'waive', rule: `waiver:${w.id}`, status: 200 });
  ctx.alert?.(waiverEvent(w, 'admin-api', by, client));
  sendJson(res, 200, { waiver: w });
  return 200;
}
