import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import { serveSettings } from '../../helper/dist/firewall/config.js';
import { runCli } from '../support/cli.js';

const DAY = 24 * 60 * 60 * 1000;
const line = (at: Date, name: string) => ({ at, client: '127.0.0.1', kind: 'tarball' as const, name, version: '1.0.0', action: 'allow', rule: 'default', status: 200 });

describe('firewall audit retention', () => {
  it('removes rows whose last occurrence is older than the window, and no others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-audit-ret-'));
    const store = await openSqliteStore(join(dir, 'firewall.db'));
    const now = Date.now();
    store.audit(line(new Date(now - 40 * DAY), 'old-pkg'));
    // One row that began long ago but was repeated recently (aggregated: last_at is recent) is kept.
    store.audit(line(new Date(now - 40 * DAY), 'still-hot'));
    store.audit(line(new Date(now - 1 * DAY), 'still-hot'));
    store.audit(line(new Date(now - 1 * DAY), 'new-pkg'));
    expect(await store.pruneAudit(30 * DAY)).toBe(1);
    expect((await store.auditLog(10)).map((e) => e.name).sort()).toEqual(['new-pkg', 'still-hot']);
    await store.close();
  });

  it('lets the database refuse to remove a row inside the window, whoever asks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-audit-ret-'));
    const store = await openSqliteStore(join(dir, 'firewall.db'));
    store.audit(line(new Date(), 'recent'));
    await store.auditLog(1); // flushes
    await store.close();
    const db = new DatabaseSync(join(dir, 'firewall.db'));
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    expect(() => db.exec("UPDATE audit SET name = 'x'")).toThrow(/append-only/);
    db.close();
  });

  it('refuses to widen the window by hand: the start pushed ahead or removed, the retention shortened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-audit-ret-'));
    const path = join(dir, 'firewall.db');
    const store = await openSqliteStore(path);
    const now = Date.now();
    store.audit(line(new Date(now - 40 * DAY), 'old-pkg'));
    store.audit(line(new Date(now - DAY), 'new-pkg'));
    await store.auditLog(1); // flushes
    const db = new DatabaseSync(path);
    const keptFrom = (): number => Number((db.prepare(`SELECT value FROM meta WHERE key = 'audit_kept_from'`).get() as { value: number }).value);
    // No retention recorded: the start does not move at all.
    expect(() => db.exec(`UPDATE meta SET value = ${now - 30 * DAY} WHERE key = 'audit_kept_from'`)).toThrow(/append-only/);
    // Issue 14's two statements, then their variants.
    expect(() => db.exec(`UPDATE meta SET value = 253402300799000 WHERE key = 'audit_kept_from'`)).toThrow(/append-only/);
    expect(() => db.exec(`DELETE FROM meta WHERE key = 'audit_kept_from'`)).toThrow(/append-only/);
    expect(() => db.exec(`DELETE FROM meta`)).toThrow(/append-only/);
    expect(() => db.exec(`UPDATE meta SET key = 'gone' WHERE key = 'audit_kept_from'`)).toThrow(/append-only/);
    expect(() => db.exec(`UPDATE meta SET value = NULL WHERE key = 'audit_kept_from'`)).toThrow(/append-only|NOT NULL/);
    expect(() => db.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_kept_from', 253402300799000)`)).toThrow(/append-only/);
    expect(() => db.exec(`INSERT INTO meta (key, value) VALUES ('audit_retention_ms', 60000)`)).toThrow(/append-only/);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    expect(keptFrom()).toBe(0);
    // Retention still removes what is genuinely old, and the recorded retention then only grows.
    expect(await store.pruneAudit(30 * DAY)).toBe(1);
    expect(() => db.exec(`UPDATE meta SET value = ${DAY} WHERE key = 'audit_retention_ms'`)).toThrow(/append-only/);
    expect(() => db.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_retention_ms', ${DAY})`)).toThrow(/append-only/);
    expect(() => db.exec(`UPDATE meta SET value = 253402300799000 WHERE key = 'audit_kept_from'`)).toThrow(/append-only/);
    expect(keptFrom()).toBeLessThanOrEqual(Date.now() - 30 * DAY);
    expect(keptFrom()).toBeGreaterThan(now - 31 * DAY);
    expect(() => db.exec('DELETE FROM audit')).toThrow(/append-only/);
    // A shorter retention given later prunes by the recorded one: the row of yesterday stays.
    expect(await store.pruneAudit(DAY / 2)).toBe(0);
    expect((await store.auditLog(10)).map((e) => e.name)).toEqual(['new-pkg']);
    db.close();
    await store.close();
  });

  it('replaces the refuse-every-delete trigger of a database from before retention', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-audit-ret-'));
    const path = join(dir, 'firewall.db');
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, client TEXT NOT NULL, kind TEXT NOT NULL,
      name TEXT NOT NULL, version TEXT, action TEXT NOT NULL, rule TEXT, status INTEGER NOT NULL);
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      INSERT INTO audit (at, client, kind, name, version, action, rule, status) VALUES (${Date.now() - 400 * DAY}, 'c', 'tarball', 'ancient', '1.0.0', 'allow', 'default', 200);`);
    old.close();
    const store = await openSqliteStore(path);
    expect(await store.pruneAudit(30 * DAY)).toBe(1);
    await store.close();
  });

  it('reads --audit-retention-days, flag over environment, and refuses a value that is not a positive number', async () => {
    const base = { policy: 'p.yml' };
    expect(serveSettings({ ...base, 'audit-retention-days': '30' }, { SSCS_FIREWALL_AUDIT_RETENTION_DAYS: '7' }, '/w').auditRetentionMs).toBe(30 * DAY);
    expect(serveSettings(base, { SSCS_FIREWALL_AUDIT_RETENTION_DAYS: '7' }, '/w').auditRetentionMs).toBe(7 * DAY);
    expect(serveSettings(base, {}, '/w').auditRetentionMs).toBeUndefined();
    expect(() => serveSettings({ ...base, 'audit-retention-days': '0.5' }, {}, '/w')).toThrow(/at least 1/);
    const r = await runCli(['firewall', 'serve', '--policy', 'p.yml', '--audit-retention-days', 'forever']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--audit-retention-days');
  });
});
