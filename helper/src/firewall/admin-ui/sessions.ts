/**
 * Server-side sessions of the admin page. The cookie holds only a random id (256 bits); the session (its CSRF
 * token, operator name and times) stays in this process, keyed by the id's SHA-256 so that the map never holds
 * a usable cookie value. A session ends at logout, after SESSION_IDLE_MS without a request, or SESSION_MAX_MS
 * after login, whichever comes first (OWASP session management cheat sheet).
 */
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 8 * 3_600_000;
/** Sessions kept at once; the oldest goes first when a login would pass it. */
export const MAX_SESSIONS = 1000;
const ID_BYTES = 32;

export interface Session {
  /** The synchronizer token every form of this session carries (OWASP CSRF cheat sheet). */
  readonly csrf: string;
  /** Who logged in, as they named themselves: recorded as `by` on releases and waivers. */
  readonly operator: string;
  readonly createdAt: number;
  seenAt: number;
  /** A one-time message shown by the next page (Post/Redirect/Get). */
  flash?: { text: string; ok: boolean };
}

const key = (id: string): string => createHash('sha256').update(id).digest('hex');

export class Sessions {
  readonly #byKey = new Map<string, Session>();

  /** A new session with a fresh id: never reuses an id the browser brought (no session fixation). */
  create(operator: string, now: number): { id: string; session: Session } {
    this.#sweep(now);
    while (this.#byKey.size >= MAX_SESSIONS) this.#byKey.delete(this.#byKey.keys().next().value!);
    const id = randomBytes(ID_BYTES).toString('base64url');
    const session: Session = { csrf: randomBytes(ID_BYTES).toString('base64url'), operator, createdAt: now, seenAt: now };
    this.#byKey.set(key(id), session);
    return { id, session };
  }

  /** The live session of a cookie value, its idle clock restarted; undefined when unknown or expired. */
  get(id: string | undefined, now: number): Session | undefined {
    if (!id) return undefined;
    const k = key(id);
    const s = this.#byKey.get(k);
    if (!s) return undefined;
    if (now - s.seenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_MS) {
      this.#byKey.delete(k);
      return undefined;
    }
    s.seenAt = now;
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.#byKey.delete(key(id));
  }

  get size(): number {
    return this.#byKey.size;
  }

  #sweep(now: number): void {
    for (const [k, s] of this.#byKey) {
      if (now - s.seenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_MAX_MS) this.#byKey.delete(k);
    }
  }
}
