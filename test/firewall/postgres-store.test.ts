import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { openPostgresStore, type PostgresStore } from '../../helper/dist/firewall/postgres/store.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION } from '../../helper/dist/firewall/postgres/migrations.js';
import { postgresTarget } from '../../helper/dist/firewall/postgres/connect.js';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import type { DecisionRecord, Store } from '../../helper/dist/firewall/store.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

const DAY = 86_400_000;
const env = (p: TestPostgres): NodeJS.ProcessEnv => ({ PGPASSWORD: p.password });

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('PostgreSQL store', () => {
  let p: TestPostgres;
  // pg lets a connection string's (absent) password win over the one given beside it: parse first.
  const asApp = (url: string): pg.ClientConfig => ({ ...parseIntoClientConfig(url), password: p.password });
  const open: PostgresStore[] = [];
  const openPg = async (url: string, listen = true): Promise<PostgresStore> => {
    const s = await openPostgresStore(postgresTarget(url, env(p), true), { listen });
    open.push(s);
    return s;
  };
  beforeAll(async () => {
    p = await startPostgres();
  });
  afterAll(async () => {
    for (const s of open) await s.close().catch(() => undefined);
    await p?.close();
  });

  it('behaves as the SQLite store does, operation for operation', async () => {
    const sqlite = await openSqliteStore(join(await mkdtemp(join(tmpdir(), 'sscs-parity-')), 'firewall.db'));
    const postgres = await openPg(await p.createDatabase('parity'));
    const now = new Date();
    const script = async (s: Store): Promise<unknown[]> => {
      const out: unknown[] = [];
      const g0 = s.generation();
      const d = (version: string, action: DecisionRecord['action']): DecisionRecord => ({ name: 'q-pkg', version, action, rule: 'hold', reason: 'new', policyVersion: 'p1', decidedAt: new Date(now.getTime() - 1000) });
      await s.recordDecisions([d('1.0.0', 'quarantine'), d('2.0.0', 'deny')]);
      await s.recordDecisions([{ ...d('1.0.0', 'quarantine'), integrity: 'sha512-abc', credential: 'anonymous' }]);
      const dec = await s.decision('q-pkg', '1.0.0');
      out.push({ ...dec, decidedAt: undefined });
      out.push((await s.quarantine()).map((q) => `${q.name}@${q.version} ${q.rule}`));
      const r = await s.releaseFromQuarantine('q-pkg', '1.0.0', 'alice', 'reviewed');
      out.push([r.name, r.version, r.by, r.reason], (await s.release('q-pkg', '1.0.0'))?.by, await s.quarantine());
      const w = await s.addWaiver({ name: 'w-pkg', version: '>=1.0.0 <2.0.0', by: 'bob', reason: 'ours', expiresAt: new Date(now.getTime() + DAY) });
      out.push((await s.activeWaiver('w-pkg', '1.5.0', now))?.by, await s.activeWaiver('w-pkg', '2.0.0', now));
      await s.recordScan('q-pkg', '2.0.0', [{ rule: 'eval', severity: 'high', evidence: 'index.js:1' }], true);
      out.push(await s.scanFindings('q-pkg', '2.0.0'));
      const rec = await s.records('q-pkg', now);
      out.push(rec.releases.map((x) => x.version), [...rec.scans.keys()]);
      out.push((await s.waivers(now, 10)).map((x) => x.version));
      out.push((await s.revokeWaiver(w.id, now))?.version, (await s.waivers(now, 10)).length);
      out.push(s.generation() - g0 > 0);
      for (let i = 0; i < 3; i++) s.audit({ at: new Date(now.getTime() + i), client: '10.0.0.1', kind: 'tarball', name: 'q-pkg', version: '2.0.0', action: 'deny', rule: 'hold', status: 403 });
      s.audit({ at: now, client: '10.0.0.2', kind: 'packument', name: 'evil_pkg', action: 'allow', status: 200 });
      out.push((await s.auditLog(10)).map((e) => `${e.client} ${e.name} ${e.count ?? 1}`));
      out.push((await s.searchAudit({ text: 'evil_', limit: 10, scanRows: 100 })).rows.map((e) => e.name), await s.searchAudit({ text: '%', limit: 10, scanRows: 100 }));
      out.push((await s.searchAudit({ limit: 1, scanRows: 100 })).next !== undefined);
      out.push(await s.ruleCounts(1000));
      // A PyPI file's first sha256 is kept (first writer wins); a later one is not stored.
      out.push(await s.rememberFileDigest('pkg:pypi/f', 'f-1.0.whl', 'aa'), await s.rememberFileDigest('pkg:pypi/f', 'f-1.0.whl', 'bb'));
      out.push([...(await s.fileDigests('pkg:pypi/f'))], (await s.fileDigests('pkg:pypi/none')).size);
      // A served PyPI file's decision: the last one recorded for the file stands.
      const served = { name: 'pkg:pypi/f', file: 'f-1.0.whl', version: '1.0', sha256: 'a'.repeat(64), action: 'allow' as const, rule: 'default', credential: 'anonymous', servedUnder: 'p1', yanked: 'broken' as string | boolean, servedAt: new Date(now.getTime()) };
      await s.recordServedFile(served);
      await s.recordServedFile({ ...served, servedUnder: 'p2', requiresPython: '>=3.8', yanked: false });
      out.push(await s.servedFiles('pkg:pypi/f'), await s.servedFiles('pkg:pypi/none'));
      return out;
    };
    const a = await script(sqlite);
    const b = await script(postgres);
    await sqlite.close();
    expect(b).toEqual(a);
    expect(a[0]).toMatchObject({ action: 'quarantine', integrity: 'sha512-abc', credential: 'anonymous', servedUnder: 'p1' });
    expect(a.at(-2)).toEqual([expect.objectContaining({ file: 'f-1.0.whl', servedUnder: 'p2', requiresPython: '>=3.8', yanked: false })]);
  });

  it('keeps the audit log append-only in the database itself, retention included', async () => {
    const url = await p.createDatabase('appendonly');
    const s = await openPg(url);
    const now = Date.now();
    s.audit({ at: new Date(now - 40 * DAY), client: 'c', kind: 'tarball', name: 'old-pkg', action: 'allow', status: 200 });
    s.audit({ at: new Date(now - DAY), client: 'c', kind: 'tarball', name: 'new-pkg', action: 'allow', status: 200 });
    await s.flush();
    // The app role, straight in SQL, not through our code.
    const c = new pg.Client(asApp(url));
    await c.connect();
    const keptFrom = async (): Promise<number> => Number((await c.query(`SELECT value FROM meta WHERE key = 'audit_kept_from'`)).rows[0].value);
    const rows = async (): Promise<number> => Number((await c.query('SELECT count(*) AS n FROM audit')).rows[0].n);
    try {
      await expect(c.query(`UPDATE audit SET action = 'deny'`)).rejects.toThrow(/append-only/);
      await expect(c.query(`DELETE FROM audit`)).rejects.toThrow(/append-only/);
      await expect(c.query(`TRUNCATE audit`)).rejects.toThrow(/append-only/);
      // No retention recorded yet: the window's start does not move at all, not even to a past time.
      await c.query(`UPDATE meta SET value = $1 WHERE key = 'audit_kept_from'`, [now - 30 * DAY]);
      expect(await keptFrom()).toBe(0);
      // Issue 14's two statements: the start pushed to year 9999, and the start removed (NULL comparison).
      await c.query(`UPDATE meta SET value = 253402300799000 WHERE key = 'audit_kept_from'`);
      await expect(c.query(`DELETE FROM audit`)).rejects.toThrow(/append-only/);
      await expect(c.query(`DELETE FROM meta WHERE key = 'audit_kept_from'`)).rejects.toThrow(/append-only/);
      await expect(c.query(`DELETE FROM audit`)).rejects.toThrow(/append-only/);
      // Nor renamed away, set to NULL, truncated with the rest of meta, or a retention of a minute claimed.
      await expect(c.query(`UPDATE meta SET key = 'gone' WHERE key = 'audit_kept_from'`)).rejects.toThrow(/append-only/);
      await c.query(`UPDATE meta SET value = NULL WHERE key = 'audit_kept_from'`);
      expect(await keptFrom()).toBe(0);
      await expect(c.query(`TRUNCATE meta`)).rejects.toThrow(/append-only/);
      await expect(c.query(`INSERT INTO meta (key, value) VALUES ('audit_retention_ms', 60000)`)).rejects.toThrow(/at least one day/);
      expect(await rows()).toBe(2);
    } finally {
      await c.end();
    }
    // Retention still removes what is genuinely old.
    expect(await s.pruneAudit(30 * DAY)).toBe(1);
    expect((await s.auditLog(10)).map((e) => e.name)).toEqual(['new-pkg']);
    const c2 = new pg.Client(asApp(url));
    await c2.connect();
    try {
      // The recorded retention only grows; the start stops at now minus it, and never moves back.
      await c2.query(`UPDATE meta SET value = $1 WHERE key = 'audit_retention_ms'`, [DAY]);
      expect(Number((await c2.query(`SELECT value FROM meta WHERE key = 'audit_retention_ms'`)).rows[0].value)).toBe(30 * DAY);
      await c2.query(`UPDATE meta SET value = 253402300799000 WHERE key = 'audit_kept_from'`);
      const kept = Number((await c2.query(`SELECT value FROM meta WHERE key = 'audit_kept_from'`)).rows[0].value);
      expect(kept).toBeLessThanOrEqual(Date.now() - 30 * DAY);
      expect(kept).toBeGreaterThan(now - 31 * DAY);
      await c2.query(`UPDATE meta SET value = 0 WHERE key = 'audit_kept_from'`);
      expect(Number((await c2.query(`SELECT value FROM meta WHERE key = 'audit_kept_from'`)).rows[0].value)).toBe(kept);
      await expect(c2.query(`DELETE FROM audit`)).rejects.toThrow(/append-only/);
      // Should the start go missing anyway (an owner disabling the guard), every delete is refused: fail closed.
      await c2.query('BEGIN');
      await c2.query('ALTER TABLE meta DISABLE TRIGGER meta_audit_guard');
      await c2.query(`DELETE FROM meta WHERE key = 'audit_kept_from'`);
      await expect(c2.query(`DELETE FROM audit`)).rejects.toThrow(/append-only/);
      await c2.query('ROLLBACK');
    } finally {
      await c2.end();
    }
    expect((await s.auditLog(10)).map((e) => e.name)).toEqual(['new-pkg']);
  });

  it('upgrades a database of schema version 4 with its audit rows to the newest, and closes the window there', async () => {
    const url = await p.createDatabase('upgrade4');
    const pool = new pg.Pool(asApp(url));
    const c = await pool.connect();
    expect(await migrate(c, 4)).toEqual([1, 2, 3, 4]);
    await c.query(`INSERT INTO audit (at, client, kind, name, action, status) VALUES (now() - interval '40 days', 'c', 'tarball', 'old-pkg', 'deny', 403), (now(), 'c', 'tarball', 'new-pkg', 'allow', 200)`);
    // Version 4 still has the hole: a removed start lets any row go (shown inside a transaction, rolled back).
    await c.query('BEGIN');
    await c.query(`DELETE FROM meta WHERE key = 'audit_kept_from'`);
    expect((await c.query('DELETE FROM audit')).rowCount).toBe(2);
    await c.query('ROLLBACK');
    c.release();
    const s = await openPg(url, false);
    expect((await pool.query('SELECT max(version) AS v FROM schema_migrations')).rows[0].v).toBe(SCHEMA_VERSION);
    expect((await s.auditLog(10)).map((e) => e.name).sort()).toEqual(['new-pkg', 'old-pkg']);
    await expect(pool.query(`DELETE FROM meta WHERE key = 'audit_kept_from'`)).rejects.toThrow(/append-only/);
    await pool.query(`UPDATE meta SET value = 253402300799000 WHERE key = 'audit_kept_from'`);
    await expect(pool.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
    expect(await s.pruneAudit(30 * DAY)).toBe(1);
    expect((await s.auditLog(10)).map((e) => e.name)).toEqual(['new-pkg']);
    await pool.end();
  });

  it('writes an audit backlog larger than one statement may carry (after an outage) without losing a line', async () => {
    const s = await openPg(await p.createDatabase('backlog'), false);
    const N = 12_000;
    for (let i = 0; i < N; i++) s.audit({ at: new Date(), client: `10.0.${i % 250}.1`, kind: 'tarball', name: `pkg-${i}`, action: 'allow', status: 200 });
    expect((await s.auditLog(N + 10)).length).toBe(N);
  });

  it('upgrades a database of schema version 1 with its rows, and refuses one newer than it knows', async () => {
    const url = await p.createDatabase('upgrade');
    const pool = new pg.Pool(asApp(url));
    const c = await pool.connect();
    expect(await migrate(c, 1)).toEqual([1]);
    await c.query(`INSERT INTO decisions VALUES ('old-pkg', '1.0.0', 'deny', 'r', 'why', NULL, NULL, NULL, 'p0', 0, now(), NULL)`);
    await c.query(`INSERT INTO audit (at, client, kind, name, action, status) VALUES (now() - interval '90 days', 'c', 'tarball', 'old-pkg', 'deny', 403)`);
    // Version 1 refuses every delete.
    await expect(c.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
    c.release();
    const s = await openPg(url, false);
    expect((await s.decision('old-pkg', '1.0.0'))?.action).toBe('deny');
    expect(await s.pruneAudit(30 * DAY)).toBe(1);
    const versions = (await pool.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => Number(r.version));
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    // A later sscs wrote migration 99: this one does not touch it.
    await pool.query(`INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')`);
    await pool.end();
    await expect(openPostgresStore(postgresTarget(url, env(p), true), { listen: false })).rejects.toThrow(/schema version 99, newer than this sscs knows/);
  });

  it('tells every replica of a release or waiver through NOTIFY, even one made by hand in SQL', async () => {
    const url = await p.createDatabase('notify');
    const a = await openPg(url);
    const b = await openPg(url);
    const g = b.generation();
    await a.addWaiver({ name: 'x', version: '1.0.0', by: 'a', reason: 'r' });
    const ms = await until('replica b to hear the waiver', () => b.generation() > g);
    expect(ms).toBeLessThan(1000);
    const [ga, gb] = [a.generation(), b.generation()];
    const c = new pg.Client(asApp(url));
    await c.connect();
    await c.query(`INSERT INTO releases (name, version, by, reason, at) VALUES ('y', '1.0.0', 'dba', 'by hand', now())`);
    await c.end();
    expect(await until('both replicas to hear the hand-made release', () => a.generation() > ga && b.generation() > gb)).toBeLessThan(1000);
  });

  it('keeps the first decision when two replicas decide one version at once, and both answer from it', async () => {
    const url = await p.createDatabase('race');
    const a = await openPg(url, false);
    const b = await openPg(url, false);
    const base = { name: 'raced', policyVersion: 'p1', rule: 'r', reason: 'why', decidedAt: new Date() };
    for (let i = 0; i < 20; i++) {
      const version = `1.0.${i}`;
      const [ra, rb] = await Promise.all([
        a.recordDecisions([{ ...base, version, action: 'quarantine', rule: 'scan-budget' }]),
        b.recordDecisions([{ ...base, version, action: 'allow', integrity: 'sha512-x', credential: 'anonymous' }]),
      ]);
      const stored = await a.decision('raced', version);
      expect(ra[0]!.action).toBe(stored!.action);
      expect(rb[0]!.action).toBe(stored!.action);
      // Whoever won, the bytes b served are remembered.
      expect(stored!.integrity).toBe('sha512-x');
    }
    // A later policy decides again: the first writer wins only under the same inputs.
    const [later] = await a.recordDecisions([{ ...base, version: '1.0.0', action: 'deny', policyVersion: 'p2' }]);
    expect(later!.action).toBe('deny');
  });

  it('fails closed while the database is away, and recovers by itself when it returns, LISTEN included', async () => {
    const url = await p.createDatabase('outage');
    const a = await openPg(url);
    const b = await openPg(url);
    await p.stop('immediate');
    try {
      const t0 = Date.now();
      await expect(a.decision('x', '1.0.0')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - t0).toBeLessThan(5000);
      await expect(a.addWaiver({ name: 'x', version: '1.0.0', by: 'a', reason: 'r' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      a.audit({ at: new Date(), client: 'c', kind: 'tarball', name: 'during-outage', action: 'allow', status: 200 });
      await expect(a.flush()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await p.start();
    }
    await until('the pool to reconnect', async () => (await a.decision('x', '1.0.0').then(() => true, () => false)), 15_000);
    // The audit line written during the outage was kept and goes in now.
    expect((await a.auditLog(10)).map((e) => e.name)).toContain('during-outage');
    // LISTEN is back on b: a waiver through a reaches it by notification (the poll is 10 s away).
    await until('b to listen again', async () => {
      const g = b.generation();
      await a.addWaiver({ name: 'y', version: '1.0.0', by: 'a', reason: 'r' });
      return await until('b to hear it', () => b.generation() > g, 800).then(() => true, () => false);
    }, 15_000);
  });
});
