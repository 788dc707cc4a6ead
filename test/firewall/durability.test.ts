import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { startFirewallProcess, writePolicy } from './support.js';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';

const VERSIONS = Array.from({ length: 120 }, (_, i) => `1.0.${i}`);
const WORKERS = 8;
/** Acknowledged responses before the kill: enough that the kill lands with requests in flight. */
const ACKS_BEFORE_KILL = 90;

describe('firewall state', () => {
  let v: Verdaccio;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.seedVersions('dur-ok', VERSIONS);
    await v.seedVersions('dur-bad', VERSIONS);
  });
  afterAll(async () => v?.close());

  it('loses no acknowledged decision when the process is killed with SIGKILL mid-load', async () => {
    const fw = await startFirewallProcess({ policy: await writePolicy('version: 1\nrules:\n  - id: no-bad\n    match: dur-bad\n    action: deny\n'), upstream: v.url });
    const acked: { name: string; version: string; action: string }[] = [];
    const queue = VERSIONS.flatMap((version) => [{ name: 'dur-ok', version }, { name: 'dur-bad', version }]);
    let killed = false;
    const worker = async (): Promise<void> => {
      while (queue.length && !killed) {
        const { name, version } = queue.shift()!;
        try {
          const res = await fetch(`${fw.url}/${name}/-/${name}-${version}.tgz`);
          await res.arrayBuffer();
          if (res.status === 200 || res.status === 403) acked.push({ name, version, action: res.status === 200 ? 'allow' : 'deny' });
        } catch {
          return; // the server is gone
        }
        if (acked.length >= ACKS_BEFORE_KILL && !killed) {
          killed = true;
          fw.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    expect(await fw.stop()).toBe(null);
    expect(killed).toBe(true);
    expect(acked.filter((a) => a.action === 'allow').length).toBeGreaterThan(10);

    const store = await openSqliteStore(join(fw.dataDir, 'firewall.db'));
    try {
      const stored = await Promise.all(acked.map((a) => store.decision(a.name, a.version)));
      const missing = acked.filter((a, i) => stored[i]?.action !== a.action);
      expect(missing).toEqual([]);
      // Audit lines are written in batches at most 100 ms old, so a kill may lose the last batch (documented);
      // what was written is still readable after the kill.
      await expect(store.auditLog(10_000)).resolves.toBeDefined();
    } finally {
      await store.close();
    }
  });
});
