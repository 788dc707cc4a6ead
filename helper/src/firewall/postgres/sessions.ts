/**
 * Admin page sessions on PostgreSQL (table admin_sessions, migration 6) and login attempts (admin_login_attempts,
 * migration 8); see session-store.ts.
 */
import type { Flash, LoginAttempt, LoginBucket, SessionStore, StoredSession } from '../session-store.js';
import { date, type Row } from './rows.js';
import type { Transaction } from './served.js';

export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

const toSession = (r: Row, flash: unknown): StoredSession => ({
  key: String(r.key), operator: String(r.operator), createdAt: date(r.created_at)!, expiresAt: date(r.expires_at)!, idleUntil: date(r.idle_until)!,
  ...(flash != null ? { flash: flash as Flash } : {}),
});

/** The advisory lock class (the first of two keys) under which one client's login attempts are counted; its /48's is the next. */
const LOGIN_LOCK = 0x55c5_10c1;

export class PostgresSessions implements SessionStore {
  constructor(
    private readonly q: Query,
    private readonly tx: Transaction,
  ) {}

  async create(s: Omit<StoredSession, 'flash'>, max: number): Promise<void> {
    await this.q('DELETE FROM admin_sessions WHERE expires_at <= $1 OR idle_until <= $1', [s.createdAt]);
    // Room for this one: the oldest logins go first (a flood of logins cannot grow the table without bound).
    await this.q('DELETE FROM admin_sessions WHERE key IN (SELECT key FROM admin_sessions ORDER BY created_at DESC OFFSET $1)', [Math.max(0, max - 1)]);
    await this.q('INSERT INTO admin_sessions (key, operator, created_at, expires_at, idle_until) VALUES ($1, $2, $3, $4, $5)', [s.key, s.operator, s.createdAt, s.expiresAt, s.idleUntil]);
  }

  async touch(key: string, now: Date, idleMs: number, takeFlash: boolean): Promise<StoredSession | undefined> {
    // One statement: the old flash is read and cleared together, so two replicas never both show it.
    const [r] = await this.q(
      `UPDATE admin_sessions s SET idle_until = LEAST(s.expires_at, $2::timestamptz + ($3::bigint * interval '1 millisecond')),
         flash = CASE WHEN $4 THEN NULL ELSE s.flash END
       FROM (SELECT key, flash AS old_flash FROM admin_sessions WHERE key = $1 FOR UPDATE) o
       WHERE s.key = o.key AND s.expires_at > $2 AND s.idle_until > $2
       RETURNING s.*, CASE WHEN $4 THEN o.old_flash END AS taken`,
      [key, now, Math.round(idleMs), takeFlash],
    );
    if (r) return toSession(r, r.taken);
    await this.q('DELETE FROM admin_sessions WHERE key = $1 AND (expires_at <= $2 OR idle_until <= $2)', [key, now]);
    return undefined;
  }

  async setFlash(key: string, flash: Flash): Promise<void> {
    await this.q('UPDATE admin_sessions SET flash = $2 WHERE key = $1', [key, JSON.stringify(flash)]);
  }

  async end(key: string): Promise<void> {
    await this.q('DELETE FROM admin_sessions WHERE key = $1', [key]);
  }

  async loginAttempt(buckets: readonly LoginBucket[], at: Date, since: Date, maxRows: number, failed: boolean): Promise<LoginAttempt> {
    const { allowed, oldest, id } = await this.tx(async (c) => {
      // One bucket's attempts are counted and recorded one at a time, whichever replica takes them. The n-th bucket
      // is locked under the n-th lock class, in order: a transaction waits only for a class above every one it
      // holds, so two of them (even with colliding hashtext values) never wait for each other.
      for (const [n, b] of buckets.entries()) await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOGIN_LOCK + n, b.key]);
      const keys = buckets.map((b) => b.key);
      const counts = new Map(((await c.query('SELECT key, count(*) AS n, min(at) AS oldest FROM admin_login_attempts WHERE key = ANY($1::text[]) AND at > $2 GROUP BY key', [keys, since])).rows as Row[]).map((r) => [String(r.key), r]));
      const full = buckets.filter((b) => Number(counts.get(b.key)?.n ?? 0) >= b.max);
      const allowed = full.length === 0;
      const added = allowed && failed ? ((await c.query('INSERT INTO admin_login_attempts (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k RETURNING id', [keys, at])).rows as Row[]) : [];
      // The full bucket whose oldest failure leaves the window last decides the wait.
      const oldest = full.map((b) => date(counts.get(b.key)?.oldest) ?? at).reduce((a, b) => (b > a ? b : a), new Date(0));
      return { allowed, oldest: allowed ? at : oldest, id: added.length ? Math.max(...added.map((r) => Number(r.id))) : undefined };
    });
    // Pruned only when a failure was recorded, and by index ranges (never an OFFSET over the table, which read it
    // whole on every request): attempts out of the window, and those maxRows or more insertions older than this one
    // (ids are a sequence), so at most maxRows remain. Outside the counting transaction: no lock is held across it.
    if (id !== undefined) await this.q('DELETE FROM admin_login_attempts WHERE at <= $1 OR id <= $2', [since, id - maxRows]);
    return { allowed, oldest };
  }
}
