import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { npmInstall } from '../support/npm-clients.js';
import { runCli } from '../support/cli.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const POLICY = `
version: 1
default_action: allow
rules:
  - id: hold-new
    match: "pkg:npm/held-pkg@1.1.0"
    action: quarantine
    reason: new release under review
  - id: deny-waivable
    match: waivable-pkg
    action: deny
    reason: not reviewed
`;
const ADMIN = 'admin-token-for-replica-tests-0123456789abcdef';
const LOAD_VERSIONS = Array.from({ length: 80 }, (_, i) => `1.0.${i}`);

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

const versionsOf = async (fw: FirewallProcess, name: string): Promise<string[]> => {
  const res = await fetch(`${fw.url}/${name}`);
  if (res.status !== 200) return [];
  return Object.keys(((await res.json()) as { versions: Record<string, unknown> }).versions);
};

describe('firewall replicas on one PostgreSQL', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let policy: string;
  let db: pg.Client;
  const replicas: FirewallProcess[] = [];
  const outputs: string[] = [];
  const replica = async (): Promise<FirewallProcess> => {
    // --packument-ttl 300: a release reaches the other replica by NOTIFY, not by its cache expiring.
    const fw = await startFirewallProcess({ policy, upstream: up.url, args: ['--database', p.url, '--packument-ttl', '300'], env: { PGPASSWORD: p.password, SSCS_FIREWALL_ADMIN_TOKEN: ADMIN } });
    replicas.push(fw);
    return fw;
  };
  const cli = async (args: string[]): Promise<{ exitCode: number; out: string }> => {
    const r = await runCli(args, { env: { PGPASSWORD: p.password } });
    outputs.push(r.stdout, r.stderr);
    return { exitCode: r.exitCode, out: r.stdout + r.stderr };
  };

  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    for (const v of ['1.0.0', '1.1.0']) {
      await up.publish({ name: 'held-pkg', version: v });
      await up.publish({ name: 'waivable-pkg', version: v });
      await up.publish({ name: 'shared-a', version: v, dependencies: { 'shared-b': '^1.0.0' } });
      await up.publish({ name: 'shared-b', version: v });
    }
    for (const v of LOAD_VERSIONS) await up.publish({ name: 'load-pkg', version: v });
    policy = await writePolicy(POLICY);
    db = new pg.Client({ ...parseIntoClientConfig(p.url), password: p.password });
    // The outage test takes the server away under this connection too.
    db.on('error', () => undefined);
    await db.connect();
  });
  afterAll(async () => {
    for (const fw of replicas) await fw.stop().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await up?.close();
    await p?.close();
  });

  it('applies a release made through one replica on the other within a second, and npm installs it there', async () => {
    const [a, b] = [await replica(), await replica()];
    expect(await versionsOf(b, 'held-pkg')).toEqual(['1.0.0']);
    expect(await versionsOf(a, 'held-pkg')).toEqual(['1.0.0']);
    const before = await npmInstall(b.url, { 'held-pkg': '^1.0.0' });
    expect(before.exitCode).toBe(0);
    expect(before.output).not.toContain('1.1.0');
    const released = await fetch(`${a.url}/-/sscs/admin/quarantine/release`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'held-pkg', version: '1.1.0', reason: 'reviewed', by: 'alice' }),
    });
    expect(released.status).toBe(200);
    const ms = await until('replica b to serve the released version', async () => (await versionsOf(b, 'held-pkg')).includes('1.1.0'), 5000);
    console.log(`release through replica a seen on replica b after ${ms} ms`);
    expect(ms).toBeLessThan(1000);
    const after = await npmInstall(b.url, { 'held-pkg': '1.1.0' });
    expect(after.exitCode).toBe(0);
  });

  it('applies a waiver made with the CLI on the shared database on every replica', async () => {
    const [a, b] = replicas as [FirewallProcess, FirewallProcess];
    expect(await versionsOf(a, 'waivable-pkg')).toEqual([]);
    const w = await cli(['firewall', 'waive', 'waivable-pkg@1.1.0', '--database', p.url, '--reason', 'ours', '--by', 'bob']);
    expect(w.exitCode).toBe(0);
    for (const fw of [a, b]) {
      expect(await until('the waiver to apply', async () => (await versionsOf(fw, 'waivable-pkg')).includes('1.1.0'), 5000)).toBeLessThan(1000);
    }
    expect((await npmInstall(a.url, { 'waivable-pkg': '1.1.0' })).exitCode).toBe(0);
    const q = await cli(['firewall', 'quarantine', 'list', '--database', p.url]);
    expect(q.exitCode).toBe(0);
  });

  it('records one decision per version when npm installs the same tree through both replicas at once', async () => {
    const [a, b] = replicas as [FirewallProcess, FirewallProcess];
    const [ra, rb] = await Promise.all([npmInstall(a.url, { 'shared-a': '^1.0.0' }), npmInstall(b.url, { 'shared-a': '^1.0.0' })]);
    expect([ra.exitCode, rb.exitCode]).toEqual([0, 0]);
    const rows = (await db.query(`SELECT name, version, action, integrity FROM decisions WHERE name LIKE 'shared-%' ORDER BY name`)).rows;
    expect(rows.map((r) => `${r.name}@${r.version} ${r.action} ${r.integrity ? 'served' : ''}`)).toEqual(['shared-a@1.1.0 allow served', 'shared-b@1.1.0 allow served']);
    // Both replicas answered: each one's requests are in the one audit log.
    await until('the audit batches to land', async () => Number((await db.query(`SELECT count(DISTINCT client) + count(*) AS n FROM audit WHERE name = 'shared-b' AND kind = 'tarball'`)).rows[0].n) >= 2, 5000);
  });

  it('loses no acknowledged decision when a replica is killed with SIGKILL under load, and the other keeps serving', async () => {
    const victim = await replica();
    const survivor = replicas[0]!;
    const acked: string[] = [];
    const queue = [...LOAD_VERSIONS];
    let killed = false;
    const worker = async (): Promise<void> => {
      while (queue.length && !killed) {
        const version = queue.shift()!;
        try {
          const res = await fetch(`${victim.url}/load-pkg/-/load-pkg-${version}.tgz`);
          await res.arrayBuffer();
          if (res.status === 200) acked.push(version);
        } catch {
          return;
        }
        if (acked.length >= 40 && !killed) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    };
    const survivorLoad = (async () => {
      let ok = 0;
      for (let i = 0; i < 30; i++) if ((await fetch(`${survivor.url}/load-pkg/-/load-pkg-${LOAD_VERSIONS[i]}.tgz`).then(async (r) => (await r.arrayBuffer(), r.status))) === 200) ok++;
      return ok;
    })();
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(killed).toBe(true);
    const stored = new Set((await db.query(`SELECT version FROM decisions WHERE name = 'load-pkg' AND action = 'allow' AND integrity IS NOT NULL`)).rows.map((r) => String(r.version)));
    expect(acked.filter((v) => !stored.has(v))).toEqual([]);
    expect(await survivorLoad).toBe(30);
    expect((await npmInstall(survivor.url, { 'load-pkg': '1.0.79' })).exitCode).toBe(0);
  });

  it('answers 503 while PostgreSQL is down, and serves again by itself when it returns, LISTEN included', async () => {
    const [a, b] = replicas as [FirewallProcess, FirewallProcess];
    await up.publish({ name: 'outage-pkg', version: '1.0.0' });
    await up.publish({ name: 'outage-held', version: '1.0.0' });
    await p.stop('immediate');
    try {
      // Nothing decided without the database: the packument (its decisions are recorded) and the tarball alike.
      const pk = await fetch(`${a.url}/outage-pkg`);
      expect(pk.status).toBe(503);
      expect(await pk.text()).toContain('database is unavailable');
      const tb = await fetch(`${b.url}/load-pkg/-/load-pkg-1.0.5.tgz`);
      expect(tb.status).toBe(503);
      await tb.arrayBuffer();
      // Liveness stays up (no restart loop); readiness takes the replica out of a balancer's rotation.
      expect((await fetch(`${a.url}/-/health`)).status).toBe(200);
      const ready = await fetch(`${a.url}/-/ready`);
      expect(ready.status).toBe(503);
      const why = (await ready.json()) as { status: string; reason: string };
      expect(why.status).toBe('unavailable');
      expect(why.reason).toMatch(/firewall database (at 127\.0\.0\.1:\d+\/fw0 is unavailable|did not answer within)/);
      expect(why.reason).not.toContain(p.password);
    } finally {
      await p.start();
    }
    const ms = await until('replica a to serve again', async () => (await fetch(`${a.url}/outage-pkg`).then(async (r) => (await r.arrayBuffer(), r.status))) === 200, 20_000);
    console.log(`replica a served again ${ms} ms after PostgreSQL came back`);
    await until('replica a to be ready again', async () => (await fetch(`${a.url}/-/ready`)).status === 200, 5_000);
    expect((await npmInstall(b.url, { 'outage-pkg': '1.0.0' })).exitCode).toBe(0);
    // LISTEN is back: a waiver through b reaches a's cached packument within a second.
    await db.end().catch(() => undefined);
    db = new pg.Client({ ...parseIntoClientConfig(p.url), password: p.password });
    // The outage test takes the server away under this connection too.
    db.on('error', () => undefined);
    await db.connect();
    expect(await versionsOf(a, 'waivable-pkg')).toEqual(['1.1.0']);
    await until('replica a to listen again', async () => {
      const w = await fetch(`${b.url}/-/sscs/admin/waivers`, {
        method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'waivable-pkg', version: '1.0.0', reason: 'after the outage' }),
      });
      expect(w.status).toBe(200);
      return (await versionsOf(a, 'waivable-pkg')).includes('1.0.0');
    }, 10_000);
  });

  it('never shows the database password: not in a flag, a log line or an error', async () => {
    const withPassword = `postgres://sscs:${p.password}@127.0.0.1:${p.port}/fw0`;
    const r = await cli(['firewall', 'quarantine', 'list', '--database', withPassword]);
    expect(r.exitCode).toBe(2);
    expect(r.out).toContain('--database must not hold a password');
    const wrong = await runCli(['firewall', 'quarantine', 'list', '--database', p.url], { env: { PGPASSWORD: `${p.password}-wrong` } });
    outputs.push(wrong.stdout, wrong.stderr);
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    const all = [...outputs, ...replicas.map((fw) => fw.logs())].join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(p.password);
  });
});
