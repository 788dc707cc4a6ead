/**
 * A notification on the replicas' channel is only a hint to read the generation again: any role that may connect
 * can send one (`SELECT pg_notify(...)` checks no privilege), so a forged payload must not freeze what the replicas
 * believe. And after `migrate --grant`, a role outside the grants may not connect at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy } from './support.js';
import { NOTIFY_CHANNEL } from '../../helper/dist/firewall/postgres/migrations.js';
import { ADMIN_TOKEN as ADMIN } from './admin-ui-support.js';

const POLICY = 'version: 1\nrules:\n  - id: no-denied\n    match: denied-pkg\n    action: deny\n';
const REPLICA = 'fw_replica';
const STRANGER = 'stranger';
const FORGED = String(Number.MAX_SAFE_INTEGER);

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

describe('forged notifications on the replicas channel', () => {
  let p: TestPostgres;
  let reg: NpmRegistry;
  let db: string;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const as = (user: string, pw: string) => new pg.Client({ host: '127.0.0.1', port: p.port, user, password: pw, database: new URL(db).pathname.slice(1) });
  const connects = async (c: pg.Client): Promise<string> => {
    try {
      await c.connect();
      await c.end();
      return 'connected';
    } catch (e) {
      return `${(e as { code?: string }).code} ${(e as Error).message}`;
    }
  };

  beforeAll(async () => {
    p = await startPostgres();
    db = await p.createDatabase('forged');
    const a = await p.admin();
    await a.query(`CREATE ROLE ${REPLICA} LOGIN PASSWORD '${password}'`);
    await a.query(`CREATE ROLE ${STRANGER} LOGIN PASSWORD '${password}'`);
    await a.end();
    reg = await startNpmRegistry();
    await reg.publish({ name: 'denied-pkg', version: '1.0.0' });
  });
  afterAll(async () => {
    await reg?.close();
    await p?.close();
  });

  it('lets no role outside the grants connect once migrate --grant ran; the owner and the replica role still do', async () => {
    // Before: CONNECT is PUBLIC's, the database's default.
    expect(await connects(as(STRANGER, password))).toBe('connected');
    const r = await runCli(['firewall', 'migrate', '--database', db, '--grant', REPLICA], { env: { PGPASSWORD: p.password } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await connects(as(STRANGER, password))).toBe('42501 permission denied for database "forged"');
    expect(await connects(as(REPLICA, password))).toBe('connected');
    expect(await connects(as('sscs', p.password))).toBe('connected');
  });

  it('serves a revoked waiver no more, within a second, after a forged huge generation was notified', async () => {
    const replicaUrl = db.replace('postgres://sscs@', `postgres://${REPLICA}@`);
    const fw = await startFirewallProcess({
      policy: await writePolicy(POLICY), upstream: reg.url, args: ['--database', replicaUrl, '--migrate', 'never', '--packument-ttl', '5'],
      env: { PGPASSWORD: password, SSCS_FIREWALL_ADMIN_TOKEN: ADMIN },
    });
    const owner = as('sscs', p.password);
    await owner.connect();
    // The superuser may always connect: it stands for any role that still may (another application's, say).
    const forger = await p.admin();
    const tarball = async () => (await fetch(`${fw.url}/denied-pkg/-/denied-pkg-1.0.0.tgz`)).status;
    // With every version denied there is no packument to serve (versions absent).
    const listed = async () => Object.keys(((await (await fetch(`${fw.url}/denied-pkg`)).json()) as { versions?: object }).versions ?? {});
    try {
      expect(await tarball()).toBe(403);
      const waive = await fetch(`${fw.url}/-/sscs/admin/waivers`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'denied-pkg', version: '1.0.0', reason: 'vendored' }),
      });
      expect(waive.status).toBe(200);
      expect(await tarball()).toBe(200);
      expect(await listed()).toEqual(['1.0.0']);
      await forger.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, FORGED]);
      // A flood of them too: each is only a hint, and they are read at most two at a time.
      await forger.query(`SELECT pg_notify($1, $2) FROM generate_series(1, 500)`, [NOTIFY_CHANNEL, FORGED]);
      await new Promise((r) => setTimeout(r, 300));
      expect(await tarball()).toBe(200);
      // What revokeWaiver does, here by another hand: only the notification tells this replica.
      await owner.query('UPDATE waivers SET expires_at = now() WHERE name = $1', ['denied-pkg']);
      // Well within the 10 s poll behind LISTEN: the notification did it.
      expect(await until('the revoked waiver to stop the tarball', async () => (await tarball()) === 403, 2000)).toBeLessThan(2000);
      expect(await listed()).toEqual([]);
    } finally {
      await forger.end();
      await owner.end();
      await fw.stop();
    }
    expect(fw.logs()).not.toContain(password);
  });
});
