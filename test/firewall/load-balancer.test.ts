import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { npmInstall } from '../support/npm-clients.js';
import { prepareNginx, type TestNginx } from '../support/nginx.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

// The topology of compose.yaml, with processes: nginx in front of two `firewall serve` replicas on one PostgreSQL.
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
      replicas.push(await startFirewallProcess({ policy, upstream: up.url, args: ['--database', p.url, '--public-url', lb.url], env: { PGPASSWORD: p.password } }));
    }
    await lb.start(replicas.map((r) => new URL(r.url).host));
  });
  afterAll(async () => {
    await lb?.close();
    for (const r of replicas) await r.stop().catch(() => undefined);
    await up?.close();
    await p?.close();
  });

  it('serves npm through the balancer, both replicas answering, and refuses a denied package with the rule', async () => {
    const ok = await npmInstall(lb.url, { 'lb-a': '^1.0.0' });
    expect(ok.exitCode).toBe(0);
    expect(await readFile(join(ok.dir, 'package-lock.json'), 'utf8')).toContain(`${lb.url}/lb-b/-/lb-b-1.0.0.tgz`);
    const bad = await npmInstall(lb.url, { 'lb-bad': '1.0.0' });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toContain('lb-bad@1.0.0 is denied by rule no-bad: known bad');
    for (let i = 0; i < 10; i++) await (await fetch(`${lb.url}/lb-b`)).arrayBuffer();
    const served = await Promise.all(replicas.map(async (r) => /sscs_firewall_requests_total\{[^}]*kind="packument"[^}]*\} (\d+)/.exec(await (await fetch(`${r.url}/metrics`)).text())));
    expect(served.every((m) => m && Number(m[1]) > 0)).toBe(true);
  });

  it('keeps serving through the balancer when a replica is killed with SIGKILL', async () => {
    replicas[0]!.child.kill('SIGKILL');
    await new Promise((r) => replicas[0]!.child.once('exit', r));
    const r = await npmInstall(lb.url, { 'lb-a': '1.0.0' });
    expect(r.exitCode).toBe(0);
  });
});
