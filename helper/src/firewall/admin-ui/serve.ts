/**
 * The admin page: server-rendered HTML under /-/sscs/admin/ui/, no script. GET pages read the store; every
 * state change is a form post behind a session, an Origin check and a CSRF token (auth.ts), answered with a
 * redirect (Post/Redirect/Get). Disabled, like the admin API, when the firewall has no admin token.
 *
 * Sessions live in the store (sessions.ts): replicas on one database share them, so a balancer needs no
 * stickiness.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext, Outcome } from '../context.js';
import { addWaiver, release, revokeWaiver, type Action } from './actions.js';
import { AUDIT_PAGE_SIZE, AUDIT_SCAN_ROWS, auditPage } from './audit-page.js';
import { checkPost, login, logout, type UiState } from './auth.js';
import { readForm } from './form.js';
import { loginPage, messagePage } from './layout.js';
import { LoginLimiter } from './login-limiter.js';
import { overviewPage } from './overview.js';
import { redirect, sendPage, sendText } from './respond.js';
import { Sessions } from './sessions.js';
import { sessionIdOf, siteOf } from './site.js';
import { STYLESHEET } from './style.js';

/** Rows of the quarantine queue and waivers shown at once. */
export const MAX_LISTED = 200;
/** Longest audit search text. */
const MAX_SEARCH = 200;
/** The newest audit rows whose refused requests the counts per rule add up. */
export const RULE_COUNT_ROWS = 100_000;

/** One login limiter (and the store's sessions) per running server. */
const states = new WeakMap<HandlerContext, UiState>();

const ACTIONS: Record<string, Action> = { '/release': release, '/waivers': addWaiver, '/waivers/revoke': revokeWaiver };

/** `path` is what follows /-/sscs/admin/ui ('' or '/...'), `query` the raw query string. */
export async function serveAdminUi(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, path: string, query: string, out: Outcome): Promise<number> {
  if (!ctx.adminToken) return sendPage(res, 404, messagePage('Disabled', 'The admin page is disabled: start the firewall with SSCS_FIREWALL_ADMIN_TOKEN or --admin-token-file.'));
  if (path === '') return redirect(res, 'ui/');
  const method = req.method ?? 'GET';
  if (path === '/style.css' && method === 'GET') return sendText(res, 200, 'text/css; charset=utf-8', STYLESHEET);
  let ui = states.get(ctx);
  if (!ui) states.set(ctx, (ui = { sessions: new Sessions(ctx.store.sessions), limiter: new LoginLimiter(ctx.store.sessions, ctx.adminToken) }));
  const site = siteOf(req, ctx.publicUrl, ctx.trustedProxies);
  const id = sessionIdOf(req);
  // A page about to be shown takes the session's one-time message; a post leaves it for the page after it.
  const showsPage = (method === 'GET' || method === 'HEAD') && path !== '/login';
  const session = await ui.sessions.get(id, Date.now(), showsPage);

  if (path === '/login') {
    if (method === 'POST') return await login({ ...ctx, adminToken: ctx.adminToken }, ui, req, res, site);
    return session ? redirect(res, './') : sendPage(res, 200, loginPage());
  }
  if (method === 'GET' || method === 'HEAD') {
    if (!session) return redirect(res, 'login');
    if (path === '/') {
      const queue = await ctx.store.quarantine();
      const overview = { quarantine: queue.slice(0, MAX_LISTED), quarantineTotal: queue.length, waivers: await ctx.store.waivers(new Date(), MAX_LISTED), counts: await ctx.store.ruleCounts(RULE_COUNT_ROWS) };
      return sendPage(res, 200, overviewPage(overview, session));
    }
    if (path === '/audit') {
      const params = new URLSearchParams(query);
      const text = params.get('q')?.trim() || undefined;
      const before = /^[1-9]\d{0,15}$/.test(params.get('before') ?? '') ? Number(params.get('before')) : undefined;
      if (text && text.length > MAX_SEARCH) return sendPage(res, 400, messagePage('Search too long', `Search for at most ${MAX_SEARCH} characters.`, session));
      const found = await ctx.store.searchAudit({ ...(text ? { text } : {}), ...(before ? { before } : {}), limit: AUDIT_PAGE_SIZE, scanRows: AUDIT_SCAN_ROWS });
      return sendPage(res, 200, auditPage(found.rows, { ...(text ? { text } : {}), ...(before ? { before } : {}) }, found.next, session));
    }
    return sendPage(res, 404, messagePage('Not found', 'The admin page has no such page.', session));
  }
  if (method !== 'POST') return sendPage(res, 405, messagePage('Not allowed', `The admin page does not answer ${method}.`, session), { allow: 'GET, POST' });
  if (!session) return sendPage(res, 403, messagePage('Not logged in', 'Log in first: nothing was done.'));
  const action = ACTIONS[path];
  if (path !== '/logout' && !action) return sendPage(res, 404, messagePage('Not found', 'The admin page has no such action.', session));
  const read = await readForm(req);
  if ('status' in read) return sendPage(res, read.status, messagePage('Refused', read.message, session));
  const refused = checkPost(req, res, site, session, read.form);
  if (refused) return refused;
  if (path === '/logout') return await logout(ui, req, res, site);
  await ui.sessions.flash(id!, await action!(ctx, req, read.form, session.operator, out));
  // From waivers/revoke the overview is one folder up.
  return redirect(res, path.split('/').length > 2 ? '../' : './');
}
