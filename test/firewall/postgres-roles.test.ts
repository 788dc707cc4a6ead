/**
 * Two real roles on the throw-away cluster: the owner (the test cluster's `sscs`, owner of the database) runs
 * `sscs firewall migrate --grant`, and replicas connect as a least-privilege role that serves traffic but can
 * neither migrate nor touch the audit log's protections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { MIGRATIONS } from '../../helper/src/firewall/postgres/migrations.js';
import { ADMIN_TOKEN as ADMIN, httpLogin, UI } from './admin-ui-support.js';

const POLICY = 'version: 1\nrules:\n  - id: no-denied\n    match: denied-pkg\n    action: deny\n  - id: hold-held\n    match: held-pkg\n    action: quarantine\n';

const REPLICA = 'fw_replica';

describe('a least-privilege replica role beside the migrating owner', () => {
  let p: TestPostgres;
  let reg: NpmRegistry;
  let db: string;
  let replicaUrl: string;
  const replicaPassword = `replica-pw-${randomBytes(8).toString('hex')}`;
  const outputs: string[] = [];
  const cli = async (args: string[], password: string) => {
    const r = await runCli(args, { env: { PGPASSWORD: password } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const asReplica = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port: p.port, user: REPLICA, password: replicaPassword, database: new URL(db).pathname.slice(1) });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    p = await startPostgres();
    db = await p.createDatabase('roles');
    const a = await p.admin();
    await a.query(`CREATE ROLE ${REPLICA} LOGIN PASSWORD '${replicaPassword}'`);
    await a.end();
    replicaUrl = db.replace('postgres://sscs@', `postgres://${REPLICA}@`);
    reg = await startNpmRegistry();
    await reg.publish({ name: 'plain-pkg', version: '1.0.0' });
    await reg.publish({ name: 'denied-pkg', version: '1.0.0' });
    await reg.publish({ name: 'held-pkg', version: '1.0.0' });
  });
  afterAll(async () => {
    await reg?.close();
    await p?.close();
  });

  it('refuses to start a replica on an unmigrated database, saying to run migrate as the owner', async () => {
    const never = await cli(['firewall', 'quarantine', 'list', '--database', replicaUrl, '--migrate', 'never'], replicaPassword);
    expect(never.exitCode).toBe(2);
    expect(never.stderr).toContain(`lacks migration ${MIGRATIONS.map((m) => m.version).join(', ')},`);
    expect(never.stderr).toContain("--migrate never forbids applying it here: run 'sscs firewall migrate' with the same --database as the owner role");
    // Left to migrate, the replica role has no right to create tables (PostgreSQL 15: no CREATE on public).
    const auto = await cli(['firewall', 'quarantine', 'list', '--database', replicaUrl], replicaPassword);
    expect(auto.exitCode).toBe(2);
    expect(auto.stderr).toMatch(/may not apply migration 1, .*permission denied for schema public.*run 'sscs firewall migrate'/);
  });

  it('prints the GRANT statements for a named role, and refuses a name that is not one', async () => {
    const r = await cli(['firewall', 'migrate', '--print-grants', REPLICA], '');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`GRANT SELECT, INSERT ON TABLE audit TO "${REPLICA}";`);
    expect(r.stdout).toContain(`GRANT SELECT ON TABLE schema_migrations TO "${REPLICA}";`);
    expect(r.stdout).not.toMatch(/DELETE ON TABLE (audit|meta|decisions)/);
    const bad = await cli(['firewall', 'migrate', '--print-grants', 'x"; DROP TABLE audit; --'], '');
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe('');
  });

  it('migrates as the owner and grants the replica role; a role that does not exist is exit 2', async () => {
    const missing = await cli(['firewall', 'migrate', '--database', db, '--grant', 'no_such_role'], p.password);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('role "no_such_role" does not exist');
    const owner = await cli(['firewall', 'migrate', '--database', db, '--grant', 'sscs'], p.password);
    expect(owner.exitCode).toBe(2);
    expect(owner.stderr).toContain('--grant sscs: that role owns the firewall tables');
    const superuser = await cli(['firewall', 'migrate', '--database', db, '--grant', 'postgres'], p.password);
    expect(superuser.exitCode).toBe(2);
    expect(superuser.stderr).toContain('--grant postgres: that role is a superuser');
    const r = await cli(['firewall', 'migrate', '--database', db, '--grant', REPLICA], p.password);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^firewall database 127\.0\.0\.1:\d+\/roles: (applied migration [\d, ]+|no migration to apply); schema version \d+\ngranted fw_replica the replica privileges on \d+ tables\n$/);
    const again = await cli(['firewall', 'migrate', '--database', db], p.password);
    expect(again.stdout).toContain('no migration to apply');
  });

  it('takes back a broader grant on the sequences: the replica may draw ids, never set them', async () => {
    const a = await p.admin();
    await a.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${REPLICA}`);
    await a.end();
    const r = await cli(['firewall', 'migrate', '--database', db, '--grant', REPLICA], p.password);
    expect(r.exitCode).toBe(0);
    const c = await asReplica();
    try {
      await expect(c.query(`SELECT setval('audit_id_seq', 1)`)).rejects.toThrow('permission denied for sequence audit_id_seq');
      expect((await c.query(`SELECT nextval('audit_id_seq') > 0 AS ok`)).rows[0].ok).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('grants a role whose name contains ROLE, as printed and as applied', async () => {
    const name = 'ROLE_rep';
    const printed = await cli(['firewall', 'migrate', '--print-grants', name], '');
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toContain(`GRANT SELECT, INSERT ON TABLE audit TO "${name}";`);
    expect(printed.stdout).toContain(`REVOKE CREATE ON SCHEMA public FROM "${name}";`);
    expect(printed.stdout).toContain(`current_database(), '${name}'); END $g$;`);
    expect(printed.stdout).not.toContain(`"${name}"_rep`);
    const a = await p.admin();
    await a.query(`CREATE ROLE "${name}" LOGIN`);
    await a.end();
    const r = await cli(['firewall', 'migrate', '--database', db, '--grant', name], p.password);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`granted ${name} the replica privileges on`);
  });

  it('serves traffic, releases and waives as the replica role, with --migrate never', async () => {
    const fw: FirewallProcess = await startFirewallProcess({
      policy: await writePolicy(POLICY), upstream: reg.url, args: ['--database', replicaUrl, '--migrate', 'never', '--audit-retention-days', '30'],
      env: { PGPASSWORD: replicaPassword, SSCS_FIREWALL_ADMIN_TOKEN: ADMIN },
    });
    try {
      expect((await fetch(`${fw.url}/plain-pkg/-/plain-pkg-1.0.0.tgz`)).status).toBe(200);
      expect((await fetch(`${fw.url}/denied-pkg/-/denied-pkg-1.0.0.tgz`)).status).toBe(403);
      expect((await fetch(`${fw.url}/held-pkg/-/held-pkg-1.0.0.tgz`)).status).toBe(403);
      const release = await cli(['firewall', 'quarantine', 'release', 'held-pkg@1.0.0', '--reason', 'ok', '--database', replicaUrl, '--migrate', 'never'], replicaPassword);
      expect(release.exitCode).toBe(0);
      const waive = await fetch(`${fw.url}/-/sscs/admin/waivers`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'denied-pkg', version: '1.0.0', reason: 'vendored' }),
      });
      expect(waive.status).toBe(200);
      const list = (await (await fetch(`${fw.url}/-/sscs/admin/waivers`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { waivers: { id: number }[] };
      const id = list.waivers[0]!.id;
      expect((await fetch(`${fw.url}/held-pkg/-/held-pkg-1.0.0.tgz`)).status).toBe(200);
      expect((await fetch(`${fw.url}/denied-pkg/-/denied-pkg-1.0.0.tgz`)).status).toBe(200);
      const audit = (await (await fetch(`${fw.url}/-/sscs/admin/audit`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { audit: { action: string }[] };
      expect(audit.audit.map((a) => a.action)).toEqual(expect.arrayContaining(['waive', 'release']));
      expect(id).toBeGreaterThan(0);
      // The admin page's sessions (a table of its own) work under this role too: log in, log out.
      const session = await httpLogin(`${fw.url}${UI}`, 'carol');
      const out = await fetch(`${fw.url}${UI}logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session.cookie, origin: new URL(fw.url).origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: session.csrf }) });
      expect(out.status).toBe(303);
      // Retention needs DELETE on the audit log, which this role lacks: said once at start, with what to do.
      expect(fw.logs()).toContain("this role may not remove audit rows (permission denied for meta audit_retention_ms: only the owner of the firewall tables records or moves the audit retention (sscs firewall migrate --audit-retention-days)): with a least-privilege replica role, audit retention is the owner's job");
    } finally {
      await fw.stop();
    }
    // The served-client log (written and pruned by the replicas) took this role's writes: the tarballs served above.
    expect(fw.logs()).not.toContain('served-log-write-failed');
    const c = await asReplica();
    try {
      // Nor did it record its retention: that is the owner's (migration 10).
      expect((await c.query(`SELECT count(*)::int AS n FROM meta WHERE key = 'audit_retention_ms'`)).rows[0].n).toBe(0);
      const served = (await c.query(`SELECT name, version, address FROM served_clients ORDER BY name`)).rows;
      expect(served).toEqual(expect.arrayContaining([{ name: 'plain-pkg', version: '1.0.0', address: '127.0.0.1' }]));
    } finally {
      await c.end();
    }
    const owner = await cli(['firewall', 'migrate', '--database', db, '--audit-retention-days', '30'], p.password);
    expect(owner.exitCode).toBe(0);
    expect(owner.stdout).toContain('audit rows past the retention removed: 0');
  });

  it('cannot drop or disable the audit triggers, alter tables, or remove audit rows', async () => {
    const c = await asReplica();
    const refused = async (sql: string): Promise<string> => {
      try {
        await c.query(sql);
      } catch (e) {
        return `${(e as { code?: string }).code} ${(e as Error).message}`;
      }
      return 'accepted';
    };
    try {
      expect(await refused('DROP TRIGGER audit_no_update ON audit')).toMatch(/^42501 must be owner of (table|relation) audit$/);
      expect(await refused('ALTER TABLE audit DISABLE TRIGGER ALL')).toMatch(/^42501 must be owner of (table|relation) audit$/);
      expect(await refused('ALTER TABLE audit ADD COLUMN x int')).toMatch(/^42501 must be owner of (table|relation) audit$/);
      expect(await refused('ALTER TABLE decisions DROP CONSTRAINT decisions_pkey')).toMatch(/^42501 must be owner of (table|relation) decisions$/);
      expect(await refused('DELETE FROM audit')).toBe('42501 permission denied for table audit');
      expect(await refused('UPDATE audit SET action = $$x$$')).toBe('42501 permission denied for table audit');
      expect(await refused('TRUNCATE audit')).toBe('42501 permission denied for table audit');
      expect(await refused('DROP TABLE audit')).toMatch(/^42501 must be owner of (table|relation) audit$/);
      expect(await refused('DROP FUNCTION audit_append_only() CASCADE')).toBe('42501 must be owner of function audit_append_only');
      expect(await refused('DELETE FROM decisions')).toBe('42501 permission denied for table decisions');
      expect(await refused('CREATE TABLE sneaky (x int)')).toBe('42501 permission denied for schema public');
      // What it needs still works.
      expect(await refused(`INSERT INTO audit (at, client, kind, name, action, status) VALUES (now(), 'test', 'admin', 'x', 'probe', 0)`)).toBe('accepted');
      expect((await c.query('SELECT count(*)::int AS n FROM audit')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
  });

  it('never prints a password', () => {
    expect(outputs.join('\n')).not.toContain(replicaPassword);
    expect(outputs.join('\n')).not.toContain(p.password);
  });
});
