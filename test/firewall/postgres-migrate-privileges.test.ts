/**
 * `sscs firewall migrate` as a role that may not create tables: since PostgreSQL 15 only the database's owner has
 * CREATE on schema public, so a role given only CONNECT (a DBA's usual first step) cannot apply the migrations.
 * That is bad input, exit 2 with what is missing and what to grant, never an internal error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { runCli } from '../support/cli.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

const OWNER = 'fw_migrator';

describe('sscs firewall migrate without CREATE on schema public', () => {
  let p: TestPostgres;
  let url: string;
  const password = `migrator-pw-${randomBytes(8).toString('hex')}`;
  const migrate = () => runCli(['firewall', 'migrate', '--database', url], { env: { PGPASSWORD: password } });
  const asSuperuser = async (sql: string) => {
    const a = await p.admin('fw_other');
    try {
      await a.query(sql);
    } finally {
      await a.end();
    }
  };

  beforeAll(async () => {
    p = await startPostgres();
    const a = await p.admin('postgres');
    // The database belongs to another role; this one may only connect.
    await a.query(`CREATE ROLE ${OWNER} LOGIN PASSWORD '${password}'`);
    await a.query('CREATE DATABASE fw_other');
    await a.query(`GRANT CONNECT ON DATABASE fw_other TO ${OWNER}`);
    await a.end();
    url = `postgres://${OWNER}@127.0.0.1:${p.port}/fw_other`;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('is exit 2 naming the role, the schema and the GRANT that fixes it, and creates nothing', async () => {
    const r = await migrate();
    expect(r.exitCode).toBe(2);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toContain(`the role ${OWNER} may not create tables in schema public of database fw_other (permission denied for schema public), so it cannot apply the firewall migrations`);
    expect(r.stderr).toContain(`GRANT CREATE ON SCHEMA public TO "${OWNER}"`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(password);
    const a = await p.admin('fw_other');
    const tables = await a.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    await a.end();
    expect(tables.rows).toEqual([]);
  });

  it('migrates once the grant the error names is given, and stays fine without it once nothing is left to apply', async () => {
    await asSuperuser(`GRANT CREATE ON SCHEMA public TO ${OWNER}`);
    const granted = await migrate();
    expect(granted.exitCode, granted.stderr).toBe(0);
    expect(granted.stdout).toMatch(/applied migration 1, /);
    await asSuperuser(`REVOKE CREATE ON SCHEMA public FROM ${OWNER}`);
    const again = await migrate();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('no migration to apply');
  });
});
