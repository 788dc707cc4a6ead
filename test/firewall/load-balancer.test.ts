import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { npmInstall } from '../support/npm-clients.js';
import { prepareNginx, type TestNginx } from '../support/nginx.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

// The topology of compose.yaml, with processes: nginx in front of two `firewall serve` replicas on one PostgreSQL.
// nginx connects to the replicas from 127.0.0.3 (the only trusted proxy) and npm from 127.0.0.2, so the audit
// log shows which address it took: the client's, or the balancer's.
const NGINX_ADDRESS = '127.0.0.3';
const CLIENT_ADDRESS = '127.0.0.2';

describe('two firewall replicas behind nginx', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let lb: TestNginx;
  const replicas: FirewallProcess[] = [];

  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    await up.publish({ name: 'lb-b', version: '1.0.0' });
    await up.publish({ name: 'lb-a', version: '1.0.0', dependencies: { 'lb-b': '^1.0.0' } });
    await up.publish({ name: 'lb-bad', version: '1.0.0' });
    lb = await prepareNginx();
    const policy = await writePolicy('version: 1\ndefault_action: allow\nrules:\n  - id: no-bad\n    match: lb-bad\n    action: deny\n    reason: known bad\n');
    for (let i = 0; i < 2; i++) {
      replicas.push(await startFirewallProcess({ policy, upstream: up.url, args: ['--database', p.url, '--public-url', lb.url, '--trusted-proxy', `${NGINX_ADDRESS}/32`], env: { PGPASSWORD: p.password } }));
    }
    await lb.start(replicas.map((r) => new URL(r.url).host), { bind: NGINX_ADDRESS });
  });
  afterAll(async () => {
    await lb?.close();
    for (const r of replicas) await r.stop().catch(() => undefined);
    await up?.close();
    await p?.close();
  });

  it('serves npm through the balancer, both replicas answering, and refuses a denied package with the rule', async () => {
    const ok = await npmInstall(lb.url, { 'lb-a': '^1.0.0' }, { localAddress: CLIENT_ADDRESS });
    expect(ok.exitCode).toBe(0);
    expect(await readFile(join(ok.dir, 'package-lock.json'), 'utf8')).toContain(`${lb.url}/lb-b/-/lb-b-1.0.0.tgz`);
    const bad = await npmInstall(lb.url, { 'lb-bad': '1.0.0' });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toContain('lb-bad@1.0.0 is denied by rule no-bad: known bad');
    for (let i = 0; i < 10; i++) await (await fetch(`${lb.url}/lb-b`)).arrayBuffer();
    const served = await Promise.all(replicas.map(async (r) => /sscs_firewall_requests_total\{[^}]*kind="packument"[^}]*\} (\d+)/.exec(await (await fetch(`${r.url}/metrics`)).text())));
    expect(served.every((m) => m && Number(m[1]) > 0)).toBe(true);
  });

  it('records the client behind the balancer, not the balancer, and ignores an X-Forwarded-For the client wrote', async () => {
    // The client forges a header: nginx appends the address it really came from, and the replica takes that one.
    const forged = await fetch(`${lb.url}/lb-b/-/lb-b-1.0.0.tgz`, { headers: { 'x-forwarded-for': '203.0.113.66' } });
    expect(forged.status).toBe(200);
    await forged.arrayBuffer();
    // Audit lines are written in batches of at most 100 ms.
    await new Promise((r) => setTimeout(r, 500));
    const db = await p.admin();
    try {
      const rows = (await db.query<{ client: string; name: string }>(`SELECT DISTINCT client, name FROM audit WHERE kind = 'tarball'`)).rows;
      const clients = new Set(rows.map((r) => r.client));
      // npm's tarball fetches came from 127.0.0.2; fetch() above from 127.0.0.1; nginx's own address never.
      expect(rows.filter((r) => r.name === 'lb-a').map((r) => r.client)).toEqual([CLIENT_ADDRESS]);
      expect(clients.has('127.0.0.1')).toBe(true);
      expect(clients.has(NGINX_ADDRESS)).toBe(false);
      expect(clients.has('203.0.113.66')).toBe(false);
    } finally {
      await db.end();
    }
  });

  it('keeps serving through the balancer when a replica is killed with SIGKILL', async () => {
    replicas[0]!.child.kill('SIGKILL');
    await new Promise((r) => replicas[0]!.child.once('exit', r));
    const r = await npmInstall(lb.url, { 'lb-a': '1.0.0' });
    expect(r.exitCode).toBe(0);
  });
});
