import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startGcsObjectServer, type GcsObjectServer } from '../support/gcs.js';
import { runCli } from '../support/cli.js';
import { makeZip } from '../scan/support.js';
import { files, ghsa, mal } from '../feeds/osv-records.js';
import { startFirewallProcess, type FirewallProcess } from './support.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const ADMIN = 'admin-token-for-live-tests-0123456789abcdef';
const SECRET = 'whsec-live-test-secret-value';
const UA = 'npm/10.9.2 node/v22.22.0 linux x64 workspaces/false';
const SESSION = '0123456789abcdef';

const base = 'version: 1\nrules:\n  - id: no-high-vulns\n    when: { vulnerable: { severity: high } }\n    action: deny\n';

describe('firewall: live feed and policy reload', () => {
  let reg: NpmRegistry;
  let gcs: GcsObjectServer;
  let hook: WebhookReceiver;
  let fw: FirewallProcess;
  let dir: string;
  let policy: string;
  let feed: string;

  const logLines = (): Record<string, any>[] => fw.logs().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const waitLog = async (pred: (l: Record<string, any>) => boolean, ms = 15_000): Promise<Record<string, any>> => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = logLines().find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`log line not seen: ${fw.logs().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const tarball = (name: string, version: string, headers: Record<string, string> = {}) => fetch(`${fw.url}/${name}/-/${name}-${version}.tgz`, { headers });
  const admin = (path: string, init: RequestInit = {}) => fetch(`${fw.url}/-/sscs/admin${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });
  const metric = async (name: string) => (await (await fetch(`${fw.url}/metrics`)).text()).split('\n').find((l) => l.startsWith(name));
  const sync = () => runCli(['feed', 'sync', '--source', `${gcs.url}/npm/all.zip`, '--output', feed]);

  beforeAll(async () => {
    reg = await startNpmRegistry();
    for (const name of ['victim', 'bystander', 'vulnerable-lib', 'other']) await reg.publish({ name, version: '1.0.0' });
    await reg.publish({ name: 'vulnerable-lib', version: '1.1.0' });
    gcs = await startGcsObjectServer('/npm/all.zip');
    hook = await startWebhookReceiver(SECRET);
    dir = await mkdtemp(join(tmpdir(), 'sscs-live-'));
    policy = join(dir, 'policy.yml');
    feed = join(dir, 'osv-npm.zip');
    await writeFile(policy, base);
    gcs.put(makeZip(files([mal('MAL-2026-0001', 'old-evil', ['1.0.0']), ghsa('GHSA-aaaa-bbbb-0001', 'vulnerable-lib', '1.1.0', { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' })])));
    expect((await sync()).exitCode).toBe(0);
    fw = await startFirewallProcess({
      policy, upstream: reg.url,
      args: ['--malicious-feed', feed, '--webhook-url', hook.url],
      env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN, SSCS_FIREWALL_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(async () => {
    await fw?.stop();
    await reg?.close();
    await gcs?.close();
    await hook?.close();
  });

  it('applies the vulnerability rule from the synced feed', async () => {
    expect((await tarball('vulnerable-lib', '1.0.0')).status).toBe(403);
    expect((await tarball('vulnerable-lib', '1.1.0')).status).toBe(200);
    await hook.waitFor((e) => e.some((x) => x.type === 'block' && x.name === 'vulnerable-lib'));
    expect(hook.events.find((x) => x.type === 'block')).toMatchObject({ verified: true, schemaErrors: [], ecosystem: 'npm', name: 'vulnerable-lib', version: '1.0.0', purl: 'pkg:npm/vulnerable-lib@1.0.0', actor: { kind: 'firewall', via: 'proxy' }, data: { rule: 'no-high-vulns', reason: 'known vulnerabilities: GHSA-aaaa-bbbb-0001 (high)' } });
  });

  it('reloads a synced feed by itself and reports the clients that fetched a newly listed version', async () => {
    expect((await tarball('victim', '1.0.0', { 'user-agent': UA, 'npm-session': SESSION })).status).toBe(200);
    expect((await tarball('bystander', '1.0.0')).status).toBe(200);
    gcs.put(makeZip(files([mal('MAL-2026-0001', 'old-evil', ['1.0.0']), mal('MAL-2026-0002', 'victim', ['1.0.0']), ghsa('GHSA-aaaa-bbbb-0001', 'vulnerable-lib', '1.1.0', { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' })])));
    expect((await sync()).stdout).toContain('updated, 2 malicious-package records');
    const line = await waitLog((l) => l.event === 'retroactive-hit');
    expect(line).toMatchObject({ name: 'victim', version: '1.0.0', ids: ['MAL-2026-0002'], clients: [{ address: '127.0.0.1', userAgent: UA, npmSession: SESSION, fetches: 1 }] });
    expect(logLines().filter((l) => l.event === 'retroactive-hit')).toHaveLength(1);
    expect(await metric('sscs_firewall_retroactive_hits_total')).toBe('sscs_firewall_retroactive_hits_total{source="malicious-feed"} 1');
    const audit = (await (await admin('/audit')).json()) as { audit: { action: string; name: string; client: string; rule?: string }[] };
    expect(audit.audit).toContainEqual(expect.objectContaining({ action: 'retroactive-hit', name: 'victim', client: '127.0.0.1', rule: 'malicious-feed:MAL-2026-0002' }));
    await hook.waitFor((e) => e.some((x) => x.type === 'retroactive-hit'));
    expect(hook.events.find((x) => x.type === 'retroactive-hit')).toMatchObject({ verified: true, schemaErrors: [], ecosystem: 'npm', name: 'victim', version: '1.0.0', purl: 'pkg:npm/victim@1.0.0', data: { ids: ['MAL-2026-0002'], clients: [{ address: '127.0.0.1', npmSession: SESSION }] } });
    // From now on the version is refused.
    expect((await tarball('victim', '1.0.0')).status).toBe(403);
    expect((await tarball('bystander', '1.0.0')).status).toBe(200);
  });

  it('keeps the old feed when the file is replaced by one that does not load', async () => {
    const broken = join(dir, 'broken.zip');
    await writeFile(broken, 'PK\x03\x04 not a zip');
    await copyFile(broken, feed);
    const line = await waitLog((l) => l.event === 'feed-reload-refused');
    expect(line.reason).toContain('not a readable zip archive');
    expect((await tarball('victim', '1.0.0')).status).toBe(403);
    gcs.put(makeZip(files([mal('MAL-2026-0001', 'old-evil', ['1.0.0']), mal('MAL-2026-0002', 'victim', ['1.0.0']), mal('MAL-2026-0003', 'nothing-served', ['9.9.9']), ghsa('GHSA-aaaa-bbbb-0001', 'vulnerable-lib', '1.1.0', { label: 'HIGH' })])));
    // The state file still names the old archive: a forced fetch puts a loadable one back.
    await writeFile(`${feed}.sync.json`, '{}');
    expect((await sync()).exitCode).toBe(0);
    await waitLog((l) => l.event === 'feed-reloaded' && l.records === 3);
  });

  it('reloads the policy on SIGHUP, refuses a bad one with the reason and keeps the old', async () => {
    expect((await tarball('other', '1.0.0')).status).toBe(200);
    await writeFile(policy, `${base}  - id: no-other\n    match: other\n    action: deny\n`);
    fw.child.kill('SIGHUP');
    const reloaded = await waitLog((l) => l.event === 'policy-reloaded');
    expect((await tarball('other', '1.0.0')).status).toBe(403);
    // /-/health and /-/ready name the policy version the log line names (and the decision inputs beside it).
    for (const probe of ['health', 'ready']) {
      const h = (await (await fetch(`${fw.url}/-/${probe}`)).json()) as { policyVersion: string; decisionInputs: string };
      expect(h.policyVersion, probe).toBe(reloaded.policyVersion);
      expect(h.decisionInputs).toMatch(/\S/);
      expect(h.decisionInputs).not.toBe(h.policyVersion);
    }
    await writeFile(policy, 'version: 1\nrules:\n  - when: { vulnerable: { severity: severe } }\n    action: deny\n');
    fw.child.kill('SIGHUP');
    const refused = await waitLog((l) => l.event === 'policy-reload-refused');
    expect(refused.reason).toMatch(/policy\.yml.*severity/);
    expect((await tarball('other', '1.0.0')).status).toBe(403);
    expect(fw.child.exitCode).toBeNull();
    expect(await metric('sscs_firewall_reloads_total{input="policy",result="refused"}')).toBe('sscs_firewall_reloads_total{input="policy",result="refused"} 1');
    expect(await metric('sscs_firewall_reloads_total{input="feed",result="refused"}')).toBe('sscs_firewall_reloads_total{input="feed",result="refused"} 1');
  });

  it('reloads through the admin API, answering 422 with the reason when refused', async () => {
    const bad = await admin('/reload', { method: 'POST' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ reload: { policy: { ok: false, error: expect.stringContaining('severity') }, feed: { ok: true, records: 3 } } });
    await writeFile(policy, base);
    const ok = await admin('/reload', { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ reload: { policy: { ok: true }, feed: { ok: true } } });
    expect((await tarball('other', '1.0.0')).status).toBe(200);
    expect((await fetch(`${fw.url}/-/sscs/admin/reload`, { method: 'POST' })).status).toBe(401);
  });

  it('answers every request in flight while reloading', async () => {
    const policies = [base, `${base}  - id: warn-other\n    match: other\n    action: warn\n`];
    const reloads = (async () => {
      for (let i = 0; i < 6; i++) {
        await writeFile(policy, policies[i % 2]!);
        fw.child.kill('SIGHUP');
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    const names = ['other', 'bystander', 'vulnerable-lib'];
    const requests = Array.from({ length: 120 }, (_, i) => {
      const name = names[i % 3]!;
      const url = i % 2 ? `${fw.url}/${name}` : `${fw.url}/${name}/-/${name}-${name === 'vulnerable-lib' ? '1.1.0' : '1.0.0'}.tgz`;
      return fetch(url).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength] as const);
    });
    const results = await Promise.all(requests);
    await reloads;
    expect(results.filter(([status]) => status !== 200)).toEqual([]);
    expect(results.every(([, bytes]) => bytes > 0)).toBe(true);
    expect(fw.child.exitCode).toBeNull();
  });

  it('never logs the webhook secret or the webhook URL (it may carry a token)', () => {
    expect(fw.logs()).not.toContain(SECRET);
    expect(fw.logs()).not.toContain('in-the-url');
  });
});
