import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmInstall } from '../support/npm-clients.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { pipInstall, venv } from '../support/pip-clients.js';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { mal } from '../feeds/osv-records.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const ADMIN = 'retro-shared-admin-token-0123456789';

/** A MAL- record for a PyPI project, as ossf/malicious-packages publishes them (ecosystem "PyPI"). */
const malPypi = (id: string, name: string, versions: string[]): object => ({
  id, summary: `Malicious code in ${name} (PyPI)`, modified: '2026-11-30T10:00:00Z', published: '2026-11-30T10:00:00Z', schema_version: '1.5.0',
  affected: [{ package: { ecosystem: 'PyPI', name }, versions }],
});

async function writeFeed(dir: string, records: object[]): Promise<void> {
  for (const r of records) await writeFile(join(dir, `${(r as { id: string }).id}.json`), JSON.stringify(r));
}

// Replica A serves npm and pip clients and is stopped; replica B, started afterwards on the same PostgreSQL and
// never asked for either, finds both versions in a new feed and names A's clients: the served-client log is in
// the database, shared by replicas and kept across restarts, and covers PyPI files as well as npm tarballs.
describe('retroactive hits from the served-client log in PostgreSQL', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let index: PypiIndex;
  let feed: string;
  let a: FirewallProcess | undefined;
  let b: FirewallProcess | undefined;

  const replica = async (policy: string) =>
    await startFirewallProcess({
      policy, upstream: up.url,
      args: ['--database', p.url, '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--malicious-feed', feed],
      env: { PGPASSWORD: p.password, SSCS_FIREWALL_ADMIN_TOKEN: ADMIN },
    });

  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    await up.publish({ name: 'retro-npm', version: '1.0.0' });
    index = await startPypiIndex();
    index.publish({ name: 'retro-py', version: '1.0.0', kinds: ['wheel'], uploadedAt: new Date(Date.now() - 30 * 86_400_000) });
    feed = await mkdtemp(join(tmpdir(), 'sscs-retro-feed-'));
    await writeFeed(feed, [mal('MAL-2026-0100', 'unrelated', ['1.0.0'])]);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await up?.close();
    await index?.close();
    await p?.close();
  });

  it("names, from replica B, the npm and pip clients replica A served before it stopped", async () => {
    const policy = await writePolicy('version: 1\ndefault_action: allow\n');
    a = await replica(policy);
    const npm = await npmInstall(a.url, { 'retro-npm': '1.0.0' }, { localAddress: '127.0.0.2' });
    expect(npm.exitCode, npm.output).toBe(0);
    const home = await venv();
    const pip = await pipInstall(home, `${a.url}/simple/`, ['retro-py==1.0.0']);
    expect(pip.exitCode, pip.output).toBe(0);
    // SIGTERM: the fetches still waiting in memory (at most a second's worth) are written on the way out.
    expect(await a.stop()).toBe(0);

    b = await replica(policy);
    await writeFeed(feed, [mal('MAL-2026-0101', 'retro-npm', ['1.0.0']), malPypi('MAL-2026-0102', 'retro-py', ['1.0.0'])]);
    const reload = await fetch(`${b.url}/-/sscs/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    const report = (await reload.json()) as { reload: { feed: { ok: boolean; retroactiveHits: number } } };
    expect([reload.status, report.reload.feed.ok, report.reload.feed.retroactiveHits]).toEqual([200, true, 2]);

    const hits = b.logs().split('\n').filter((l) => l.includes('"event":"retroactive-hit"')).map((l) => JSON.parse(l) as Record<string, any>);
    const npmHit = hits.find((h) => h.name === 'retro-npm')!;
    const pyHit = hits.find((h) => h.name === 'retro-py')!;
    expect(npmHit).toMatchObject({ ecosystem: 'npm', version: '1.0.0', ids: ['MAL-2026-0101'] });
    expect(npmHit.clients).toEqual([expect.objectContaining({ address: '127.0.0.2', userAgent: expect.stringMatching(/^npm\//), fetches: 1 })]);
    expect(pyHit).toMatchObject({ ecosystem: 'pypi', version: '1.0.0', ids: ['MAL-2026-0102'] });
    expect(pyHit.clients).toEqual([expect.objectContaining({ address: '127.0.0.1', userAgent: expect.stringMatching(/^pip\//), fetches: 1 })]);

    // One audit row per client, in the shared log, written by B.
    const audit = (await (await fetch(`${b.url}/-/sscs/admin/audit`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { audit: Record<string, unknown>[] };
    const rows = audit.audit.filter((r) => r.action === 'retroactive-hit').map((r) => [r.name, r.version, r.client, r.rule]);
    expect(rows.sort()).toEqual([
      ['pkg:pypi/retro-py', '1.0.0', '127.0.0.1', 'malicious-feed:MAL-2026-0102'],
      ['retro-npm', '1.0.0', '127.0.0.2', 'malicious-feed:MAL-2026-0101'],
    ]);
    // A reload that lists nothing new reports nothing again.
    const again = (await (await fetch(`${b.url}/-/sscs/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { reload: { feed: { retroactiveHits: number } } };
    expect(again.reload.feed.retroactiveHits).toBe(0);
    for (const fw of [a, b]) {
      expect(fw.logs()).not.toContain(p.password);
      expect(fw.logs()).not.toContain(ADMIN);
    }
  });
});
