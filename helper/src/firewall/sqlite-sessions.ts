/** Admin page sessions in the SQLite store (see session-store.ts); times are epoch milliseconds. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Flash, LoginAttempt, LoginBucket, SessionStore, StoredSession } from './session-store.js';

/** Part of the SQLite schema (sqlite-store.ts runs it at open): the key is a hash of the session id, never the id. */
export const SESSIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS admin_sessions (
  key TEXT PRIMARY KEY CHECK (length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'), operator TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, idle_until INTEGER NOT NULL CHECK (idle_until <= expires_at), flash TEXT);
CREATE INDEX IF NOT EXISTS admin_sessions_created ON admin_sessions (created_at);
CREATE TABLE IF NOT EXISTS admin_login_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL CHECK (length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'), at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS admin_login_attempts_key ON admin_login_attempts (key, at);
CREATE INDEX IF NOT EXISTS admin_login_attempts_at ON admin_login_attempts (at);
`;

type Row = Record<string, unknown>;

export class SqliteSessions implements SessionStore {
  readonly #s: Record<'sweep' | 'trim' | 'insert' | 'get' | 'touch' | 'flash' | 'end' | 'pruneTries' | 'try' | 'countTries', StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    const p = (sql: string): StatementSync => db.prepare(sql);
    this.#s = {
      sweep: p('DELETE FROM admin_sessions WHERE expires_at <= ? OR idle_until <= ?'),
      trim: p('DELETE FROM admin_sessions WHERE key IN (SELECT key FROM admin_sessions ORDER BY created_at DESC LIMIT -1 OFFSET ?)'),
      insert: p('INSERT INTO admin_sessions (key, operator, created_at, expires_at, idle_until) VALUES (?, ?, ?, ?, ?)'),
      get: p('SELECT * FROM admin_sessions WHERE key = ?'),
      touch: p('UPDATE admin_sessions SET idle_until = MIN(expires_at, ?), flash = CASE WHEN ? THEN NULL ELSE flash END WHERE key = ?'),
      flash: p('UPDATE admin_sessions SET flash = ? WHERE key = ?'),
      end: p('DELETE FROM admin_sessions WHERE key = ?'),
      // Out of the window, or maxRows or more insertions older than the newest (AUTOINCREMENT ids only grow).
      pruneTries: p('DELETE FROM admin_login_attempts WHERE at <= ? OR id <= ?'),
      try: p('INSERT INTO admin_login_attempts (key, at) VALUES (?, ?)'),
      countTries: p('SELECT count(*) AS n, min(at) AS oldest FROM admin_login_attempts WHERE key = ? AND at > ?'),
    };
  }

  async create(s: Omit<StoredSession, 'flash'>, max: number): Promise<void> {
    const now = s.createdAt.getTime();
    this.#s.sweep.run(now, now);
    this.#s.trim.run(Math.max(0, max - 1));
    this.#s.insert.run(s.key, s.operator, now, s.expiresAt.getTime(), s.idleUntil.getTime());
  }

  async touch(key: string, now: Date, idleMs: number, takeFlash: boolean): Promise<StoredSession | undefined> {
    // One process writes this file and these statements run without yielding: read and update cannot interleave.
    const r = this.#s.get.get(key) as Row | undefined;
    if (!r) return undefined;
    const t = now.getTime();
    if (Number(r.expires_at) <= t || Number(r.idle_until) <= t) {
      this.#s.end.run(key);
      return undefined;
    }
    const idleUntil = Math.min(Number(r.expires_at), t + Math.round(idleMs));
    this.#s.touch.run(idleUntil, takeFlash ? 1 : 0, key);
    return {
      key, operator: String(r.operator), createdAt: new Date(Number(r.created_at)), expiresAt: new Date(Number(r.expires_at)), idleUntil: new Date(idleUntil),
      ...(takeFlash && r.flash != null ? { flash: JSON.parse(String(r.flash)) as Flash } : {}),
    };
  }

  async setFlash(key: string, flash: Flash): Promise<void> {
    this.#s.flash.run(JSON.stringify(flash), key);
  }

  async end(key: string): Promise<void> {
    this.#s.end.run(key);
  }

  async loginAttempt(buckets: readonly LoginBucket[], at: Date, since: Date, maxRows: number, failed: boolean): Promise<LoginAttempt> {
    // One process writes this file and these statements run without yielding: count and insert cannot interleave.
    const counts = buckets.map((b) => ({ b, c: this.#s.countTries.get(b.key, since.getTime()) as Row }));
    const full = counts.filter(({ b, c }) => Number(c.n) >= b.max);
    const allowed = full.length === 0;
    if (allowed && failed) {
      let id = 0;
      for (const b of buckets) id = Number(this.#s.try.run(b.key, at.getTime()).lastInsertRowid);
      // Pruned only when a failure is recorded, by index ranges: at most maxRows remain (postgres/sessions.ts).
      this.#s.pruneTries.run(since.getTime(), id - maxRows);
    }
    // The full bucket whose oldest failure leaves the window last decides the wait.
    const oldest = Math.max(0, ...full.map(({ c }) => Number(c.oldest ?? at.getTime())));
    return { allowed, oldest: new Date(allowed ? at.getTime() : oldest) };
  }
}
