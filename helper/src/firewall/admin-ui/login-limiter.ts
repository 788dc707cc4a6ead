/**
 * Bounds token guessing at the login form: at most MAX_FAILURES wrong tokens per client address within
 * FAILURE_WINDOW_MS, then 429 until the oldest failure leaves the window. The address is the real client's
 * (client-address.ts): behind a trusted load balancer, one guesser locks only itself out.
 */

export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** Client addresses tracked at once; the oldest is forgotten first. */
const MAX_CLIENTS = 10_000;

export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();

  /** Seconds to wait before trying again, or 0 when this client may try now. */
  retryAfter(client: string, now: number): number {
    const recent = this.#recent(client, now);
    if (recent.length < MAX_FAILURES) return 0;
    return Math.max(1, Math.ceil((recent[0]! + FAILURE_WINDOW_MS - now) / 1000));
  }

  failed(client: string, now: number): void {
    const recent = this.#recent(client, now);
    recent.push(now);
    this.#failures.delete(client);
    this.#failures.set(client, recent);
    while (this.#failures.size > MAX_CLIENTS) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(client: string): void {
    this.#failures.delete(client);
  }

  #recent(client: string, now: number): number[] {
    return (this.#failures.get(client) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
  }
}
