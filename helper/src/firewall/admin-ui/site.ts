/**
 * Where the admin page lives as the browser sees it: its origin (checked against the Origin header of every
 * form post), the cookie's path, and whether the cookie is Secure. Behind a TLS load balancer these come from
 * --public-url (https://...), which the tarball links need anyway; without it, from the request itself (its
 * scheme from a trusted proxy's X-Forwarded-Proto).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { clientProtocol, type TrustedProxies } from '../client-address.js';

/** Under the admin API's path; the session cookie is sent to nothing else. */
export const UI_PATH = '/-/sscs/admin/ui/';
export const SESSION_COOKIE = 'sscs_admin_session';

export interface Site {
  /** `scheme://host[:port]`, as browsers write it in the Origin header. */
  origin: string;
  cookiePath: string;
  secure: boolean;
}

export function siteOf(req: IncomingMessage, publicUrl: string | undefined, trusted?: TrustedProxies): Site {
  if (publicUrl) {
    const u = new URL(publicUrl);
    return { origin: u.origin, cookiePath: `${u.pathname.replace(/(?<!\/)\/+$/, '')}${UI_PATH}`, secure: u.protocol === 'https:' };
  }
  // Behind a TLS-terminating proxy (a trusted one, --trusted-proxy) the browser's scheme is X-Forwarded-Proto's.
  const scheme = clientProtocol(req, trusted, (req.socket as Partial<TLSSocket>).encrypted === true);
  return { origin: `${scheme}://${req.headers.host ?? ''}`, cookiePath: UI_PATH, secure: scheme === 'https' };
}

/**
 * True when a state-changing request comes from a page of our own origin: the Origin header must be present
 * and equal ours, and Sec-Fetch-Site, when sent, must say same-origin (OWASP CSRF cheat sheet, "verifying
 * origin with standard headers"). Browsers send Origin on every POST; a request without one is refused.
 */
export function sameOrigin(req: IncomingMessage, site: Site): boolean {
  const origin = req.headers.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin') return false;
  return origin !== undefined && origin === site.origin && req.headers.host !== undefined;
}

export function sessionCookie(id: string, site: Site): string {
  return `${SESSION_COOKIE}=${id}; Path=${site.cookiePath}; HttpOnly; SameSite=Strict${site.secure ? '; Secure' : ''}`;
}

export function clearedCookie(site: Site): string {
  return `${SESSION_COOKIE}=; Path=${site.cookiePath}; HttpOnly; SameSite=Strict; Max-Age=0${site.secure ? '; Secure' : ''}`;
}

/** The session id the request's cookies carry, if any (the first, the most specific path, if a name repeats). */
export function sessionIdOf(req: IncomingMessage): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
