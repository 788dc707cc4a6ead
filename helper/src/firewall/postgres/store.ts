/**
 * The Store on PostgreSQL, shared by any number of `firewall serve` replicas. Every write commits before the
 * method returns (synchronous_commit as the server sets it, on by default), so a decision acknowledged to a
 * client survives the replica being killed. Releases and waivers bump a generation that every replica hears
 * through LISTEN/NOTIFY (listener.ts), so their cached packuments are filtered again within moments.
 * Two replicas deciding one version at once keep the first decision committed (the primary key, and an upsert
 * that keeps a decision made under the same inputs). A database that cannot be reached fails every method
 * with ServiceError UNAVAILABLE, which the server answers with 503: nothing is served unchecked.
 */
import pg from 'pg';
import { ServiceError } from '../../errors.js';
import { SCANNER_VERSION } from '../../scan/version.js';
import { AuditBuffer } from '../audit-buffer.js';
import type { Logger } from '../log.js';
import { ecosystemOfKey, waiverCovers } from '../operator.js';
import type { AuditEntry, AuditPage, AuditQuery, DecisionRecord, PackageRecords, QuarantineEntry, Release, RuleCount, ScanFinding, ServedFile, Store, Waiver } from '../store.js';
import { servedFileOf } from '../served-file.js';
import type { PostgresTarget } from './connect.js';
import { GenerationListener } from './listener.js';
import { migrate, pendingMigrations } from './migrations.js';
import { date, insufficientPrivilege, toAudit, toDecision, toQuarantine, toRelease, toWaiver, unavailable, type Row } from './rows.js';
import { ruleCounts, searchAudit } from './views.js';
import { PostgresSessions } from './sessions.js';
import { PostgresServed } from './served.js';

/** Connections per replica: requests beyond them wait for one (pg.Pool queues). */
export const POOL_SIZE = 10;
/** How long a request waits for a connection before it is refused with 503. */
const CONNECT_TIMEOUT_MS = 2000;
/** No statement of ours runs longer; past it the request fails closed. */
const STATEMENT_TIMEOUT_MS = 10_000;
const AUDIT_FLUSH_MS = 100;
const AUDIT_FLUSH_LINES = 500;
const AUDIT_PRUNE_BATCH = 10_000;
/** Audit rows per INSERT statement (10 parameters each, under PostgreSQL's 65,535). */
const AUDIT_INSERT_ROWS = 1000;


export interface PostgresStoreOptions {
  log?: Logger;
  /** Replicas also LISTEN for generation bumps; a one-shot CLI command does not need to. */
  listen?: boolean;
}

export async function openPostgresStore(target: PostgresTarget, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const pool = new pg.Pool({
    ...target.config,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'sscs-firewall',
  });
  // An idle connection dropped by the server (restart, failover) is an event, not a crash: the next query reconnects.
  pool.on('error', (e) => opts.log?.({ event: 'database-connection-lost', database: target.label, message: e.message }));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new ServiceError('UNAVAILABLE', `cannot connect to the firewall database at ${target.label}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const applied = await migrateAsAllowed(client, target);
    if (applied.length) opts.log?.({ event: 'database-migrated', database: target.label, applied });
  } catch (e) {
    client.release();
    await pool.end().catch(() => undefined);
    throw e;
  }
  client.release();
  const store = new PostgresStore(pool, target, opts.log);
  try {
    await store.refreshGeneration();
    if (opts.listen !== false) await store.listen();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e instanceof ServiceError ? e : new ServiceError('UNAVAILABLE', `cannot listen for other replicas' changes on ${target.label}: ${(e as Error).message}`, { cause: e });
  }
  return store;
}

const OWNER_HINT = "run 'sscs firewall migrate' with the same --database as the owner role (its password in PGPASSWORD, a pgpass file or SSCS_FIREWALL_DATABASE), with --grant ROLE for this role";

/**
 * Applies what the database lacks when allowed to (target.migrate auto), else refuses to start; a role without
 * the rights to read or migrate the schema gets an error saying to run the migration as the owner.
 */
async function migrateAsAllowed(client: pg.PoolClient, target: PostgresTarget): Promise<number[]> {
  const denied = (e: unknown, doing: string): unknown =>
    insufficientPrivilege(e)
      ? new ServiceError('SERVICE', `the role connecting to the firewall database at ${target.label} may not ${doing} (${((e as { cause?: Error }).cause ?? (e as Error)).message}): ${OWNER_HINT}`, { cause: e })
      : e;
  let pending;
  try {
    pending = await pendingMigrations(client);
  } catch (e) {
    throw denied(e, 'read its schema version');
  }
  if (!pending.length) return [];
  const missing = pending.map((m) => m.version).join(', ');
  if (target.migrate === 'never') {
    throw new ServiceError('SERVICE', `the firewall database at ${target.label} lacks migration ${missing}, and --migrate never forbids applying it here: ${OWNER_HINT}`);
  }
  try {
    return await migrate(client);
  } catch (e) {
    throw denied(e, `apply migration ${missing}`);
  }
}

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #target: PostgresTarget;
  readonly #log: Logger | undefined;
  readonly #audit = new AuditBuffer();
  #listener: GenerationListener | undefined;
  #generation = 0;
  /** Reads of the generation started, and the latest whose answer was applied (refreshGeneration). */
  #generationReads = 0;
  #generationApplied = 0;
  #rereading: Promise<void> | undefined;
  #rereadAgain = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  readonly sessions: PostgresSessions;
  readonly served: PostgresServed;

  constructor(pool: pg.Pool, target: PostgresTarget, log?: Logger) {
    this.#pool = pool;
    this.#target = target;
    this.#log = log;
    this.sessions = new PostgresSessions((sql, params) => this.#q(sql, params), (fn) => this.#tx(fn));
    this.served = new PostgresServed((sql, params) => this.#q(sql, params), (fn) => this.#tx(fn));
  }

  /** Runs one statement; a failure to reach the database becomes UNAVAILABLE (503), never an internal error. */
  async #q<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.#pool.query<T>(sql, params)).rows;
    } catch (e) {
      throw unavailable(e, this.#target);
    }
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await this.#pool.connect();
    } catch (e) {
      throw unavailable(e, this.#target);
    }
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw unavailable(e, this.#target);
    } finally {
      c.release();
    }
  }

  async listen(): Promise<void> {
    this.#listener = new GenerationListener(this.#target, {
      onNotify: () => this.#rereadSoon(),
      // After a reconnect, a bump made while the connection was down was never heard: read it.
      onListening: () => this.refreshGeneration().catch(() => undefined),
      ...(this.#log ? { log: this.#log } : {}),
    });
    await this.#listener.start();
  }

  /**
   * One read of the generation at a time for notifications, and one more after it when any arrived meanwhile (the
   * read in flight may predate their commit): a flood of notifications, forged or not, costs two reads.
   */
  #rereadSoon(): void {
    if (this.#rereading) {
      this.#rereadAgain = true;
      return;
    }
    this.#rereading = (async () => {
      do {
        this.#rereadAgain = false;
        await this.refreshGeneration().catch(() => undefined);
      } while (this.#rereadAgain && !this.#closed);
    })().finally(() => {
      this.#rereading = undefined;
    });
  }

  /**
   * The generation is what the database says, set rather than raised: a value from anywhere else (a notification's
   * payload) could freeze it. Of reads that overlap, the one started last wins, so an older answer arriving late
   * never brings back a generation that cached packuments were already filtered under.
   */
  async refreshGeneration(): Promise<void> {
    const read = ++this.#generationReads;
    const [r] = await this.#q(`SELECT value FROM meta WHERE key = 'generation'`);
    if (read < this.#generationApplied) return;
    this.#generationApplied = read;
    this.#generation = Number(r?.value ?? 0);
  }

  generation(): number {
    return this.#generation;
  }

  async recordDecisions(records: DecisionRecord[]): Promise<DecisionRecord[]> {
    if (records.length === 0) return records;
    const generation = this.#generation;
    return await this.#tx(async (c) => {
      const stored: DecisionRecord[] = [];
      for (const r of records) {
        // Under the same inputs (policy version, generation) and not yet expired, the decision committed
        // first stands: a replica losing the race answers from it. Integrity and credential are added either way.
        const row = (await c.query(
          `INSERT INTO decisions AS d (name, version, action, rule, reason, until, integrity, credential, policy_version, generation, decided_at, served_under)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $7::text IS NOT NULL THEN $9 END)
           ON CONFLICT (name, version) DO UPDATE SET
             action = CASE WHEN ${SAME} THEN d.action ELSE excluded.action END,
             rule = CASE WHEN ${SAME} THEN d.rule ELSE excluded.rule END,
             reason = CASE WHEN ${SAME} THEN d.reason ELSE excluded.reason END,
             until = CASE WHEN ${SAME} THEN d.until ELSE excluded.until END,
             decided_at = CASE WHEN ${SAME} THEN d.decided_at ELSE excluded.decided_at END,
             policy_version = excluded.policy_version, generation = excluded.generation,
             integrity = COALESCE(excluded.integrity, d.integrity), credential = COALESCE(excluded.credential, d.credential),
             served_under = CASE WHEN excluded.integrity IS NOT NULL THEN excluded.policy_version ELSE d.served_under END
           RETURNING *`,
          [r.name, r.version, r.action, r.rule, r.reason, r.until ?? null, r.integrity ?? null, r.credential ?? null, r.policyVersion, generation, r.decidedAt],
        )).rows[0] as Row;
        const kept = toDecision(row);
        if (kept.action === 'quarantine') {
          await c.query('INSERT INTO quarantine (name, version, rule, reason, until, queued_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [kept.name, kept.version, kept.rule, kept.reason, kept.until ?? null, kept.decidedAt]);
        }
        stored.push(kept);
      }
      return stored;
    });
  }

  async decision(name: string, version: string): Promise<DecisionRecord | undefined> {
    const [r] = await this.#q('SELECT * FROM decisions WHERE name = $1 AND version = $2', [name, version]);
    return r ? toDecision(r) : undefined;
  }

  audit(e: AuditEntry): void {
    if (this.#closed) return;
    this.#audit.add(e);
    if (this.#audit.size >= AUDIT_FLUSH_LINES) void this.#flushSoon(0);
    else void this.#flushSoon(AUDIT_FLUSH_MS);
  }

  #flushSoon(ms: number): void {
    if (this.#timer && ms > 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failed write keeps the lines (bounded) and tries again later; it is logged, never thrown at a request.
      this.flush().catch((e: Error) => {
        this.#log?.({ event: 'audit-write-failed', message: e.message, pending: this.#audit.size });
        if (!this.#closed) this.#flushSoon(Math.max(AUDIT_FLUSH_MS, 1000));
      });
    }, ms);
    this.#timer.unref();
  }

  /** Writes the buffered audit lines, AUDIT_INSERT_ROWS per statement, in one transaction; one flush at a time. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    const batch = this.#audit.take();
    if (batch.length === 0) return;
    this.#flushing = this.#tx(async (c) => {
      // A statement takes at most 65,535 parameters: a backlog (after an outage) goes in several.
      for (let at = 0; at < batch.length; at += AUDIT_INSERT_ROWS) {
        const chunk = batch.slice(at, at + AUDIT_INSERT_ROWS);
        const values: unknown[] = [];
        const rows = chunk.map((e, i) => {
          values.push(e.at, e.client, e.kind, e.name, e.version ?? null, e.action, e.rule ?? null, e.status, e.count ?? 1, e.lastAt ?? null);
          return `(${Array.from({ length: 10 }, (_, j) => `$${i * 10 + j + 1}`).join(', ')})`;
        });
        await c.query(`INSERT INTO audit (at, client, kind, name, version, action, rule, status, count, last_at) VALUES ${rows.join(', ')}`, values);
      }
    });
    try {
      await this.#flushing;
    } catch (e) {
      this.#audit.putBack(batch);
      throw e;
    } finally {
      this.#flushing = undefined;
    }
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    await this.flush();
    return (await this.#q('SELECT * FROM audit ORDER BY id DESC LIMIT $1', [limit])).map(toAudit);
  }

  async searchAudit(q: AuditQuery): Promise<AuditPage> {
    await this.flush();
    return await searchAudit((sql, params) => this.#q(sql, params), q);
  }

  async ruleCounts(recentAuditRows: number): Promise<RuleCount[]> {
    await this.flush();
    return await ruleCounts((sql, params) => this.#q(sql, params), recentAuditRows);
  }

  async pruneAudit(retentionMs: number): Promise<number> {
    await this.flush();
    // Recorded first: the database moves the window's start no further than its own now() minus the longest
    // retention ever recorded (migration 5), so a prune, ours or anyone's, removes only what retention lets go.
    let removed = 0;
    try {
      // Only the owner of meta may record it (migration 10): a replica role is refused here, before any DELETE.
      await this.#q(`INSERT INTO meta (key, value) VALUES ('audit_retention_ms', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [Math.round(retentionMs)]);
      for (;;) {
        // In batches, each its own transaction; the trigger refuses any row inside the window whatever asks.
        const n = await this.#tx(async (c) => {
          // The bound is ours: the lesser of the stored start and now minus our own retention, never a stored
          // value alone (one written by anyone else could reach past what this retention lets go).
          const kept = (await c.query(`UPDATE meta SET value = (extract(epoch FROM now()) * 1000)::bigint - $1 WHERE key = 'audit_kept_from'
             RETURNING LEAST(value, (extract(epoch FROM now()) * 1000)::bigint - $1) AS value`, [Math.round(retentionMs)])).rows[0]?.value;
          if (kept == null) return 0;
          return (await c.query(`DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE COALESCE(last_at, at) < to_timestamp($1::bigint / 1000.0) ORDER BY id LIMIT ${AUDIT_PRUNE_BATCH})`, [kept])).rowCount ?? 0;
        });
        removed += n;
        if (n < AUDIT_PRUNE_BATCH) return removed;
      }
    } catch (e) {
      if (insufficientPrivilege(e) && /^permission denied/.test((e as Error).message)) {
        throw new ServiceError('SERVICE', `this role may not remove audit rows (${(e as Error).message}): with a least-privilege replica role, audit retention is the owner's job: run 'sscs firewall migrate --audit-retention-days N' as the owner on a schedule`, { cause: e });
      }
      throw e;
    }
  }

  async quarantine(): Promise<QuarantineEntry[]> {
    const rows = await this.#q('SELECT q.* FROM quarantine q WHERE NOT EXISTS (SELECT 1 FROM releases r WHERE r.name = q.name AND r.version = q.version) ORDER BY queued_at, name, version');
    return rows.map(toQuarantine);
  }

  async release(name: string, version: string): Promise<Release | undefined> {
    const [r] = await this.#q('SELECT * FROM releases WHERE name = $1 AND version = $2 ORDER BY id DESC LIMIT 1', [name, version]);
    return r ? toRelease(r) : undefined;
  }

  async releaseFromQuarantine(name: string, version: string, by: string, reason: string): Promise<Release> {
    // The insert bumps the generation and notifies every replica (trigger, migration 3).
    const [r] = await this.#q('INSERT INTO releases (name, version, by, reason, at) VALUES ($1, $2, $3, $4, now()) RETURNING *', [name, version, by, reason]);
    await this.refreshGeneration();
    return toRelease(r!);
  }

  async recordScan(name: string, version: string, findings: ScanFinding[], blocks: boolean): Promise<void> {
    await this.#tx(async (c) => {
      await c.query(
        `INSERT INTO scans (name, version, findings, scanned_at, scanner) VALUES ($1, $2, $3, now(), $4)
         ON CONFLICT (name, version) DO UPDATE SET findings = excluded.findings, scanned_at = excluded.scanned_at, scanner = excluded.scanner`,
        [name, version, JSON.stringify(findings), SCANNER_VERSION],
      );
      if (blocks) await c.query(`UPDATE meta SET value = value + 1 WHERE key = 'generation'`);
    });
    if (blocks) await this.refreshGeneration();
  }

  async rememberFileDigest(name: string, file: string, sha256: string): Promise<string> {
    await this.#q('INSERT INTO file_digests (name, file, sha256) VALUES ($1, $2, $3) ON CONFLICT (name, file) DO NOTHING', [name, file, sha256]);
    const [r] = await this.#q('SELECT sha256 FROM file_digests WHERE name = $1 AND file = $2', [name, file]);
    return String(r!.sha256);
  }

  async fileDigests(name: string): Promise<Map<string, string>> {
    return new Map((await this.#q('SELECT file, sha256 FROM file_digests WHERE name = $1', [name])).map((r) => [String(r.file), String(r.sha256)]));
  }

  async recordServedFile(f: ServedFile): Promise<void> {
    await this.#q(
      `INSERT INTO served_files (name, file, version, sha256, action, rule, credential, served_under, requires_python, yanked, served_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (name, file) DO UPDATE SET version = excluded.version,
       sha256 = excluded.sha256, action = excluded.action, rule = excluded.rule, credential = excluded.credential,
       served_under = excluded.served_under, requires_python = excluded.requires_python, yanked = excluded.yanked, served_at = excluded.served_at`,
      [f.name, f.file, f.version, f.sha256, f.action, f.rule, f.credential, f.servedUnder, f.requiresPython ?? null, JSON.stringify(f.yanked), f.servedAt],
    );
  }

  async servedFiles(name: string): Promise<ServedFile[]> {
    return (await this.#q('SELECT * FROM served_files WHERE name = $1 ORDER BY file', [name])).map((r) => servedFileOf(r, date(r.served_at)!.getTime()));
  }

  async scanFindings(name: string, version: string): Promise<ScanFinding[] | undefined> {
    const [r] = await this.#q('SELECT findings FROM scans WHERE name = $1 AND version = $2 AND scanner = $3', [name, version, SCANNER_VERSION]);
    return r ? (r.findings as ScanFinding[]) : undefined;
  }

  async activeWaiver(name: string, version: string, now: Date): Promise<Waiver | undefined> {
    return (await this.#waivers(name, now)).find((w) => waiverCovers(w.version, version, ecosystemOfKey(name)));
  }

  async #waivers(name: string, now: Date): Promise<Waiver[]> {
    return (await this.#q('SELECT * FROM waivers WHERE name = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY id DESC', [name, now])).map(toWaiver);
  }

  async records(name: string, now: Date): Promise<PackageRecords> {
    // One round trip for the three: a packument decides all its versions on them.
    const [r] = await this.#q(
      `SELECT
         (SELECT COALESCE(json_agg(w ORDER BY w.id DESC), '[]') FROM waivers w WHERE w.name = $1 AND (w.expires_at IS NULL OR w.expires_at > $2)) AS waivers,
         (SELECT COALESCE(json_agg(r ORDER BY r.id DESC), '[]') FROM releases r WHERE r.name = $1) AS releases,
         (SELECT COALESCE(json_agg(json_build_object('version', s.version, 'findings', s.findings)), '[]') FROM scans s WHERE s.name = $1 AND s.scanner = $3) AS scans`,
      [name, now, SCANNER_VERSION],
    );
    return {
      waivers: (r!.waivers as Row[]).map(toWaiver),
      releases: (r!.releases as Row[]).map(toRelease),
      scans: new Map((r!.scans as { version: string; findings: ScanFinding[] }[]).map((s) => [s.version, s.findings])),
    };
  }

  async addWaiver(w: { name: string; version: string; by: string; reason: string; expiresAt?: Date }): Promise<Waiver> {
    const [r] = await this.#q('INSERT INTO waivers (name, version, by, reason, expires_at, at) VALUES ($1, $2, $3, $4, $5, now()) RETURNING *', [w.name, w.version, w.by, w.reason, w.expiresAt ?? null]);
    await this.refreshGeneration();
    return toWaiver(r!);
  }

  async waivers(now: Date, limit: number): Promise<Waiver[]> {
    return (await this.#q('SELECT * FROM waivers WHERE expires_at IS NULL OR expires_at > $1 ORDER BY id DESC LIMIT $2', [now, limit])).map(toWaiver);
  }

  async revokeWaiver(id: number, now: Date): Promise<Waiver | undefined> {
    // The update bumps the generation and notifies every replica (trigger, migration 3), as adding one does.
    const [r] = await this.#q('UPDATE waivers SET expires_at = $1 WHERE id = $2 AND (expires_at IS NULL OR expires_at > $1) RETURNING *', [now, id]);
    if (!r) return undefined;
    await this.refreshGeneration();
    return toWaiver(r);
  }

  async ping(): Promise<void> {
    await this.#q('SELECT 1');
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      await this.flush();
    } catch (e) {
      this.#log?.({ event: 'audit-write-failed', message: (e as Error).message, pending: this.#audit.size });
    }
    this.#closed = true;
    await this.#listener?.stop();
    await this.#rereading;
    await this.#pool.end();
  }
}

/** The stored decision stands: same policy version and generation, and not a time-limited one past its end. */
const SAME = `(d.policy_version = excluded.policy_version AND d.generation = excluded.generation AND (d.until IS NULL OR d.until > now()))`;
