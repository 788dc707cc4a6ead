/**
 * Webhook delivery of the firewall's events (block, quarantine, release, waiver, retroactive-hit; the envelope
 * is events.ts's FirewallEvent) as JSON, off the request path: `send` only enqueues, into a bounded queue; a full queue drops the event and counts
 * it. One delivery runs at a time, each attempt bounded by ATTEMPT_TIMEOUT_MS and retried with exponential
 * backoff (BASE_DELAY_MS doubling, capped at MAX_DELAY_MS) up to MAX_ATTEMPTS on a network error, a timeout,
 * 408, 429 or 5xx. Redirects are not followed.
 *
 * Each attempt is signed afresh (the Stripe/GitHub pattern):
 *   x-sscs-timestamp: <unix seconds>
 *   x-sscs-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *   x-sscs-delivery:  <uuid, the same across retries>     x-sscs-event: <type>
 * A receiver recomputes the HMAC over the raw body, compares in constant time, refuses a timestamp more than
 * a few minutes off its clock (replays), and may drop a delivery id it has seen (retries of a delivered event).
 * The secret comes from the environment only and is never logged; the URL is logged by origin only (a path
 * or query may hold a token).
 */
import { createHmac } from 'node:crypto';
import type { FirewallEvent, WebhookEvent } from './events.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export { WEBHOOK_EVENTS, type WebhookEvent } from './events.js';
export type DeliveryResult = 'delivered' | 'failed' | 'dropped';

export const SIGNATURE_HEADER = 'x-sscs-signature';
export const TIMESTAMP_HEADER = 'x-sscs-timestamp';
export const MAX_QUEUE = 1000;
export const MAX_ATTEMPTS = 6;
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 30_000;
export const ATTEMPT_TIMEOUT_MS = 5_000;
const METRIC = 'sscs_firewall_webhook_events_total';
const METRIC_HELP = 'Webhook events by type and result: delivered, failed (attempts used up or refused), dropped (queue full or closing).';

export interface WebhookOptions {
  url: string;
  secret: string;
  metrics: Metrics;
  log: Logger;
  maxQueue?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  attemptTimeoutMs?: number;
}

interface Pending {
  id: string;
  type: WebhookEvent;
  body: string;
  done: (result: DeliveryResult, why?: string) => void;
}

/** How one event's delivery ended; `reason` (an HTTP status or error code, never a URL) when it was not delivered. */
export interface Delivery {
  result: DeliveryResult;
  reason?: string;
}

/** The signature of one attempt: `v1=` and the hex HMAC-SHA256 of `${timestamp}.${body}`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export class Webhook {
  readonly #o: Required<Omit<WebhookOptions, 'metrics' | 'log'>> & Pick<WebhookOptions, 'metrics' | 'log'>;
  readonly #queue: Pending[] = [];
  readonly #origin: string;
  #running: Promise<void> | undefined;
  #closing = false;
  #abort = new AbortController();

  constructor(o: WebhookOptions) {
    this.#o = { maxQueue: MAX_QUEUE, maxAttempts: MAX_ATTEMPTS, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS, ...o };
    this.#origin = new URL(o.url).origin;
  }

  /**
   * Enqueues one event (its `id` is the delivery id); never throws, and the caller need not wait: the promise,
   * which never rejects, says how the delivery ended once it has (a one-shot CLI command waits for it).
   */
  send(event: FirewallEvent): Promise<Delivery> {
    const { type } = event;
    if (this.#closing || this.#queue.length >= this.#o.maxQueue) {
      this.#o.metrics.inc(METRIC, METRIC_HELP, { type, result: 'dropped' });
      return Promise.resolve({ result: 'dropped', reason: this.#closing ? 'closing' : 'queue full' });
    }
    return new Promise((resolve) => {
      this.#queue.push({ id: event.id, type, body: JSON.stringify(event), done: (result, reason) => resolve({ result, ...(reason ? { reason } : {}) }) });
      this.#running ??= this.#drain().finally(() => (this.#running = undefined));
    });
  }

  /** The endpoint's origin: all of its URL that may be printed (a path or query may hold a token). */
  get origin(): string {
    return this.#origin;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Stops taking events; waits up to `graceMs` for the queue to empty, then abandons the rest (counted as dropped). */
  async close(graceMs = 5_000): Promise<void> {
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([this.#running ?? Promise.resolve(), timeout]);
    clearTimeout(timer);
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
    for (const p of this.#queue.splice(0)) {
      this.#o.metrics.inc(METRIC, METRIC_HELP, { type: p.type, result: 'dropped' });
      p.done('dropped', 'closing');
    }
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      const { result, reason } = await this.#deliver(next).catch(() => ({ result: 'failed' as const, reason: 'internal error' }));
      this.#o.metrics.inc(METRIC, METRIC_HELP, { type: next.type, result });
      next.done(result, reason);
    }
  }

  async #deliver(p: Pending): Promise<Delivery> {
    let why = '';
    let attempt = 1;
    for (; attempt <= this.#o.maxAttempts; attempt++) {
      if (this.#abort.signal.aborted) return { result: 'dropped', reason: 'closing' };
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await fetch(this.#o.url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'sscs-firewall-webhook',
            'x-sscs-event': p.type,
            'x-sscs-delivery': p.id,
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signWebhook(this.#o.secret, timestamp, p.body),
          },
          body: p.body,
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.attemptTimeoutMs)]),
        });
        // The answer's body is not read: a hostile endpoint could send gigabytes.
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return { result: 'delivered' };
        why = `HTTP ${res.status}`;
        if (!retryable(res.status)) break;
      } catch (e) {
        // Only a timeout or the system error code: fetch's own messages may quote the whole URL, token included.
        why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.#o.attemptTimeoutMs} ms` : ((e as { cause?: { code?: string } }).cause?.code ?? 'the request failed before an answer');
      }
      if (attempt < this.#o.maxAttempts) await this.#sleep(Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (attempt - 1)));
    }
    this.#o.log({ event: 'webhook-failed', type: p.type, delivery: p.id, endpoint: this.#origin, reason: why });
    return { result: 'failed', reason: `${why} (${Math.min(attempt, this.#o.maxAttempts)} attempt${attempt > 1 ? 's' : ''})` };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }
}
