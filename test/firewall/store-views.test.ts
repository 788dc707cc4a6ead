import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import type { Store } from '../../helper/dist/firewall/store.js';

const HOUR = 3_600_000;

describe('firewall store: what the admin page reads', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore(join(await mkdtemp(join(tmpdir(), 'sscs-views-')), 'firewall.db'));
  });
  afterEach(() => store.close());

  it('lists waivers in force, newest first, and revokes one so that it no longer applies', async () => {
    const now = new Date();
    const a = await store.addWaiver({ name: 'a-pkg', version: '1.0.0', by: 'team-a', reason: 'reviewed' });
    const b = await store.addWaiver({ name: 'b-pkg', version: '>=2.0.0 <3.0.0', by: 'team-b', reason: 'pinned', expiresAt: new Date(now.getTime() + HOUR) });
    await store.addWaiver({ name: 'c-pkg', version: '1.0.0', by: 'team-c', reason: 'gone', expiresAt: new Date(now.getTime() + 1000) });
    expect((await store.waivers(new Date(now.getTime() + 2000), 10)).map((w) => w.id)).toEqual([b.id, a.id]);
    expect((await store.waivers(now, 1)).length).toBe(1);

    const generation = await store.generation();
    const revoked = await store.revokeWaiver(b.id, now);
    expect(revoked?.expiresAt?.getTime()).toBe(now.getTime());
    expect(await store.generation()).toBe(generation + 1);
    expect(await store.activeWaiver('b-pkg', '2.1.0', now)).toBeUndefined();
    expect((await store.waivers(now, 10)).map((w) => w.id)).not.toContain(b.id);
    // Revoking twice, or an unknown id, changes nothing.
    expect(await store.revokeWaiver(b.id, now)).toBeUndefined();
    expect(await store.revokeWaiver(999, now)).toBeUndefined();
    expect(await store.generation()).toBe(generation + 1);
  });

  it('searches the audit log literally, newest first, a page at a time', async () => {
    const at = new Date();
    for (let i = 0; i < 25; i++) await store.audit({ at, client: `10.0.0.${i}`, kind: 'tarball', name: `pkg-${i}`, version: '1.0.0', action: 'allow', rule: 'default', status: 200 });
    await store.audit({ at, client: '10.0.1.1', kind: 'tarball', name: 'evil_pkg', version: '1.0.0', action: 'deny', rule: 'deny-evil', status: 403 });
    await store.audit({ at, client: '10.0.1.1', kind: 'tarball', name: 'evilxpkg', version: '1.0.0', action: 'deny', rule: 'deny-evil', status: 403 });
    const search = async (q: { text?: string; before?: number; limit?: number; scanRows?: number }) => await store.searchAudit({ limit: 10, scanRows: 1000, ...q });

    const first = await search({});
    expect(first.rows.map((e) => e.name).slice(0, 3)).toEqual(['evilxpkg', 'evil_pkg', 'pkg-24']);
    const second = await search({ before: first.next! });
    expect(second.rows[0]!.name).toBe('pkg-16');
    const third = await search({ before: second.next! });
    expect(third.rows.length).toBe(7);
    expect(third.next).toBeUndefined();
    expect(new Set([...first.rows, ...second.rows, ...third.rows].map((e) => e.id)).size).toBe(27);

    // `_` and `%` are literal characters, not LIKE wildcards.
    expect((await search({ text: 'evil_' })).rows.map((e) => e.name)).toEqual(['evil_pkg']);
    expect((await search({ text: '%' })).rows).toEqual([]);
    expect((await search({ text: 'DENY-EVIL' })).rows.length).toBe(2);
    expect((await search({ text: '10.0.0.7' })).rows.map((e) => e.name)).toEqual(['pkg-7']);
  });

  it('examines at most scanRows rows per search, and says where to go on', async () => {
    const at = new Date();
    await store.audit({ at, client: '10.0.0.1', kind: 'tarball', name: 'needle', version: '1.0.0', action: 'deny', rule: 'deny-needle', status: 403 });
    for (let i = 0; i < 30; i++) await store.audit({ at, client: '10.0.0.2', kind: 'tarball', name: `hay-${i}`, version: '1.0.0', action: 'allow', status: 200 });
    // The needle is row 1 of 31: a window of 10 rows from the top does not reach it.
    let page = await store.searchAudit({ text: 'needle', limit: 10, scanRows: 10 });
    const windows: number[] = [];
    while (page.rows.length === 0 && page.next !== undefined) {
      windows.push(page.next);
      page = await store.searchAudit({ text: 'needle', limit: 10, scanRows: 10, before: page.next });
    }
    expect(windows).toEqual([22, 12, 2]);
    expect(page.rows.map((e) => e.name)).toEqual(['needle']);
    expect(page.next).toBeUndefined();
  });

  it('counts refused versions, and refused requests among the newest audit rows, per rule', async () => {
    const decidedAt = new Date();
    await store.recordDecisions([
      { name: 'evil', version: '1.0.0', action: 'deny', rule: 'deny-evil', reason: 'bad', policyVersion: 'p', decidedAt },
      { name: 'evil', version: '1.1.0', action: 'deny', rule: 'deny-evil', reason: 'bad', policyVersion: 'p', decidedAt },
      { name: 'fresh', version: '1.0.0', action: 'quarantine', rule: 'hold-fresh', reason: 'new', policyVersion: 'p', decidedAt },
    ]);
    const base = { client: '10.0.0.1', kind: 'tarball' as const, name: 'evil', version: '1.0.0', action: 'deny', rule: 'deny-evil', status: 403 };
    // Rows written in separate batches, so that each is its own row.
    for (let i = 0; i < 3; i++) await store.audit({ ...base, client: `10.0.0.${i}`, at: new Date() });
    await store.audit({ ...base, at: new Date(), kind: 'admin', action: 'release', rule: 'release:1', status: 200 });
    await store.audit({ ...base, at: new Date(), name: 'good', action: 'allow', rule: 'default', status: 200 });
    expect(await store.ruleCounts(100)).toEqual([
      { rule: 'deny-evil', action: 'deny', versions: 2, requests: 3 },
      { rule: 'hold-fresh', action: 'quarantine', versions: 1, requests: 0 },
    ]);
    // Only the newest rows count: the last 3 rows hold one deny-evil request.
    expect((await store.ruleCounts(3))[0]).toEqual({ rule: 'deny-evil', action: 'deny', versions: 2, requests: 1 });
  });
});
