/**
 * Which clients fetched which version (an npm tarball or a PyPI file), so that a version the threat feed lists
 * only later can be traced to the machines that installed it (a retroactive hit). Kept in the Store (tables
 * served_versions and served_clients; PostgreSQL migration 7), so it survives a restart and replicas on one
 * database share it: a hit found by one replica names the clients another one served. Bounded:
 *  - at most MAX_VERSIONS versions (the least recently served go first) and MAX_CLIENTS clients each (the
 *    rest are counted, not named);
 *  - a version not served for RETENTION_MS is forgotten;
 *  - per client only what identifies a machine and an install, never a credential: the address (the real
 *    client's, see client-address.ts), the User-Agent (cut to MAX_UA_CHARS) and npm's `npm-session` header (a
 *    random id per npm command, so one install's fetches can be grouped).
 * Names are store keys (documentKey), so the ecosystem is part of them: `left-pad`, `pkg:pypi/requests`.
 *
 * Fetches are gathered in memory and written in one transaction at most every FLUSH_MS (a fetch never waits
 * on the database); at most MAX_PENDING distinct (version, client) pairs wait, beyond which new ones are
 * dropped and counted while the database is away.
 *
 * Retroactive hits are reported once per store, not once per replica: each replica compares the feed it had
 * with the one it reloads, so every replica finds the same hit. The first to claim it (table retroactive_hits,
 * one row per version and feed record id, first writer wins; PostgreSQL migration 8) writes the audit rows in
 * the same transaction and reports it; the others find the rows taken and stay quiet. Claims leave with the
 * served versions' retention, and at most MAX_HITS are kept (the oldest go first).
 */
import type { Logger } from './log.js';
import type { AuditEntry } from './store.js';

export const MAX_VERSIONS = 50_000;
export const MAX_CLIENTS = 50;
export const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
export const FLUSH_MS = 1000;
export const MAX_PENDING = 10_000;
/** Claimed retroactive hits kept (one row per version and feed record id). */
export const MAX_HITS = 100_000;
/** How often old and surplus versions are removed (after a write). */
const PRUNE_EVERY_MS = 10 * 60_000;
/** Versions read per query while looking for retroactive hits. */
const PAGE = 1000;
const MAX_UA_CHARS = 200;
/** npm sends 16 hex digits; anything else is not kept. */
const NPM_SESSION = /^[0-9a-f]{8,32}$/i;

export interface ServedClient {
  address: string;
  userAgent?: string;
  npmSession?: string;
  firstAt: Date;
  lastAt: Date;
  fetches: number;
}

export interface ServedVersion {
  /** The store key: the ecosystem is in it (`pkg:pypi/...`; a bare name is npm). */
  name: string;
  version: string;
  clients: ServedClient[];
  /** Clients past MAX_CLIENTS: counted, not named. */
  otherClients: number;
  lastAt: Date;
}

/** Fetches of one version by one client, to be added to the store. */
export type ServedFetch = ServedClient & { name: string; version: string };

export interface ServedLimits {
  maxVersions: number;
  maxClients: number;
  retentionMs: number;
}

/** The served-client log as the Store keeps it (PostgreSQL and SQLite alike). */
export interface ServedStore {
  /**
   * Adds fetches in one transaction: a client already named for the version (same address, User-Agent and
   * npm-session) gets its count and last time raised; a new one is named while the version has fewer than
   * `maxClients`, else counted in otherClients.
   */
  record(fetches: ServedFetch[], maxClients: number): Promise<void>;
  /** Keys of versions last served at or after `since`, in (name, version) order after `after`, at most `limit`. */
  versions(since: Date, after: { name: string; version: string } | undefined, limit: number): Promise<{ name: string; version: string }[]>;
  /** One version with its clients (first fetched first), or undefined when not recorded. */
  version(name: string, version: string): Promise<ServedVersion | undefined>;
  /**
   * Removes versions last served before `before`, then the least recently served beyond `maxVersions`, and the
   * retroactive hit claims made before `before` or beyond MAX_HITS; returns how many versions and claims.
   */
  prune(before: Date, maxVersions: number): Promise<number>;
  /**
   * Claims a retroactive hit for this replica: in one transaction, the feed record ids of the version that no
   * one claimed yet are recorded (first writer wins: a unique key on ecosystem, name, version and id) and, when
   * any were, `audit(claimed)` rows are appended. Returns the ids claimed here; none means another replica (or
   * an earlier reload) reported them. Nothing is written when the transaction fails.
   */
  claimHit(hit: HitClaim, audit: (claimed: string[]) => AuditEntry[]): Promise<string[]>;
}

/** A retroactive hit to claim: `name` is the store key (the ecosystem is in it), `ids` the feed records. */
export interface HitClaim {
  ecosystem: string;
  name: string;
  version: string;
  ids: string[];
  at: Date;
}

export interface ClientInfo {
  address: string;
  userAgent?: string | undefined;
  npmSession?: string | undefined;
}

/** Printable ASCII only, cut: a header is the client's to write. */
const clean = (s: string | undefined, max: number): string | undefined => {
  const v = s?.replace(/[^\x20-\x7e]/g, '').slice(0, max).trim();
  return v ? v : undefined;
};

export class ServedLog {
  #pending = new Map<string, ServedFetch>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #prunedAt = 0;
  #dropped = 0;
  readonly #limits: ServedLimits;
  readonly #log: Logger | undefined;

  constructor(
    private readonly store: ServedStore,
    opts: { log?: Logger; limits?: Partial<ServedLimits> } = {},
  ) {
    this.#limits = { maxVersions: MAX_VERSIONS, maxClients: MAX_CLIENTS, retentionMs: RETENTION_MS, ...opts.limits };
    this.#log = opts.log;
  }

  /** Notes one fetch; written within FLUSH_MS. Never throws, never waits. */
  record(name: string, version: string, client: ClientInfo, at = new Date()): void {
    const userAgent = clean(client.userAgent, MAX_UA_CHARS);
    const session = client.npmSession && NPM_SESSION.test(client.npmSession) ? client.npmSession.toLowerCase() : undefined;
    const key = `${name}\0${version}\0${client.address}\0${userAgent ?? ''}\0${session ?? ''}`;
    const same = this.#pending.get(key);
    if (same) {
      same.fetches++;
      same.lastAt = at;
      return;
    }
    if (this.#pending.size >= MAX_PENDING) {
      this.#dropped++;
      return;
    }
    this.#pending.set(key, { name, version, address: client.address, ...(userAgent ? { userAgent } : {}), ...(session ? { npmSession: session } : {}), firstAt: at, lastAt: at, fetches: 1 });
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush().catch((e: Error) => this.#log?.({ event: 'served-log-write-failed', message: e.message, pending: this.#pending.size }));
      }, FLUSH_MS);
      this.#timer.unref();
    }
  }

  /**
   * Writes what is pending (one write at a time, its prune included: close() waits for both before the store
   * closes); on failure the fetches are kept for the next one.
   */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    const run = this.#write();
    this.#flushing = run;
    try {
      await run;
    } finally {
      if (this.#flushing === run) this.#flushing = undefined;
    }
  }

  async #write(): Promise<void> {
    const batch = this.#pending;
    if (batch.size === 0) return;
    this.#pending = new Map();
    try {
      await this.store.record([...batch.values()], this.#limits.maxClients);
    } catch (e) {
      // Kept (within the bound) for the next write; the newer fetches of the same pairs are merged in.
      for (const [k, f] of batch) {
        const newer = this.#pending.get(k);
        if (newer) {
          newer.fetches += f.fetches;
          newer.firstAt = f.firstAt;
        } else if (this.#pending.size < MAX_PENDING) this.#pending.set(k, f);
        else this.#dropped++;
      }
      if (!this.#timer && this.#pending.size) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.flush().catch(() => undefined);
        }, FLUSH_MS);
        this.#timer.unref();
      }
      throw e;
    }
    if (this.#dropped) {
      this.#log?.({ event: 'served-log-dropped', dropped: this.#dropped, hint: `more than ${MAX_PENDING} distinct fetches waited for the database` });
      this.#dropped = 0;
    }
    if (Date.now() - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = Date.now();
      await this.store.prune(new Date(Date.now() - this.#limits.retentionMs), this.#limits.maxVersions);
    }
  }

  /**
   * Every version served within the retention window (this process's pending fetches written first), a page
   * at a time, as keys: `clients` reads one version's clients.
   */
  async *versions(now = new Date()): AsyncGenerator<{ name: string; version: string }> {
    await this.flush();
    const since = new Date(now.getTime() - this.#limits.retentionMs);
    let after: { name: string; version: string } | undefined;
    for (;;) {
      const page = await this.store.versions(since, after, PAGE);
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1];
    }
  }

  clients(name: string, version: string): Promise<ServedVersion | undefined> {
    return this.store.version(name, version);
  }

  /** Writes what is pending; a failure is logged, not thrown (the process is stopping). */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush().catch((e: Error) => this.#log?.({ event: 'served-log-write-failed', message: e.message, pending: this.#pending.size }));
  }
}
