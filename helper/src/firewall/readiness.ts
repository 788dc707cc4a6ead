/**
 * Liveness and readiness, as load balancers and orchestrators use them (Kubernetes' liveness and readiness
 * probes): `/-/health` answers 200 whenever the process serves HTTP, and reads nothing, so a database outage
 * never gets healthy replicas restarted; `/-/ready` answers 200 only while the store answers a trivial query,
 * and 503 with a JSON reason otherwise, so that a balancer's health check takes the replica out of rotation
 * and puts it back once the database returns. Every request that needs the database fails closed (503) either
 * way: readiness only lets the balancer stop sending them.
 *
 * The answer is remembered for READY_CACHE_MS: probes from many balancers cost the database at most one query
 * per replica per interval, and a probe never waits longer than READY_TIMEOUT_MS.
 */
import { isSscsError } from '../errors.js';
import type { Store } from './store.js';

export const READY_CACHE_MS = 1000;
export const READY_TIMEOUT_MS = 1500;

export type Readiness = { ready: true } | { ready: false; reason: string };

export class ReadinessCheck {
  #last: { at: number; result: Readiness } | undefined;
  #inflight: Promise<Readiness> | undefined;

  constructor(private readonly store: Store) {}

  check(now = Date.now()): Promise<Readiness> {
    if (this.#last && now - this.#last.at < READY_CACHE_MS) return Promise.resolve(this.#last.result);
    this.#inflight ??= this.#probe().then((result) => {
      this.#last = { at: Date.now(), result };
      this.#inflight = undefined;
      return result;
    });
    return this.#inflight;
  }

  async #probe(): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => resolve({ ready: false, reason: `the firewall database did not answer within ${READY_TIMEOUT_MS} ms` }), READY_TIMEOUT_MS);
      timer.unref();
    });
    const ping = this.store.ping().then(
      (): Readiness => ({ ready: true }),
      // The store's errors name the database by HOST:PORT/DB, never its password.
      (e: unknown): Readiness => ({ ready: false, reason: isSscsError(e) ? e.message : 'the firewall database cannot be reached' }),
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
