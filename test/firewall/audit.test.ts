import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';

const REPEATS = 1000;
/** sqlite-store.ts AUDIT_FLUSH_LINES: the line that fills a batch writes it at once. */
const FLUSH_LINES = 500;

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

  it('keeps a full batch the database cannot take (another writer holds it past the busy timeout), and writes it later', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-audit-'));
    const path = join(dir, 'firewall.db');
    const store = await openSqliteStore(path);
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    const at = new Date();
    try {
      // The last line fills the batch: its write waits out the busy timeout and fails, and the request goes on.
      for (let i = 0; i < FLUSH_LINES; i++) expect(() => store.audit({ at, client: '127.0.0.1', kind: 'tarball', name: `pkg-${i}`, version: '1.0.0', action: 'allow', status: 200 })).not.toThrow();
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    const log = await store.auditLog(FLUSH_LINES + 1);
    await store.close();
    expect(log).toHaveLength(FLUSH_LINES);
  }, 30_000);
});
