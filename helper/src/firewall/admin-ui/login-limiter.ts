/**
 * Bounds token guessing at the login form and the admin API: at most MAX_FAILURES wrong tokens per client within
 * FAILURE_WINDOW_MS, then 429 until the oldest failure leaves the window. The client is its address's network
 * (client-address.ts limiterKey: an IPv4 address, an IPv6 /64, which one subscriber is given), taken from the real
 * client's address: behind a trusted load balancer, one guesser locks only itself out. An IPv6 client's /48
 * (limiterSiteKey) is bounded as well, at MAX_SITE_FAILURES: a holder of a /48 has 65,536 /64s, and would
 * otherwise get MAX_FAILURES tries in each. The price: one guesser in a /48 can lock out the rest of that /48.
 *
 * Only wrong tokens count. The token is compared first (in memory, constant time); then one step in the store
 * (SessionStore.loginAttempt) counts the client's failures in the window and records a wrong token while the
 * client is under the limit, one client at a time (an advisory lock on PostgreSQL), so guesses sent at once cannot
 * slip past the limit together, and the right token among them passes only if fewer than MAX_FAILURES failures
 * were counted before it. A locked-out client gets 429 for the right token too, after the same store work as for a
 * wrong one (nothing is recorded either way): the answer does not tell a guesser which was right. The right token
 * clears nothing: failures leave with the window only, so a guesser sharing the operator's address gains no tries
 * from the operator's logins. The counts are kept in the store, so replicas on one PostgreSQL share them (a
 * round-robin balancer does not multiply the tries); the store holds a keyed hash of the client (HMAC-SHA256 under
 * the admin token, which every replica has), never the address, and at most MAX_ROWS failures.
 */
import { createHmac } from 'node:crypto';
import type { LoginBucket, SessionStore } from '../session-store.js';
import { limiterKey, limiterSiteKey } from '../client-address.js';

export const MAX_FAILURES = 10;
/** Wrong tokens per IPv6 /48 in the window, from all its /64s together: ten /64s' worth. */
export const MAX_SITE_FAILURES = 100;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** Attempt rows kept at once (every client's; an IPv6 failure is two, its /64's and its /48's); the oldest go first. */
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

  /** The store's key for a client address (its limiterKey): 64 hex digits, not reversible without the admin token. */
  key(client: string): string {
    return this.#hash(limiterKey(client));
  }

  /** The store's key for an IPv6 client's /48 (limiterSiteKey), hashed as key() is; undefined for IPv4. */
  siteKey(client: string): string | undefined {
    const site = limiterSiteKey(client);
    return site === undefined ? undefined : this.#hash(site);
  }

  /** The counts a client's attempt is checked against, always in this order: its own, then its /48's. */
  buckets(client: string): LoginBucket[] {
    const site = this.siteKey(client);
    return [{ key: this.key(client), max: MAX_FAILURES }, ...(site !== undefined ? [{ key: site, max: MAX_SITE_FAILURES }] : [])];
  }

  // A /48 and a /64 are written with their prefix length, so no two networks share a hash input.
  #hash(network: string): string {
    return createHmac('sha256', this.#secret).update(`sscs-login-limiter\0${network}`).digest('hex');
  }

  /**
   * Whether `client`'s token, compared already (`wrong`), may be answered at `now` (epoch ms): it may (wait 0) while
   * the client has fewer than MAX_FAILURES failures in the window (and its IPv6 /48 fewer than MAX_SITE_FAILURES),
   * and a wrong one is then recorded as a failure of both; otherwise it waits `wait` seconds, until the oldest
   * failure of the full count leaves the window, and nothing is recorded (a refused try does not push the lockout
   * further). A store that cannot be reached throws: no login without the count (fail closed).
   */
  async check(client: string, wrong: boolean, now: number): Promise<AttemptAnswer> {
    const a = await this.store.loginAttempt(this.buckets(client), new Date(now), new Date(now - FAILURE_WINDOW_MS), MAX_ROWS, wrong);
    if (a.allowed) return { wait: 0 };
    return { wait: Math.max(1, Math.ceil((a.oldest.getTime() + FAILURE_WINDOW_MS - now) / 1000)) };
  }
}
