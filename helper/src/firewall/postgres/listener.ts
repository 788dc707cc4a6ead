/**
 * One connection per replica that LISTENs for generation bumps (NOTIFY on NOTIFY_CHANNEL, sent by a trigger on
 * every release, waiver and blocking scan, whichever replica or tool made it). A notification only says "read the
 * generation again": its payload is never trusted, since any role that may connect can send one
 * (`SELECT pg_notify(...)` needs no privilege; PostgreSQL: NOTIFY), and a forged value must not stand in for the
 * database's own. When the connection drops it is
 * opened again with exponential backoff, LISTEN is issued again, and `onListening` lets the store read the
 * generation it may have missed meanwhile. A slow poll (POLL_MS) backs the notifications up, never replaces them.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import type { PostgresTarget } from './connect.js';
import { NOTIFY_CHANNEL } from './migrations.js';

export const BACKOFF_START_MS = 100;
export const BACKOFF_MAX_MS = 5000;
/** The safety net behind LISTEN: the generation is read this often anyway. */
export const POLL_MS = 10_000;

export interface ListenerEvents {
  /** Something was notified on NOTIFY_CHANNEL: the generation may have moved (read it from the database). */
  onNotify(): void;
  onListening(): void;
  log?: Logger;
}

export class GenerationListener {
  readonly #target: PostgresTarget;
  readonly #on: ListenerEvents;
  #client: pg.Client | undefined;
  #backoff = BACKOFF_START_MS;
  #retry: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #stopped = false;
  #lost = false;

  constructor(target: PostgresTarget, on: ListenerEvents) {
    this.#target = target;
    this.#on = on;
  }

  /** Resolves once listening (the first attempt must succeed: the store has just connected). */
  async start(): Promise<void> {
    await this.#connect();
    this.#poll = setInterval(() => this.#on.onListening(), POLL_MS);
    this.#poll.unref();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      ...this.#target.config,
      application_name: 'sscs-firewall-listen',
      connectionTimeoutMillis: 2000,
      // A half-open connection (the server gone without a FIN) is noticed by TCP keepalive.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
    });
    client.on('notification', (m) => {
      if (m.channel === NOTIFY_CHANNEL) this.#on.onNotify();
    });
    client.on('error', (e) => this.#drop(client, e));
    client.on('end', () => this.#drop(client, new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.#client = client;
    this.#backoff = BACKOFF_START_MS;
    if (this.#lost) this.#on.log?.({ event: 'database-listen-restored', database: this.#target.label });
    this.#lost = false;
    this.#on.onListening();
  }

  #drop(client: pg.Client, e: Error): void {
    if (this.#client !== client || this.#stopped) return;
    this.#client = undefined;
    this.#lost = true;
    this.#on.log?.({ event: 'database-listen-lost', database: this.#target.label, message: e.message });
    client.end().catch(() => undefined);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const wait = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
    this.#retry = setTimeout(() => {
      this.#connect().catch(() => this.#schedule());
    }, wait);
    this.#retry.unref();
  }

  /** Whether LISTEN is in place now (the health endpoint and tests read it). */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#poll);
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => undefined);
  }
}
