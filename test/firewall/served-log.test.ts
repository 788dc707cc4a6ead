import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServedLog } from '../../helper/dist/firewall/served-log.js';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import type { Store } from '../../helper/dist/firewall/store.js';

/** Times within the last 200 s (a write prunes against the real clock). */
const BASE = Date.now() - 200_000;
const at = (s: number) => new Date(BASE + s * 1000);
const all = async (log: ServedLog, now?: Date) => {
  const out = [];
  for await (const v of log.versions(now)) out.push((await log.clients(v.name, v.version))!);
  return out;
};

describe('served log (in the SQLite store; PostgreSQL: retroactive-shared.test.ts)', () => {
  const opened: Store[] = [];
  const open = async (): Promise<{ store: Store; path: string }> => {
    const path = join(await mkdtemp(join(tmpdir(), 'sscs-served-')), 'firewall.db');
    const store = await openSqliteStore(path);
    opened.push(store);
    return { store, path };
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it('names at most maxClients clients per version (same address, agent and session counted as one), and keeps the most recently served versions', async () => {
    const { store } = await open();
    const log = new ServedLog(store.served, { limits: { maxVersions: 3, maxClients: 2 } });
    for (let i = 0; i < 4; i++) log.record(`p${i}`, '1.0.0', { address: '10.0.0.1' }, at(i));
    log.record('p1', '1.0.0', { address: '10.0.0.2' }, at(10));
    log.record('p1', '1.0.0', { address: '10.0.0.3' }, at(11));
    log.record('p1', '1.0.0', { address: '10.0.0.1' }, at(12));
    await log.flush();
    // A second batch: counts add up across writes.
    log.record('p1', '1.0.0', { address: '10.0.0.1' }, at(13));
    log.record('p1', '1.0.0', { address: '10.0.0.4' }, at(14));
    await log.flush();
    const versions = await all(log);
    expect(versions.map((v) => v.name)).toEqual(['p1', 'p2', 'p3']);
    const p1 = versions[0]!;
    expect(p1.clients.map((c) => [c.address, c.fetches])).toEqual([['10.0.0.1', 3], ['10.0.0.2', 1]]);
    expect(p1.otherClients).toBe(2);
    expect(p1.lastAt.getTime()).toBe(at(14).getTime());
  });

  it('forgets versions past the retention window, and survives reopening the database', async () => {
    const { store, path } = await open();
    const log = new ServedLog(store.served, { limits: { retentionMs: 60_000 } });
    log.record('old', '1.0.0', { address: '10.0.0.1' }, at(0));
    log.record('pkg:pypi/new', '2.0', { address: '10.0.0.1' }, at(170));
    await log.close();
    await store.close();
    opened.length = 0;
    const again = await openSqliteStore(path);
    opened.push(again);
    const reread = new ServedLog(again.served, { limits: { retentionMs: 60_000 } });
    expect((await all(reread)).map((v) => [v.name, v.version])).toEqual([['pkg:pypi/new', '2.0']]);
    // Removed from the database by the write's prune, not only skipped by the read.
    expect(await reread.clients('old', '1.0.0')).toBeUndefined();
    expect((await reread.clients('pkg:pypi/new', '2.0'))?.clients.map((c) => c.address)).toEqual(['10.0.0.1']);
  });

  it('keeps only printable, bounded client headers and a well-formed npm-session', async () => {
    const { store } = await open();
    const log = new ServedLog(store.served);
    log.record('p', '1.0.0', { address: '10.0.0.1', userAgent: `npm/10\r\nx-evil: 1${'a'.repeat(500)}`, npmSession: 'not hex!' }, at(0));
    const [c] = (await all(log))[0]!.clients;
    expect(c!.userAgent).toMatch(/^npm\/10x-evil: 1a+$/);
    expect(c!.userAgent!.length).toBe(200);
    expect(c!.npmSession).toBeUndefined();
  });

  it('lets a retroactive hit be claimed once per version and feed record, audit rows with the claim', async () => {
    const { store } = await open();
    const hit = { ecosystem: 'npm', name: 'p', version: '1.0.0', ids: ['MAL-2', 'MAL-1'], at: at(0) };
    const rows = (ids: string[]) => [{ at: at(0), client: '10.0.0.1', kind: 'tarball' as const, name: 'p', version: '1.0.0', action: 'retroactive-hit', rule: ids.join(','), status: 200 }];
    expect(await store.served.claimHit(hit, rows)).toEqual(['MAL-1', 'MAL-2']);
    expect(await store.served.claimHit(hit, rows)).toEqual([]);
    // A record added later for the same version is a new hit; another ecosystem's same name is another package.
    expect(await store.served.claimHit({ ...hit, ids: ['MAL-1', 'MAL-3'] }, rows)).toEqual(['MAL-3']);
    expect(await store.served.claimHit({ ...hit, ecosystem: 'pypi', name: 'pkg:pypi/p' }, rows)).toEqual(['MAL-1', 'MAL-2']);
    expect((await store.auditLog(10)).filter((r) => r.action === 'retroactive-hit').map((r) => r.rule).sort()).toEqual(['MAL-1,MAL-2', 'MAL-1,MAL-2', 'MAL-3']);
  });
});
