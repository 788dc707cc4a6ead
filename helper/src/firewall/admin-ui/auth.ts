/**
 * Logging in and out of the admin page, and the check every form post passes. The admin token is typed into
 * a login form (never put in a URL), compared in constant time, and exchanged for a session cookie; the token
 * itself is never stored in the session, echoed in a page or written to a log line.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext } from '../context.js';
import { tokenMatches } from '../admin.js';
import { clientOf } from '../client-address.js';
import { field, readForm } from './form.js';
import { loginPage, messagePage } from './layout.js';
import type { LoginLimiter } from './login-limiter.js';
import { redirect, sendPage } from './respond.js';
import type { Session, Sessions } from './sessions.js';
import { clearedCookie, sameOrigin, sessionCookie, sessionIdOf, type Site } from './site.js';

/** Longest operator name accepted at login. */
const MAX_OPERATOR = 100;

export interface UiState {
  sessions: Sessions;
  limiter: LoginLimiter;
}

const crossOrigin = (res: ServerResponse, session?: Session): number =>
  sendPage(res, 403, messagePage('Refused', 'This form was not posted from the admin page itself (Origin check): nothing was done.', session), {});

export async function login(ctx: HandlerContext & { adminToken: string }, ui: UiState, req: IncomingMessage, res: ServerResponse, site: Site): Promise<number> {
  if (!sameOrigin(req, site)) return crossOrigin(res);
  const client = clientOf(ctx, req);
  const read = await readForm(req);
  if ('status' in read) return sendPage(res, read.status, loginPage(read.message));
  const now = Date.now();
  const operator = field(read.form, 'operator', MAX_OPERATOR);
  const token = read.form.get('token') ?? '';
  const wrong = !tokenMatches(token.trim(), ctx.adminToken) || !token.trim();
  // Counted with the failures of every replica (login-limiter.ts): a locked-out client gets 429 whatever it typed.
  const { wait } = await ui.limiter.check(client, wrong, now);
  if (wait > 0) return sendPage(res, 429, loginPage(`Too many wrong tokens from your address: try again in ${Math.ceil(wait / 60)} minute(s).`), { 'retry-after': String(wait) });
  if (wrong) {
    // Recorded as a failure by the check.
    ctx.store.audit({ at: new Date(), client, kind: 'admin', name: '', action: 'login-refused', status: 401 });
    return sendPage(res, 401, loginPage('That is not the admin token.'));
  }
  if (!operator) return sendPage(res, 400, loginPage(`Give your name (at most ${MAX_OPERATOR} characters): it is recorded with what you release or waive.`));
  // A fresh id at every login: an id planted in the browser before login is never promoted to a session.
  await ui.sessions.end(sessionIdOf(req));
  const { id } = await ui.sessions.create(operator, now);
  ctx.store.audit({ at: new Date(), client, kind: 'admin', name: '', action: 'login', status: 303 });
  return redirect(res, './', { 'set-cookie': sessionCookie(id, site) });
}

/**
 * The form post's CSRF defences: an Origin of our own, and the session's synchronizer token in the `csrf`
 * field, compared in constant time. Sends the refusal and returns its status, or returns 0 when the post may go on.
 */
export function checkPost(req: IncomingMessage, res: ServerResponse, site: Site, session: Session, form: URLSearchParams): number {
  if (!sameOrigin(req, site)) return crossOrigin(res, session);
  const given = Buffer.from(form.get('csrf') ?? '');
  const expected = Buffer.from(session.csrf);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return sendPage(res, 403, messagePage('Refused', 'The form carried no valid CSRF token (it was forged, or the page is older than your session): nothing was done. Reload the page and try again.', session));
  }
  return 0;
}

export async function logout(ui: UiState, req: IncomingMessage, res: ServerResponse, site: Site): Promise<number> {
  await ui.sessions.end(sessionIdOf(req));
  return redirect(res, 'login', { 'set-cookie': clearedCookie(site) });
}
