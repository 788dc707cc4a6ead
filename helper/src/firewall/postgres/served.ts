/**
 * The served-client log on PostgreSQL (tables served_versions and served_clients, migration 7) and the claims of
 * retroactive hits (retroactive_hits, migration 8); see served-log.ts.
 */
import type pg from 'pg';
import { MAX_HITS, type HitClaim, type ServedFetch, type ServedStore, type ServedVersion } from '../served-log.js';
import type { AuditEntry } from '../store.js';
import { date, toClient } from './rows.js';
import type { Query } from './sessions.js';

export type Transaction = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

export class PostgresServed implements ServedStore {
  constructor(
    private readonly q: Query,
    private readonly tx: Transaction,
  ) {}

  async record(fetches: ServedFetch[], maxClients: number): Promise<void> {
    if (!fetches.length) return;
    // Versions in key order, so that two replicas writing at once lock their rows in the same order.
    const sorted = [...fetches].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : a.version > b.version ? 1 : 0) : a.name < b.name ? -1 : 1));
    await this.tx(async (c) => {
      let current = '';
      for (const f of sorted) {
        const key = `${f.name}\0${f.version}`;
        if (key !== current) {
          current = key;
          // The upsert locks the version's row until commit: the count of named clients below cannot race.
          await c.query(
            `INSERT INTO served_versions (name, version, last_at) VALUES ($1, $2, $3)
             ON CONFLICT (name, version) DO UPDATE SET last_at = GREATEST(served_versions.last_at, excluded.last_at)`,
            [f.name, f.version, f.lastAt],
          );
        }
        const named = await c.query(
          `INSERT INTO served_clients AS s (name, version, address, user_agent, npm_session, first_at, last_at, fetches)
           SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::timestamptz, $8::bigint
           WHERE EXISTS (SELECT 1 FROM served_clients WHERE name = $1 AND version = $2 AND address = $3 AND user_agent = $4 AND npm_session = $5)
              OR (SELECT count(*) FROM served_clients WHERE name = $1 AND version = $2) < $9::bigint
           ON CONFLICT (name, version, address, user_agent, npm_session) DO UPDATE SET
             fetches = s.fetches + excluded.fetches, first_at = LEAST(s.first_at, excluded.first_at), last_at = GREATEST(s.last_at, excluded.last_at)`,
          [f.name, f.version, f.address, f.userAgent ?? '', f.npmSession ?? '', f.firstAt, f.lastAt, f.fetches, maxClients],
        );
        if (!named.rowCount) await c.query('UPDATE served_versions SET other_clients = other_clients + $3 WHERE name = $1 AND version = $2', [f.name, f.version, f.fetches]);
      }
    });
  }

  async versions(since: Date, after: { name: string; version: string } | undefined, limit: number): Promise<{ name: string; version: string }[]> {
    const rows = await this.q(
      `SELECT name, version FROM served_versions WHERE last_at >= $1 AND ($2::text IS NULL OR (name, version) > ($2, $3)) ORDER BY name, version LIMIT $4`,
      [since, after?.name ?? null, after?.version ?? null, limit],
    );
    return rows.map((r) => ({ name: String(r.name), version: String(r.version) }));
  }

  async version(name: string, version: string): Promise<ServedVersion | undefined> {
    const [v] = await this.q('SELECT * FROM served_versions WHERE name = $1 AND version = $2', [name, version]);
    if (!v) return undefined;
    const clients = await this.q('SELECT * FROM served_clients WHERE name = $1 AND version = $2 ORDER BY first_at, address', [name, version]);
    return { name, version, clients: clients.map(toClient), otherClients: Number(v.other_clients), lastAt: date(v.last_at)! };
  }

  async prune(before: Date, maxVersions: number): Promise<number> {
    // Clients go with their version (ON DELETE CASCADE).
    const old = await this.q('DELETE FROM served_versions WHERE last_at < $1 RETURNING 1', [before]);
    const surplus = await this.q(
      'DELETE FROM served_versions WHERE (name, version) IN (SELECT name, version FROM served_versions ORDER BY last_at DESC OFFSET $1) RETURNING 1',
      [maxVersions],
    );
    const hits = await this.q('DELETE FROM retroactive_hits WHERE claimed_at < $1 RETURNING 1', [before]);
    const extraHits = await this.q(
      'DELETE FROM retroactive_hits WHERE (ecosystem, name, version, feed_id) IN (SELECT ecosystem, name, version, feed_id FROM retroactive_hits ORDER BY claimed_at DESC OFFSET $1) RETURNING 1',
      [MAX_HITS],
    );
    return old.length + surplus.length + hits.length + extraHits.length;
  }

  async claimHit(hit: HitClaim, audit: (claimed: string[]) => AuditEntry[]): Promise<string[]> {
    if (!hit.ids.length) return [];
    return await this.tx(async (c) => {
      // ON CONFLICT DO NOTHING waits for a concurrent claim of the same row to commit or roll back: a replica
      // that claimed and then failed (its transaction rolled back) leaves the hit to the next one.
      const claimed = (await c.query(
        `INSERT INTO retroactive_hits (ecosystem, name, version, feed_id, claimed_at)
         SELECT $1::text, $2::text, $3::text, id, $5::timestamptz FROM unnest($4::text[]) AS id ORDER BY id
         ON CONFLICT DO NOTHING RETURNING feed_id`,
        [hit.ecosystem, hit.name, hit.version, hit.ids, hit.at],
      )).rows.map((r: { feed_id: string }) => String(r.feed_id)).sort();
      if (!claimed.length) return claimed;
      for (const e of audit(claimed)) {
        await c.query('INSERT INTO audit (at, client, kind, name, version, action, rule, status, count, last_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
          e.at, e.client, e.kind, e.name, e.version ?? null, e.action, e.rule ?? null, e.status, e.count ?? 1, e.lastAt ?? null,
        ]);
      }
      return claimed;
    });
  }
}
