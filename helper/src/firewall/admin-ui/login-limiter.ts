/**
 * Bounds token guessing at the login form: at most MAX_FAILURES wrong tokens per client address within
 * FAILURE_WINDOW_MS, then 429 until the oldest failure leaves the window. The address is the real client's
 * (client-address.ts): behind a trusted load balancer, one guesser locks only itself out.
 *
 * The attempts are kept in the store (SessionStore.loginAttempt), so replicas on one PostgreSQL share the
 * count: a round-robin balancer does not multiply the tries. Each attempt is counted and recorded before its
 * token is compared, one at a time per client (an advisory lock on PostgreSQL), so guesses sent at once cannot
 * slip past the limit together. The store holds a keyed hash of the address (HMAC-SHA256 under the admin
 * token, which every replica has), never the address, and at most MAX_ROWS attempts.
 */
import { createHmac } from 'node:crypto';
import type { SessionStore } from '../session-store.js';

export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** Attempts kept at once (every client's); the oldest go first. */
export const MAX_ROWS = 100_000;

/** What a login attempt may do: go on (wait 0), or wait `wait` seconds. */
export interface AttemptAnswer {
  wait: number;
}

export class LoginLimiter {
  readonly #secret: string;

  constructor(
    private readonly store: SessionStore,
    secret: string,
  ) {
    this.#secret = secret;
  }

  /** The store's key for a client address: 64 hex digits, not reversible without the admin token. */
  key(client: string): string {
    return createHmac('sha256', this.#secret).update(`sscs-login-limiter\0${client}`).digest('hex');
  }

  /**
   * Records an attempt by `client` at `now` (epoch ms) and answers whether it may go on: it may while fewer
   * than MAX_FAILURES attempts are in the window; a refused one is not recorded (it does not push the lockout
   * further). One that goes on stays as a failure until `succeeded`. A store that cannot be reached throws:
   * no login without the count (fail closed).
   */
  async attempt(client: string, now: number): Promise<AttemptAnswer> {
    const a = await this.store.loginAttempt(this.key(client), new Date(now), new Date(now - FAILURE_WINDOW_MS), MAX_FAILURES, MAX_ROWS);
    if (a.allowed) return { wait: 0 };
    return { wait: Math.max(1, Math.ceil((a.oldest.getTime() + FAILURE_WINDOW_MS - now) / 1000)) };
  }

  /** The right token: this client's attempts are forgotten. */
  async succeeded(client: string): Promise<void> {
    await this.store.forgetLoginAttempts(this.key(client));
  }
}
