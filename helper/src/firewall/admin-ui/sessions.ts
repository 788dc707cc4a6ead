/**
 * Server-side sessions of the admin page, kept in the Store (session-store.ts) so that every replica on one
 * database serves the same sessions: no sticky balancer, and a logout on one replica ends the session on all.
 * The cookie holds only a random id (256 bits); the store holds its SHA-256, never the id. The CSRF token is
 * derived from the id (HMAC-SHA256 keyed by it), so it is bound to that one session, needs no storage, and
 * gives away nothing about the id it came from. A session ends at logout, after SESSION_IDLE_MS without a
 * request, or SESSION_MAX_MS after login, whichever comes first (OWASP session management cheat sheet).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Flash, SessionStore } from '../session-store.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 8 * 3_600_000;
/** Sessions kept at once; the oldest goes first when a login would pass it. */
export const MAX_SESSIONS = 1000;
const ID_BYTES = 32;
/** What the CSRF token is an HMAC of; keyed by the session id. */
const CSRF_LABEL = 'sscs-admin-csrf-v1';

export interface Session {
  /** The synchronizer token every form of this session carries (OWASP CSRF cheat sheet). */
  readonly csrf: string;
  /** Who logged in, as they named themselves: recorded as `by` on releases and waivers. */
  readonly operator: string;
  readonly createdAt: number;
  /** The one-time message this page shows (Post/Redirect/Get); taken from the store by a GET. */
  flash?: Flash;
}

/** The store's key for a session id: its SHA-256, hex. */
export const sessionKey = (id: string): string => createHash('sha256').update(id).digest('hex');
const csrfOf = (id: string): string => createHmac('sha256', id).update(CSRF_LABEL).digest('base64url');
/** A cookie value we could have issued: 32 random bytes, base64url. Anything else is not looked up. */
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export class Sessions {
  constructor(private readonly store: SessionStore) {}

  /** A new session with a fresh id: never reuses an id the browser brought (no session fixation). */
  async create(operator: string, now: number): Promise<{ id: string; session: Session }> {
    const id = randomBytes(ID_BYTES).toString('base64url');
    const expiresAt = now + SESSION_MAX_MS;
    await this.store.create({ key: sessionKey(id), operator, createdAt: new Date(now), expiresAt: new Date(expiresAt), idleUntil: new Date(Math.min(expiresAt, now + SESSION_IDLE_MS)) }, MAX_SESSIONS);
    return { id, session: { csrf: csrfOf(id), operator, createdAt: now } };
  }

  /**
   * The live session of a cookie value, its idle clock restarted; undefined when unknown or expired. `takeFlash`
   * (a page about to be shown) takes its one-time message.
   */
  async get(id: string | undefined, now: number, takeFlash = false): Promise<Session | undefined> {
    if (!id || !ID_SHAPE.test(id)) return undefined;
    const s = await this.store.touch(sessionKey(id), new Date(now), SESSION_IDLE_MS, takeFlash);
    if (!s) return undefined;
    return { csrf: csrfOf(id), operator: s.operator, createdAt: s.createdAt.getTime(), ...(s.flash ? { flash: s.flash } : {}) };
  }

  async flash(id: string, flash: Flash): Promise<void> {
    await this.store.setFlash(sessionKey(id), flash);
  }

  async end(id: string | undefined): Promise<void> {
    if (id && ID_SHAPE.test(id)) await this.store.end(sessionKey(id));
  }
}
