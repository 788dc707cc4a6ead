/**
 * One delivery per operator action across replicas: the CLI delivers its own event, the replica that took an
 * admin API request delivers that one, and the other replicas (which hear the change through NOTIFY) send none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'whsec-replica-events';
const ADMIN = 'admin-token-replica-events-0123456789abcdef';
const POLICY = 'version: 1\nrules:\n  - id: hold-held\n    match: held-pkg\n    action: quarantine\n    reason: under review\n  - id: no-denied\n    match: denied-pkg\n    action: deny\n';

async function until(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook events with replicas on one PostgreSQL', () => {
  let p: TestPostgres;
  let reg: NpmRegistry;
  let hook: WebhookReceiver;
  const replicas: FirewallProcess[] = [];
  const env = () => ({ PGPASSWORD: p.password, SSCS_FIREWALL_WEBHOOK_URL: hook.url, SSCS_FIREWALL_WEBHOOK_SECRET: SECRET });
  const servedByAll = async (name: string, version: string) =>
    (await Promise.all(replicas.map((fw) => fetch(`${fw.url}/${name}/-/${name}-${version}.tgz`).then((r) => r.status)))).every((s) => s === 200);
  const settled = () => new Promise((r) => setTimeout(r, 1000));

  beforeAll(async () => {
    p = await startPostgres();
    reg = await startNpmRegistry();
    await reg.publish({ name: 'held-pkg', version: '1.0.0' });
    await reg.publish({ name: 'denied-pkg', version: '1.0.0' });
    await reg.publish({ name: 'denied-pkg', version: '2.0.0' });
    hook = await startWebhookReceiver(SECRET);
    const policy = await writePolicy(POLICY);
    for (let i = 0; i < 2; i++) {
      replicas.push(await startFirewallProcess({ policy, upstream: reg.url, args: ['--database', p.url], env: { ...env(), SSCS_FIREWALL_ADMIN_TOKEN: ADMIN } }));
    }
  });
  afterAll(async () => {
    for (const fw of replicas) await fw.stop();
    await reg?.close();
    await hook?.close();
    await p?.close();
  });

  it('delivers a CLI release once, though every replica applies it', async () => {
    for (const fw of replicas) expect((await fetch(`${fw.url}/held-pkg/-/held-pkg-1.0.0.tgz`)).status).toBe(403);
    const r = await runCli(['firewall', 'quarantine', 'release', 'held-pkg@1.0.0', '--reason', 'reviewed', '--database', p.url], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    await until('both replicas serve the release', () => servedByAll('held-pkg', '1.0.0'));
    await settled();
    const releases = hook.events.filter((e) => e.type === 'release');
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({ verified: true, schemaErrors: [], name: 'held-pkg', actor: { via: 'cli' } });
  });

  it('delivers an admin API waiver once, from the replica that took it', async () => {
    const res = await fetch(`${replicas[1]!.url}/-/sscs/admin/waivers`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'pkg:npm/denied-pkg', version: '1.0.0', reason: 'vendored', by: 'sec' }),
    });
    expect(res.status).toBe(200);
    await until('both replicas serve the waived version', () => servedByAll('denied-pkg', '1.0.0'));
    await settled();
    expect(hook.events.filter((e) => e.type === 'waiver').map((e) => [e.actor.via, e.version])).toEqual([['admin-api', '1.0.0']]);
  });

  it('delivers a CLI waiver once', async () => {
    const r = await runCli(['firewall', 'waive', 'denied-pkg@2.0.0', '--reason', 'vendored', '--database', p.url], { env: env() });
    expect(r.exitCode).toBe(0);
    await until('both replicas serve the waived version', () => servedByAll('denied-pkg', '2.0.0'));
    await settled();
    expect(hook.events.filter((e) => e.type === 'waiver').map((e) => [e.actor.via, e.version])).toEqual([['admin-api', '1.0.0'], ['cli', '2.0.0']]);
    expect(new Set(hook.events.map((e) => e.id)).size).toBe(hook.events.length);
  });
});
