/**
 * A budget of bytes in flight with a bounded FIFO queue. A packument build reserves what the upstream's
 * Content-Length says it will read (the most a body may be when it does not say) until its entry is built;
 * past the budget, builds wait their turn, and past the queue they are refused (the client gets 503 and
 * Retry-After). What is kept (the cache) has its own bound; this one bounds what is being fetched and parsed.
 * A reservation larger than the whole budget is granted when nothing else is in flight.
 */

export interface Reservation {
  /** Gives the bytes back, letting queued builds in; calling it again does nothing. */
  release(): void;
}

export class Limiter {
  readonly capacity: number;
  readonly maxQueued: number;
  #used = 0;
  readonly #queue: { weight: number; grant: (r: Reservation) => void }[] = [];

  constructor(capacity: number, maxQueued: number) {
    this.capacity = capacity;
    this.maxQueued = maxQueued;
  }

  get used(): number {
    return this.#used;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** A reservation of `weight` (at most the whole budget), or undefined at once when the queue is full. */
  acquire(weight: number): Promise<Reservation> | undefined {
    const w = Math.max(0, Math.min(weight, this.capacity));
    if (this.#queue.length === 0 && this.#used + w <= this.capacity) return Promise.resolve(this.#grant(w));
    if (this.#queue.length >= this.maxQueued) return undefined;
    return new Promise((grant) => this.#queue.push({ weight: w, grant }));
  }

  #grant(weight: number): Reservation {
    this.#used += weight;
    let held = weight;
    return {
      release: () => {
        this.#used -= held;
        held = 0;
        this.#drain();
      },
    };
  }

  #drain(): void {
    while (this.#queue.length && this.#used + this.#queue[0]!.weight <= this.capacity) {
      const next = this.#queue.shift()!;
      next.grant(this.#grant(next.weight));
    }
  }
}
