/**
 * No half-written cache file stays behind when a tarball request fails between the cache writer's creation and
 * the download: here the decision cannot be recorded (the database refuses the write), after the upstream
 * answered and the writer was opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

describe('tarball cache: a request that fails after the writer opened', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let fw: FirewallProcess;

  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    await up.publish({ name: 'leftover-pkg', version: '1.0.0' });
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\ndefault_action: allow\n'), upstream: up.url, args: ['--database', p.url], env: { PGPASSWORD: p.password } });
  });
  afterAll(async () => {
    await fw?.stop();
    await up?.close();
    await p?.close();
  });

  it('fails closed and leaves nothing in the temp folder when the decision cannot be recorded', async () => {
    expect((await fetch(`${fw.url}/leftover-pkg`)).status).toBe(200);
    // Reads still work; the decision's write is refused (a superuser's REVOKE acts for the owner).
    const db = await p.admin();
    try {
      await db.query('REVOKE INSERT, UPDATE ON decisions FROM sscs');
    } finally {
      await db.end();
    }
    const r = await fetch(`${fw.url}/leftover-pkg/-/leftover-pkg-1.0.0.tgz`);
    await r.arrayBuffer().catch(() => undefined);
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect(await readdir(`${fw.dataDir}/tarballs/tmp`)).toEqual([]);
  });
});
