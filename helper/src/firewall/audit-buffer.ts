/**
 * Audit lines waiting to be written: identical lines (same client, request, decision and status) within one
 * batch become one entry with a count and the time of the last. A failed write (the database away) keeps the
 * lines for the next attempt, up to MAX_PENDING distinct lines; past that, repeats still merge into what is
 * held and new distinct lines are counted as dropped.
 */
import type { AuditEntry } from './store.js';

export const MAX_PENDING = 50_000;

export class AuditBuffer {
  #pending = new Map<string, AuditEntry>();
  dropped = 0;

  get size(): number {
    return this.#pending.size;
  }

  add(e: AuditEntry): void {
    const key = `${e.client}\0${e.kind}\0${e.name}\0${e.version ?? ''}\0${e.action}\0${e.rule ?? ''}\0${e.status}`;
    const same = this.#pending.get(key);
    if (same) {
      same.count = (same.count ?? 1) + (e.count ?? 1);
      same.lastAt = e.lastAt ?? e.at;
      return;
    }
    if (this.#pending.size >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.#pending.set(key, { ...e });
  }

  /** Takes the batch out; `putBack` returns it when it could not be written. */
  take(): AuditEntry[] {
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    return batch;
  }

  putBack(batch: AuditEntry[]): void {
    const newer = this.#pending;
    this.#pending = new Map();
    for (const e of batch) this.add(e);
    for (const e of newer.values()) this.add(e);
  }
}
