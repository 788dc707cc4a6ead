/** The served-client log and retroactive hit claims in the SQLite store (see served-log.ts); times are epoch milliseconds. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { MAX_HITS, type HitClaim, type ServedFetch, type ServedStore, type ServedVersion } from './served-log.js';
import type { AuditEntry } from './store.js';
import { toClient } from './sqlite-views.js';

/** Part of the SQLite schema (sqlite-store.ts runs it at open, with foreign keys on). */
export const SERVED_SCHEMA = `
CREATE TABLE IF NOT EXISTS served_versions (
  name TEXT NOT NULL, version TEXT NOT NULL, last_at INTEGER NOT NULL, other_clients INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (name, version));
CREATE INDEX IF NOT EXISTS served_versions_last ON served_versions (last_at);
CREATE TABLE IF NOT EXISTS served_clients (
  name TEXT NOT NULL, version TEXT NOT NULL, address TEXT NOT NULL, user_agent TEXT NOT NULL DEFAULT '',
  npm_session TEXT NOT NULL DEFAULT '', first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, fetches INTEGER NOT NULL,
  PRIMARY KEY (name, version, address, user_agent, npm_session),
  FOREIGN KEY (name, version) REFERENCES served_versions (name, version) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS retroactive_hits (
  ecosystem TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, feed_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
  PRIMARY KEY (ecosystem, name, version, feed_id));
CREATE INDEX IF NOT EXISTS retroactive_hits_claimed ON retroactive_hits (claimed_at);
`;

type Row = Record<string, unknown>;
type Names = 'version' | 'named' | 'count' | 'addClient' | 'other' | 'versions' | 'get' | 'clients' | 'old' | 'surplus' | 'claim' | 'audit' | 'oldHits' | 'surplusHits';

export class SqliteServed implements ServedStore {
  readonly #s: Record<Names, StatementSync>;

  constructor(
    private readonly db: DatabaseSync,
    private readonly tx: <T>(fn: () => T) => T,
  ) {
    const p = (sql: string): StatementSync => db.prepare(sql);
    this.#s = {
      version: p('INSERT INTO served_versions (name, version, last_at) VALUES (?, ?, ?) ON CONFLICT (name, version) DO UPDATE SET last_at = MAX(last_at, excluded.last_at)'),
      named: p(`UPDATE served_clients SET fetches = fetches + ?, first_at = MIN(first_at, ?), last_at = MAX(last_at, ?)
        WHERE name = ? AND version = ? AND address = ? AND user_agent = ? AND npm_session = ?`),
      count: p('SELECT count(*) AS n FROM served_clients WHERE name = ? AND version = ?'),
      addClient: p('INSERT INTO served_clients (name, version, address, user_agent, npm_session, first_at, last_at, fetches) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      other: p('UPDATE served_versions SET other_clients = other_clients + ? WHERE name = ? AND version = ?'),
      versions: p('SELECT name, version FROM served_versions WHERE last_at >= ? AND (? IS NULL OR (name, version) > (?, ?)) ORDER BY name, version LIMIT ?'),
      get: p('SELECT * FROM served_versions WHERE name = ? AND version = ?'),
      clients: p('SELECT * FROM served_clients WHERE name = ? AND version = ? ORDER BY first_at, address'),
      old: p('DELETE FROM served_versions WHERE last_at < ?'),
      surplus: p('DELETE FROM served_versions WHERE rowid IN (SELECT rowid FROM served_versions ORDER BY last_at DESC LIMIT -1 OFFSET ?)'),
      claim: p('INSERT INTO retroactive_hits (ecosystem, name, version, feed_id, claimed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      audit: p('INSERT INTO audit (at, client, kind, name, version, action, rule, status, count, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      oldHits: p('DELETE FROM retroactive_hits WHERE claimed_at < ?'),
      surplusHits: p('DELETE FROM retroactive_hits WHERE rowid IN (SELECT rowid FROM retroactive_hits ORDER BY claimed_at DESC LIMIT -1 OFFSET ?)'),
    };
  }

  async record(fetches: ServedFetch[], maxClients: number): Promise<void> {
    this.tx(() => {
      for (const f of fetches) {
        const [ua, session, first, last] = [f.userAgent ?? '', f.npmSession ?? '', f.firstAt.getTime(), f.lastAt.getTime()];
        this.#s.version.run(f.name, f.version, last);
        if (Number(this.#s.named.run(f.fetches, first, last, f.name, f.version, f.address, ua, session).changes) > 0) continue;
        if (Number((this.#s.count.get(f.name, f.version) as Row).n) < maxClients) this.#s.addClient.run(f.name, f.version, f.address, ua, session, first, last, f.fetches);
        else this.#s.other.run(f.fetches, f.name, f.version);
      }
    });
  }

  async versions(since: Date, after: { name: string; version: string } | undefined, limit: number): Promise<{ name: string; version: string }[]> {
    const rows = this.#s.versions.all(since.getTime(), after?.name ?? null, after?.name ?? null, after?.version ?? null, limit) as Row[];
    return rows.map((r) => ({ name: String(r.name), version: String(r.version) }));
  }

  async version(name: string, version: string): Promise<ServedVersion | undefined> {
    const v = this.#s.get.get(name, version) as Row | undefined;
    if (!v) return undefined;
    const clients = (this.#s.clients.all(name, version) as Row[]).map(toClient);
    return { name, version, clients, otherClients: Number(v.other_clients), lastAt: new Date(Number(v.last_at)) };
  }

  async prune(before: Date, maxVersions: number): Promise<number> {
    return this.tx(() =>
      Number(this.#s.old.run(before.getTime()).changes) + Number(this.#s.surplus.run(maxVersions).changes)
      + Number(this.#s.oldHits.run(before.getTime()).changes) + Number(this.#s.surplusHits.run(MAX_HITS).changes));
  }

  async claimHit(hit: HitClaim, audit: (claimed: string[]) => AuditEntry[]): Promise<string[]> {
    return this.tx(() => {
      const claimed = [...hit.ids].sort().filter((id) => Number(this.#s.claim.run(hit.ecosystem, hit.name, hit.version, id, hit.at.getTime()).changes) > 0);
      if (claimed.length) {
        for (const e of audit(claimed)) this.#s.audit.run(e.at.getTime(), e.client, e.kind, e.name, e.version ?? null, e.action, e.rule ?? null, e.status, e.count ?? 1, e.lastAt?.getTime() ?? null);
      }
      return claimed;
    });
  }
}
