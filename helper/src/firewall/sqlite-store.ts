/**
 * The Store in one SQLite file, through node:sqlite (built into Node 22, no native add-on to install).
 * WAL journal: readers never block the writer, and a commit is durable against a killed process once the
 * WAL write returns (synchronous=NORMAL); synchronous=FULL adds an fsync per commit for power loss.
 */
import { dirname } from 'node:path';
import { ensureDir } from '../io/files.js';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { InputError } from '../errors.js';
import { SCANNER_VERSION } from '../scan/version.js';
import { ecosystemOfKey, waiverCovers } from './operator.js';
import type { AuditEntry, AuditPage, AuditQuery, DecisionRecord, PackageRecords, QuarantineEntry, Release, RuleCount, ScanFinding, ServedFile, Store, Waiver } from './store.js';
import { servedFileOf } from './served-file.js';
import { AuditBuffer } from './audit-buffer.js';
import { SqliteViews, toAudit, toDecision, toQuarantine, toRelease, toWaiver } from './sqlite-views.js';
import { SESSIONS_SCHEMA, SqliteSessions } from './sqlite-sessions.js';
import { SERVED_SCHEMA, SqliteServed } from './sqlite-served.js';

export type Synchronous = 'normal' | 'full';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);
-- Audit rows whose last occurrence is before this time (epoch ms) may be removed: the retention window's start.
INSERT OR IGNORE INTO meta (key, value) VALUES ('audit_kept_from', 0);
CREATE TABLE IF NOT EXISTS decisions (
  name TEXT NOT NULL, version TEXT NOT NULL, action TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL,
  until INTEGER, integrity TEXT, credential TEXT, policy_version TEXT NOT NULL, decided_at INTEGER NOT NULL, served_under TEXT,
  PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS quarantine (
  name TEXT NOT NULL, version TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL, until INTEGER,
  queued_at INTEGER NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS releases (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version TEXT NOT NULL, by TEXT NOT NULL,
  reason TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS releases_pkg ON releases (name, version);
CREATE TABLE IF NOT EXISTS waivers (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version TEXT NOT NULL, by TEXT NOT NULL,
  reason TEXT NOT NULL, expires_at INTEGER, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS waivers_pkg ON waivers (name, version);
-- Counts per rule (admin page) read only refused versions: a partial index keeps that read small.
CREATE INDEX IF NOT EXISTS decisions_refused ON decisions (rule, action) WHERE action <> 'allow';
CREATE TABLE IF NOT EXISTS scans (
  name TEXT NOT NULL, version TEXT NOT NULL, findings TEXT NOT NULL, scanned_at INTEGER NOT NULL, scanner TEXT,
  PRIMARY KEY (name, version));
-- The sha256 each PyPI file was first served with (file names are immutable on the index): first writer wins.
CREATE TABLE IF NOT EXISTS file_digests (
  name TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL, first_at INTEGER NOT NULL, PRIMARY KEY (name, file));
-- The PyPI files served and the decision each was served under, for offline serving (ServedFile).
CREATE TABLE IF NOT EXISTS served_files (
  name TEXT NOT NULL, file TEXT NOT NULL, version TEXT NOT NULL, sha256 TEXT NOT NULL, action TEXT NOT NULL, rule TEXT NOT NULL,
  credential TEXT NOT NULL, served_under TEXT NOT NULL, requires_python TEXT, yanked TEXT NOT NULL, served_at INTEGER NOT NULL,
  PRIMARY KEY (name, file));
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, client TEXT NOT NULL, kind TEXT NOT NULL,
  name TEXT NOT NULL, version TEXT, action TEXT NOT NULL, rule TEXT, status INTEGER NOT NULL,
  count INTEGER NOT NULL DEFAULT 1, last_at INTEGER);
-- Append-only: the log cannot be rewritten through this database, only added to.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
-- A row leaves only once it is older than the retention window (pruneAudit); databases from before
-- retention had a trigger that refused every delete.
DROP TRIGGER IF EXISTS audit_no_delete;
-- A row inside the window, or any row while the window's start is unknown, is refused (fail closed); databases
-- from before had no NULL case.
DROP TRIGGER IF EXISTS audit_delete_expired_only;
CREATE TRIGGER audit_delete_expired_only BEFORE DELETE ON audit
  WHEN (SELECT value FROM meta WHERE key = 'audit_kept_from') IS NULL
    OR COALESCE(OLD.last_at, OLD.at) IS NULL
    OR COALESCE(OLD.last_at, OLD.at) >= (SELECT value FROM meta WHERE key = 'audit_kept_from')
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: only rows older than the retention window may be removed'); END;
-- The window cannot be widened by a plain statement: its start and the retention (ms, 'audit_retention_ms',
-- recorded by pruneAudit, at least a day, only grows; no row means no retention and a start that stays put) are
-- never removed or renamed, the start only moves forward and never past now minus the retention, and an insert
-- (INSERT OR REPLACE removes a row without firing delete triggers) may not set either past what is stored.
CREATE TRIGGER IF NOT EXISTS meta_audit_no_delete BEFORE DELETE ON meta
  WHEN OLD.key IN ('audit_kept_from', 'audit_retention_ms')
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: its retention settings cannot be removed'); END;
CREATE TRIGGER IF NOT EXISTS meta_audit_no_rename BEFORE UPDATE OF key ON meta
  WHEN OLD.key IN ('audit_kept_from', 'audit_retention_ms') AND NEW.key IS NOT OLD.key
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: its retention settings cannot be removed'); END;
CREATE TRIGGER IF NOT EXISTS meta_retention_grows BEFORE UPDATE ON meta
  WHEN OLD.key = 'audit_retention_ms' AND (NEW.value IS NULL OR NEW.value < OLD.value)
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: the audit retention only grows'); END;
CREATE TRIGGER IF NOT EXISTS meta_kept_from_bounded BEFORE UPDATE ON meta
  WHEN OLD.key = 'audit_kept_from' AND NEW.value IS NOT OLD.value AND (NEW.value IS NULL OR NEW.value < OLD.value
    OR NEW.value > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - (SELECT value FROM meta WHERE key = 'audit_retention_ms')
    OR (SELECT value FROM meta WHERE key = 'audit_retention_ms') IS NULL)
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: the retention window starts no later than now minus the retention'); END;
CREATE TRIGGER IF NOT EXISTS meta_audit_insert BEFORE INSERT ON meta
  WHEN (NEW.key = 'audit_kept_from' AND (NEW.value IS NULL OR NEW.value > COALESCE((SELECT value FROM meta WHERE key = 'audit_kept_from'), 0)))
    OR (NEW.key = 'audit_retention_ms' AND (NEW.value IS NULL OR NEW.value < 86400000
      OR NEW.value < COALESCE((SELECT value FROM meta WHERE key = 'audit_retention_ms'), 0)))
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only: its retention settings may not be widened'); END;
`;

/**
 * Audit lines are written in batches at most this old: one commit per request would grow the WAL by pages
 * per line and stall requests on checkpoints. Decisions are never batched: they commit before the response.
 */
export const AUDIT_FLUSH_MS = 100;
const AUDIT_FLUSH_LINES = 500;
/** Audit rows removed per transaction by pruneAudit. */
const AUDIT_PRUNE_BATCH = 10_000;

/** Busy timeout: a CLI command writing while the server runs waits for the lock instead of failing. */
const BUSY_TIMEOUT_MS = 5000;

type Row = Record<string, unknown>;

async function loadSqlite(): Promise<typeof import('node:sqlite')> {
  // node:sqlite prints an ExperimentalWarning on load in Node 22 although it works unflagged; silence only
  // that one warning, which would otherwise land in every `sscs firewall` output.
  const original = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    if (String(typeof w === 'string' ? w : w.message).includes('SQLite')) return;
    (original as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import('node:sqlite');
  } finally {
    process.emitWarning = original;
  }
}

export async function openSqliteStore(path: string, opts: { synchronous?: Synchronous } = {}): Promise<Store> {
  const { DatabaseSync } = await loadSqlite();
  let db: DatabaseSync;
  try {
    // The CLI (waive, quarantine) may come before the first `serve`: the data folder is created here.
    await ensureDir(dirname(path));
    db = new DatabaseSync(path);
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON;`);
    db.exec(SCHEMA);
    db.exec(SESSIONS_SCHEMA);
    db.exec(SERVED_SCHEMA);
    migrate(db);
  } catch (e) {
    throw new InputError('INPUT', `cannot open the firewall database: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
  return new SqliteStore(db);
}

/**
 * Databases written before the credential column: it is added empty, and a decision without a credential is
 * never served offline (fail closed) until a client fetches the tarball again online.
 */
function migrate(db: DatabaseSync): void {
  const columns = (db.prepare('PRAGMA table_info(decisions)').all() as Row[]).map((c) => String(c.name));
  if (!columns.includes('credential')) db.exec('ALTER TABLE decisions ADD COLUMN credential TEXT');
  // Added empty: bytes served before it are served again offline only once served online under today's inputs.
  if (!columns.includes('served_under')) db.exec('ALTER TABLE decisions ADD COLUMN served_under TEXT');
  // Audit rows before aggregation each stood for one request.
  const auditColumns = (db.prepare('PRAGMA table_info(audit)').all() as Row[]).map((c) => String(c.name));
  if (!auditColumns.includes('count')) db.exec('ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1; ALTER TABLE audit ADD COLUMN last_at INTEGER');
  // Findings of a scanner before this column count as not scanned: the version is scanned again.
  const scanColumns = (db.prepare('PRAGMA table_info(scans)').all() as Row[]).map((c) => String(c.name));
  if (!scanColumns.includes('scanner')) db.exec('ALTER TABLE scans ADD COLUMN scanner TEXT');
}

class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #s: Record<string, StatementSync>;
  readonly #views: SqliteViews;
  readonly #audit = new AuditBuffer();
  #timer: NodeJS.Timeout | undefined;
  readonly sessions: SqliteSessions;
  readonly served: SqliteServed;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.sessions = new SqliteSessions(db);
    this.served = new SqliteServed(db, (fn) => this.#tx(fn));
    this.#views = new SqliteViews(db);
    const p = (sql: string): StatementSync => db.prepare(sql);
    this.#s = {
      generation: p(`SELECT value FROM meta WHERE key = 'generation'`),
      bump: p(`UPDATE meta SET value = value + 1 WHERE key = 'generation'`),
      upsertDecision: p(`INSERT INTO decisions (name, version, action, rule, reason, until, integrity, credential, policy_version, decided_at, served_under)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?7 IS NOT NULL THEN ?9 END) ON CONFLICT (name, version) DO UPDATE SET action = excluded.action,
        rule = excluded.rule, reason = excluded.reason, until = excluded.until,
        integrity = COALESCE(excluded.integrity, decisions.integrity),
        credential = COALESCE(excluded.credential, decisions.credential), policy_version = excluded.policy_version,
        decided_at = excluded.decided_at,
        served_under = CASE WHEN excluded.integrity IS NOT NULL THEN excluded.policy_version ELSE decisions.served_under END`),
      enqueue: p(`INSERT OR IGNORE INTO quarantine (name, version, rule, reason, until, queued_at) VALUES (?, ?, ?, ?, ?, ?)`),
      decision: p(`SELECT * FROM decisions WHERE name = ? AND version = ?`),
      audit: p(`INSERT INTO audit (at, client, kind, name, version, action, rule, status, count, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      auditLog: p(`SELECT * FROM audit ORDER BY id DESC LIMIT ?`),
      addRetention: p(`INSERT INTO meta (key, value) SELECT 'audit_retention_ms', ? WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'audit_retention_ms')`),
      growRetention: p(`UPDATE meta SET value = MAX(value, ?) WHERE key = 'audit_retention_ms'`),
      // Bounded as the trigger bounds it, by SQLite's clock, so a clock between the two never fails a prune.
      keepAuditFrom: p(`UPDATE meta SET value = MAX(value, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - (SELECT value FROM meta WHERE key = 'audit_retention_ms'))
        WHERE key = 'audit_kept_from' RETURNING value`),
      pruneAudit: p(`DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE COALESCE(last_at, at) < ? ORDER BY id LIMIT ${AUDIT_PRUNE_BATCH})`),
      quarantine: p(`SELECT q.* FROM quarantine q WHERE NOT EXISTS (SELECT 1 FROM releases r WHERE r.name = q.name AND r.version = q.version) ORDER BY queued_at, name, version`),
      release: p(`SELECT * FROM releases WHERE name = ? AND version = ? ORDER BY id DESC LIMIT 1`),
      insertRelease: p(`INSERT INTO releases (name, version, by, reason, at) VALUES (?, ?, ?, ?, ?) RETURNING *`),
      recordScan: p(`INSERT INTO scans (name, version, findings, scanned_at, scanner) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, version) DO UPDATE SET findings = excluded.findings, scanned_at = excluded.scanned_at, scanner = excluded.scanner`),
      // Only the findings of this scanner: another version's may miss what this one finds, or flag what it clears.
      scan: p(`SELECT findings FROM scans WHERE name = ? AND version = ? AND scanner = ?`),
      scans: p(`SELECT version, findings FROM scans WHERE name = ? AND scanner = ?`),
      releases: p(`SELECT * FROM releases WHERE name = ? ORDER BY id DESC`),
      // Every active waiver of the name: its version is an exact version or a semver range, matched in activeWaiver.
      waiver: p(`SELECT * FROM waivers WHERE name = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC`),
      rememberDigest: p(`INSERT OR IGNORE INTO file_digests (name, file, sha256, first_at) VALUES (?, ?, ?, ?)`),
      fileDigest: p(`SELECT sha256 FROM file_digests WHERE name = ? AND file = ?`),
      fileDigests: p(`SELECT file, sha256 FROM file_digests WHERE name = ?`),
      recordServedFile: p(`INSERT INTO served_files (name, file, version, sha256, action, rule, credential, served_under, requires_python, yanked, served_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, file) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256,
        action = excluded.action, rule = excluded.rule, credential = excluded.credential, served_under = excluded.served_under,
        requires_python = excluded.requires_python, yanked = excluded.yanked, served_at = excluded.served_at`),
      servedFiles: p(`SELECT * FROM served_files WHERE name = ? ORDER BY file`),
      insertWaiver: p(`INSERT INTO waivers (name, version, by, reason, expires_at, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`),
    };
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.#db.exec('COMMIT');
      return r;
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  generation(): number {
    return Number((this.#s.generation!.get() as Row).value);
  }

  /** One firewall writes a database file: records are stored as given (no other writer to lose a race to). */
  async recordDecisions(records: DecisionRecord[]): Promise<DecisionRecord[]> {
    if (records.length === 0) return records;
    this.#tx(() => {
      for (const r of records) {
        const until = r.until ? r.until.getTime() : null;
        this.#s.upsertDecision!.run(r.name, r.version, r.action, r.rule, r.reason, until, r.integrity ?? null, r.credential ?? null, r.policyVersion, r.decidedAt.getTime());
        if (r.action === 'quarantine') this.#s.enqueue!.run(r.name, r.version, r.rule, r.reason, until, r.decidedAt.getTime());
      }
    });
    return records;
  }

  async decision(name: string, version: string): Promise<DecisionRecord | undefined> {
    const r = this.#s.decision!.get(name, version) as Row | undefined;
    return r ? toDecision(r) : undefined;
  }

  audit(e: AuditEntry): void {
    // Identical lines within one batch become one row with a count and the time of the last (audit-buffer.ts).
    this.#audit.add(e);
    if (this.#audit.size >= AUDIT_FLUSH_LINES) this.#flushLater();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#flushLater(), AUDIT_FLUSH_MS);
      this.#timer.unref();
    }
  }

  /** Writes the pending audit lines; a failed write (the database locked past the busy timeout) keeps them and throws. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#audit.size === 0 || !this.#db.isOpen) return;
    const batch = this.#audit.take();
    try {
      this.#tx(() => {
        for (const e of batch) this.#s.audit!.run(e.at.getTime(), e.client, e.kind, e.name, e.version ?? null, e.action, e.rule ?? null, e.status, e.count ?? 1, e.lastAt?.getTime() ?? null);
      });
    } catch (e) {
      this.#audit.putBack(batch);
      throw e;
    }
  }

  /** A flush off the request path: a failed write is tried again later, never thrown at the request that filled the batch. */
  #flushLater(): void {
    try {
      this.flush();
    } catch {
      this.#timer = setTimeout(() => this.#flushLater(), AUDIT_FLUSH_MS);
      this.#timer.unref();
    }
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    this.flush();
    return (this.#s.auditLog!.all(limit) as Row[]).map(toAudit);
  }

  async searchAudit(q: AuditQuery): Promise<AuditPage> {
    this.flush();
    return this.#views.searchAudit(q);
  }

  async ruleCounts(recentAuditRows: number): Promise<RuleCount[]> {
    this.flush();
    return this.#views.ruleCounts(recentAuditRows);
  }

  async pruneAudit(retentionMs: number): Promise<number> {
    this.flush();
    const retention = Math.round(retentionMs);
    this.#tx(() => {
      this.#s.addRetention!.run(retention);
      this.#s.growRetention!.run(retention);
    });
    let removed = 0;
    // In batches, each its own transaction, so a large first prune never holds the write lock for long.
    for (;;) {
      let n = 0;
      this.#tx(() => {
        const kept = (this.#s.keepAuditFrom!.get() as Row | undefined)?.value;
        n = kept == null ? 0 : Number(this.#s.pruneAudit!.run(Number(kept)).changes);
      });
      removed += n;
      if (n < AUDIT_PRUNE_BATCH) return removed;
    }
  }

  async quarantine(): Promise<QuarantineEntry[]> {
    return (this.#s.quarantine!.all() as Row[]).map(toQuarantine);
  }

  async release(name: string, version: string): Promise<Release | undefined> {
    const r = this.#s.release!.get(name, version) as Row | undefined;
    return r ? toRelease(r) : undefined;
  }

  async releaseFromQuarantine(name: string, version: string, by: string, reason: string): Promise<Release> {
    return this.#tx(() => {
      const r = toRelease(this.#s.insertRelease!.get(name, version, by, reason, Date.now()) as Row);
      this.#s.bump!.run();
      return r;
    });
  }

  async recordScan(name: string, version: string, findings: ScanFinding[], blocks: boolean): Promise<void> {
    this.#tx(() => {
      this.#s.recordScan!.run(name, version, JSON.stringify(findings), Date.now(), SCANNER_VERSION);
      if (blocks) this.#s.bump!.run();
    });
  }

  async scanFindings(name: string, version: string): Promise<ScanFinding[] | undefined> {
    const r = this.#s.scan!.get(name, version, SCANNER_VERSION) as Row | undefined;
    return r ? (JSON.parse(String(r.findings)) as ScanFinding[]) : undefined;
  }

  async rememberFileDigest(name: string, file: string, sha256: string): Promise<string> {
    this.#s.rememberDigest!.run(name, file, sha256, Date.now());
    return String((this.#s.fileDigest!.get(name, file) as Row).sha256);
  }

  async fileDigests(name: string): Promise<Map<string, string>> {
    return new Map((this.#s.fileDigests!.all(name) as Row[]).map((r) => [String(r.file), String(r.sha256)]));
  }

  async recordServedFile(f: ServedFile): Promise<void> {
    this.#s.recordServedFile!.run(f.name, f.file, f.version, f.sha256, f.action, f.rule, f.credential, f.servedUnder, f.requiresPython ?? null, JSON.stringify(f.yanked), f.servedAt.getTime());
  }

  async servedFiles(name: string): Promise<ServedFile[]> {
    return (this.#s.servedFiles!.all(name) as Row[]).map((r) => servedFileOf(r, Number(r.served_at)));
  }

  async activeWaiver(name: string, version: string, now: Date): Promise<Waiver | undefined> {
    return this.#waivers(name, now).find((w) => waiverCovers(w.version, version, ecosystemOfKey(name)));
  }

  #waivers(name: string, now: Date): Waiver[] {
    return (this.#s.waiver!.all(name, now.getTime()) as Row[]).map(toWaiver);
  }

  async records(name: string, now: Date): Promise<PackageRecords> {
    return {
      waivers: this.#waivers(name, now),
      releases: (this.#s.releases!.all(name) as Row[]).map(toRelease),
      scans: new Map((this.#s.scans!.all(name, SCANNER_VERSION) as Row[]).map((r) => [String(r.version), JSON.parse(String(r.findings)) as ScanFinding[]])),
    };
  }

  async addWaiver(w: { name: string; version: string; by: string; reason: string; expiresAt?: Date }): Promise<Waiver> {
    return this.#tx(() => {
      const r = toWaiver(this.#s.insertWaiver!.get(w.name, w.version, w.by, w.reason, w.expiresAt ? w.expiresAt.getTime() : null, Date.now()) as Row);
      this.#s.bump!.run();
      return r;
    });
  }

  async waivers(now: Date, limit: number): Promise<Waiver[]> {
    return this.#views.waivers(now, limit);
  }

  async revokeWaiver(id: number, now: Date): Promise<Waiver | undefined> {
    return this.#tx(() => {
      const w = this.#views.revoke(id, now);
      if (w) this.#s.bump!.run();
      return w;
    });
  }

  async ping(): Promise<void> {
    this.#s.generation!.get();
  }

  async close(): Promise<void> {
    this.flush();
    if (this.#db.isOpen) this.#db.close();
  }
}
