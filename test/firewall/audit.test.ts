import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';

const REPEATS = 1000;

describe('firewall audit log', () => {
  it('aggregates repeated identical lines into one row with a count, and keeps every distinct decision and refusal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-audit-'));
    const store = await openSqliteStore(join(dir, 'firewall.db'));
    const base = { client: '127.0.0.1', kind: 'tarball' as const, name: 'hot-pkg', version: '1.0.0', action: 'allow', rule: 'default', status: 200 };
    const start = Date.now();
    for (let i = 0; i < REPEATS; i++) store.audit({ ...base, at: new Date(start + i) });
    store.audit({ ...base, at: new Date(start + REPEATS), action: 'deny', rule: 'deny-hot', status: 403 });
    store.audit({ ...base, at: new Date(start + REPEATS + 1), client: '10.0.0.2' });
    const log = await store.auditLog(10);
    await store.close();
    expect(log.map((e) => [e.client, e.action, e.status, e.count ?? 1])).toEqual([
      ['10.0.0.2', 'allow', 200, 1],
      ['127.0.0.1', 'deny', 403, 1],
      ['127.0.0.1', 'allow', 200, REPEATS],
    ]);
    expect(log[2]!.at.getTime()).toBe(start);
    expect(log[2]!.lastAt?.getTime()).toBe(start + REPEATS - 1);
  });
});
