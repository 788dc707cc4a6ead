/**
 * A retroactive hit is reported once per database, not once per replica: both replicas reload the same new feed
 * at the same moment and both find the hit, but only the one that claims it in the store writes the audit row
 * and sends the webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { mal } from '../feeds/osv-records.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'whsec-retroactive-once';
const ADMIN = 'retro-once-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

async function writeFeed(dir: string, records: object[]): Promise<void> {
  for (const r of records) await writeFile(join(dir, `${(r as { id: string }).id}.json`), JSON.stringify(r));
}

async function until(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('retroactive hits with replicas on one PostgreSQL', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let hook: WebhookReceiver;
  let feed: string;
  const replicas: FirewallProcess[] = [];

  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    await up.publish({ name: 'retro-once', version: '1.0.0' });
    hook = await startWebhookReceiver(SECRET);
    feed = await mkdtemp(join(tmpdir(), 'sscs-retro-once-feed-'));
    await writeFeed(feed, [mal('MAL-2026-0200', 'unrelated', ['1.0.0'])]);
    const policy = await writePolicy('version: 1\ndefault_action: allow\n');
    for (let i = 0; i < 2; i++) {
      replicas.push(await startFirewallProcess({
        policy, upstream: up.url, args: ['--database', p.url, '--malicious-feed', feed],
        env: { PGPASSWORD: p.password, SSCS_FIREWALL_ADMIN_TOKEN: ADMIN, SSCS_FIREWALL_WEBHOOK_URL: hook.url, SSCS_FIREWALL_WEBHOOK_SECRET: SECRET },
      }));
    }
  });
  afterAll(async () => {
    for (const fw of replicas) await fw.stop();
    await up?.close();
    await hook?.close();
    await p?.close();
  });

  it('writes one audit row and sends one webhook when both replicas reload the same new feed', async () => {
    const [a, b] = replicas as [FirewallProcess, FirewallProcess];
    expect((await fetch(`${a.url}/retro-once/-/retro-once-1.0.0.tgz`)).status).toBe(200);
    // Both replicas must be able to find the hit: A's fetch is in the shared log before either reloads.
    const db = await p.admin();
    try {
      await until('the fetch is in the served log', async () => (await db.query("SELECT 1 FROM served_versions WHERE name = 'retro-once'")).rowCount === 1);
    } finally {
      await db.end();
    }

    await writeFeed(feed, [mal('MAL-2026-0201', 'retro-once', ['1.0.0'])]);
    const reports = await Promise.all(replicas.map(async (fw) => {
      const r = await fetch(`${fw.url}/-/sscs/admin/reload`, { method: 'POST', headers: auth });
      return [r.status, ((await r.json()) as { reload: { feed: { ok: boolean; retroactiveHits: number } } }).reload.feed] as const;
    }));
    expect(reports.map(([status, f]) => [status, f.ok])).toEqual([[200, true], [200, true]]);
    expect(reports.map(([, f]) => f.retroactiveHits).sort()).toEqual([0, 1]);
    // The other one found it too, and says why it stayed quiet.
    const quiet = replicas[reports.findIndex(([, f]) => f.retroactiveHits === 0)]!;
    expect(quiet.logs()).toContain('"event":"retroactive-hit-claimed-elsewhere"');

    await until('the webhook arrives', async () => hook.events.some((e) => e.type === 'retroactive-hit'));
    // Time for a second delivery, were there one.
    await new Promise((r) => setTimeout(r, 1500));
    const events = hook.events.filter((e) => e.type === 'retroactive-hit');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ verified: true, schemaErrors: [], name: 'retro-once', version: '1.0.0', data: { ids: ['MAL-2026-0201'] } });

    for (const fw of [a, b]) {
      const audit = (await (await fetch(`${fw.url}/-/sscs/admin/audit`, { headers: auth })).json()) as { audit: Record<string, unknown>[] };
      expect(audit.audit.filter((r) => r.action === 'retroactive-hit').map((r) => [r.name, r.version, r.client, r.rule])).toEqual([
        ['retro-once', '1.0.0', '127.0.0.1', 'malicious-feed:MAL-2026-0201'],
      ]);
    }
    for (const fw of [a, b]) {
      expect(fw.logs()).not.toContain(p.password);
      expect(fw.logs()).not.toContain(ADMIN);
      expect(fw.logs()).not.toContain(SECRET);
    }
  });
});
