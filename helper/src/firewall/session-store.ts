/**
 * Admin page sessions as the Store keeps them, so that every replica on one database knows every session (no
 * sticky balancer needed) and a logout on one ends it on all. A row is keyed by the SHA-256 (hex) of the
 * cookie's random id, never the id itself: reading the table gives no cookie to replay (PostgreSQL refuses a
 * key that is not 64 hex digits). Expiry is two times: `expiresAt` (the absolute end, fixed at login) and
 * `idleUntil` (pushed forward by each request, never past expiresAt).
 */

export interface Flash {
  text: string;
  ok: boolean;
}

export interface StoredSession {
  /** SHA-256 of the session id, 64 lowercase hex digits. */
  key: string;
  /** Who logged in, as they named themselves. */
  operator: string;
  createdAt: Date;
  expiresAt: Date;
  idleUntil: Date;
  /** A one-time message for the next page (Post/Redirect/Get). */
  flash?: Flash;
}

export interface SessionStore {
  /** Stores a new session; removes expired ones, and the oldest while more than `max` would remain. */
  create(s: Omit<StoredSession, 'flash'>, max: number): Promise<void>;
  /**
   * The session under `key` if live at `now` (before both its expiry and its idle end): its idle end moves to
   * `now + idleMs` (at most its expiry) and, with `takeFlash`, its flash is returned and cleared in the same
   * statement. An expired one is removed and undefined returned.
   */
  touch(key: string, now: Date, idleMs: number, takeFlash: boolean): Promise<StoredSession | undefined>;
  /** Sets the one-time message of a session (no-op when it has ended). */
  setFlash(key: string, flash: Flash): Promise<void>;
  /** Ends a session (logout, or a new login from the same browser). */
  end(key: string): Promise<void>;
  /**
   * A token presented at `at` by a client counted in `buckets` (each a keyed hash, 64 hex digits, with its limit:
   * the client's own, and for IPv6 its /48 too), after the store drops attempts at or before `since` and the oldest
   * beyond `maxRows` (it may do so only when it records one): `allowed` when every bucket has fewer than its `max`
   * failures after `since`, by any replica; then, when `failed`, this one is recorded as a failure in every bucket.
   * Counted and recorded as one step per bucket, the buckets taken in the order given (callers give them in one
   * order): tokens presented at once cannot all pass. `oldest`: when not allowed, the time of the oldest failure in
   * the window of the full bucket that stays full the longest. Nothing else removes failures: they leave with the
   * window.
   */
  loginAttempt(buckets: readonly LoginBucket[], at: Date, since: Date, maxRows: number, failed: boolean): Promise<LoginAttempt>;
}

/** One count the login limiter keeps: a keyed hash of the client or its network, and the failures it may have. */
export interface LoginBucket {
  key: string;
  max: number;
}

export interface LoginAttempt {
  allowed: boolean;
  oldest: Date;
}

/** A store key: 64 lowercase hex digits. */
export const SESSION_KEY = /^[0-9a-f]{64}$/;
