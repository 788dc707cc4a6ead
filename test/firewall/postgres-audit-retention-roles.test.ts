/**
 * The replica role cannot steer the owner's audit prune: not through a temporary `meta` that would shadow
 * public.meta in the triggers (pg_temp comes first in a session's search_path), nor by recording a short
 * retention and moving the window's start itself. Two real roles on the throw-away cluster, as in
 * postgres-roles.test.ts; the owner prunes with `sscs firewall migrate --audit-retention-days 400`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runCli } from '../support/cli.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

const REPLICA = 'fw_retention_replica';
const DAY = 86_400_000;

describe('audit retention is the owner’s alone', () => {
  let p: TestPostgres;
  const replicaPassword = `replica-pw-${randomBytes(8).toString('hex')}`;
  const outputs: string[] = [];
  const cli = async (args: string[], password: string) => {
    const r = await runCli(args, { env: { PGPASSWORD: password } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const connect = async (db: string, user: string, password: string): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port: p.port, user, password, database: new URL(db).pathname.slice(1) });
    await c.connect();
    return c;
  };
  /** Each statement on its own: what it did, or the error it got. */
  const attempt = async (c: pg.Client, sql: string): Promise<string> => {
    try {
      await c.query(sql);
      return 'accepted';
    } catch (e) {
      return `${(e as { code?: string }).code} ${(e as Error).message}`;
    }
  };
  /** A migrated, granted database with audit rows 10 and 500 days old. */
  const database = async (name: string): Promise<string> => {
    const db = await p.createDatabase(name);
    const r = await cli(['firewall', 'migrate', '--database', db, '--grant', REPLICA], p.password);
    expect(r.exitCode, r.stderr).toBe(0);
    const owner = await connect(db, 'sscs', p.password);
    try {
      for (const days of [10, 500]) {
        await owner.query(`INSERT INTO audit (at, client, kind, name, action, status) VALUES (now() - make_interval(days => $1), 'test', 'admin', $2, 'probe', 0)`, [days, `row-${days}`]);
      }
    } finally {
      await owner.end();
    }
    return db;
  };
  const remaining = async (db: string): Promise<string[]> => {
    const owner = await connect(db, 'sscs', p.password);
    try {
      return (await owner.query<{ name: string }>('SELECT name FROM audit ORDER BY name')).rows.map((r) => r.name);
    } finally {
      await owner.end();
    }
  };

  beforeAll(async () => {
    p = await startPostgres();
    const a = await p.admin();
    await a.query(`CREATE ROLE ${REPLICA} LOGIN PASSWORD '${replicaPassword}'`);
    await a.end();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('a temporary meta table shadowing public.meta does not move the window (the prune keeps what is inside 400 days)', async () => {
    const db = await database('shadow');
    const c = await connect(db, REPLICA, replicaPassword);
    let steps: string[];
    try {
      steps = [
        await attempt(c, 'CREATE TEMP TABLE meta (key text primary key, value bigint)'),
        await attempt(c, `INSERT INTO pg_temp.meta VALUES ('audit_retention_ms', 0)`),
        await attempt(c, `UPDATE public.meta SET value = 9999999999999 WHERE key = 'audit_kept_from'`),
      ];
      expect((await c.query(`SELECT value::text FROM public.meta WHERE key = 'audit_kept_from'`)).rows[0].value).toBe('0');
    } finally {
      await c.end();
    }
    // No temporary tables for this role, and no writing the window's start.
    expect(steps[0]).toBe('42501 permission denied to create temporary tables in database "shadow"');
    expect(steps[2]).toMatch(/^42501 permission denied for meta audit_kept_from: only the owner of the firewall tables/);
    const prune = await cli(['firewall', 'migrate', '--database', db, '--audit-retention-days', '400'], p.password);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(prune.stdout).toContain('audit rows past the retention removed: 1');
    expect(await remaining(db)).toEqual(['row-10']);
  });

  it('the replica can neither record a short retention nor move the window’s start itself', async () => {
    const db = await database('short');
    const c = await connect(db, REPLICA, replicaPassword);
    try {
      expect(await attempt(c, `INSERT INTO meta (key, value) VALUES ('audit_retention_ms', ${DAY})`)).toMatch(/^42501 permission denied for meta audit_retention_ms: only the owner/);
      expect(await attempt(c, `UPDATE meta SET value = (extract(epoch FROM now()) * 1000)::bigint - ${DAY} WHERE key = 'audit_kept_from'`)).toMatch(/^42501 permission denied for meta audit_kept_from/);
      expect(await attempt(c, `DELETE FROM meta WHERE key = 'audit_kept_from'`)).toBe('42501 permission denied for table meta');
      // What a replica needs on meta still works: the generation.
      expect(await attempt(c, `UPDATE meta SET value = value + 1 WHERE key = 'generation'`)).toBe('accepted');
      expect((await c.query(`SELECT key FROM meta WHERE key LIKE 'audit%' ORDER BY key`)).rows.map((r) => r.key)).toEqual(['audit_kept_from']);
    } finally {
      await c.end();
    }
    const prune = await cli(['firewall', 'migrate', '--database', db, '--audit-retention-days', '400'], p.password);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(await remaining(db)).toEqual(['row-10']);
  });

  it('a prune bounds itself by its own retention, whatever start a database poisoned earlier holds', async () => {
    const db = await database('poisoned');
    // As a replica could write before migration 10: a one-day retention and the start moved to now minus a day.
    const owner = await connect(db, 'sscs', p.password);
    try {
      await owner.query('ALTER TABLE meta DISABLE TRIGGER meta_audit_guard');
      await owner.query(`INSERT INTO meta (key, value) VALUES ('audit_retention_ms', ${DAY})`);
      await owner.query(`UPDATE meta SET value = (extract(epoch FROM now()) * 1000)::bigint - ${DAY} WHERE key = 'audit_kept_from'`);
      await owner.query('ALTER TABLE meta ENABLE TRIGGER meta_audit_guard');
    } finally {
      await owner.end();
    }
    const prune = await cli(['firewall', 'migrate', '--database', db, '--audit-retention-days', '400'], p.password);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(prune.stdout).toContain('audit rows past the retention removed: 1');
    expect(await remaining(db)).toEqual(['row-10']);
  });

  it('--print-grants takes CONNECT, TEMPORARY and CREATE away from PUBLIC and the role, and gives the role CONNECT', async () => {
    const r = await cli(['firewall', 'migrate', '--print-grants', REPLICA], '');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database(), '${REPLICA}')`);
    expect(r.stdout).toContain(`GRANT CONNECT ON DATABASE %I TO %I', current_database(), '${REPLICA}')`);
    expect(r.stdout).toContain(`REVOKE CREATE, TEMPORARY ON DATABASE %I FROM %I', current_database(), '${REPLICA}')`);
    expect(r.stdout).toContain(`REVOKE CREATE ON SCHEMA public FROM "${REPLICA}";`);
  });

  it('says what it could not revoke when the owner role does not own the database', async () => {
    const su = await p.admin();
    try {
      await su.query('CREATE DATABASE notours OWNER postgres');
    } finally {
      await su.end();
    }
    const inDb = await p.admin('notours');
    try {
      await inDb.query('GRANT CREATE ON SCHEMA public TO sscs');
    } finally {
      await inDb.end();
    }
    const db = new URL('notours', `postgres://sscs@127.0.0.1:${p.port}/`).href;
    const r = await cli(['firewall', 'migrate', '--database', db, '--grant', REPLICA], p.password);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${REPLICA} can still create temporary tables in database notours: as its owner run REVOKE CREATE, TEMPORARY ON DATABASE "notours" FROM PUBLIC, "${REPLICA}"`);
    // The triggers still hold: a temporary meta changes nothing.
    const c = await connect(db, REPLICA, replicaPassword);
    try {
      expect(await attempt(c, 'CREATE TEMP TABLE meta (key text primary key, value bigint)')).toBe('accepted');
      await c.query(`INSERT INTO pg_temp.meta VALUES ('audit_retention_ms', 0)`);
      expect(await attempt(c, `UPDATE public.meta SET value = 9999999999999 WHERE key = 'audit_kept_from'`)).toMatch(/^42501 permission denied for meta audit_kept_from/);
    } finally {
      await c.end();
    }
  });

  it('never prints a password', () => {
    expect(outputs.join('\n')).not.toContain(replicaPassword);
    expect(outputs.join('\n')).not.toContain(p.password);
  });
});
