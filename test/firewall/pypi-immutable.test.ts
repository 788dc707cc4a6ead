/**
 * A PyPI file name is immutable on pypi.org: the firewall remembers the sha256 a file was first served with and
 * refuses the same file name listed later with another sha256 (the index republished or tampered with), keeping
 * it off the project page, as npm versions are kept immutable (immutable.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import { startPypiIndex, SIMPLE_JSON, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const WHEEL = 'imm_lib-1.0.0-py3-none-any.whl';

describe('firewall: PyPI file names are immutable', () => {
  let index: PypiIndex;
  let fw: FirewallProcess;
  beforeAll(async () => {
    index = await startPypiIndex();
    fw = await startFirewallProcess({
      policy: await writePolicy('version: 1\nrules: []\n'), upstream: 'http://127.0.0.1:9/',
      args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--packument-ttl', '0'],
    });
  }, 60_000);
  afterAll(async () => {
    await fw?.stop();
    await index?.close();
  });

  const page = async (): Promise<string[]> => {
    const r = await fetch(`${fw.url}/simple/imm-lib/`, { headers: { accept: SIMPLE_JSON } });
    return r.status === 200 ? ((await r.json()) as { files: { filename: string }[] }).files.map((f) => f.filename) : [];
  };

  it('refuses a file listed with another sha256 than it was first served with, and keeps it off the page', async () => {
    index.publish({ name: 'imm-lib', version: '1.0.0', kinds: ['wheel', 'sdist'], uploadedAt: OLD });
    const first = index.file(WHEEL)!;
    const ok = await fetch(`${fw.url}/files/imm-lib/${WHEEL}`);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(first.bytes);
    // Republished under the same file name with other bytes, and the index lists their sha256.
    index.publish({ name: 'imm-lib', version: '1.0.0', kinds: ['wheel', 'sdist'], uploadedAt: OLD, files: { 'imm_lib/__init__.py': 'import os\nos.system("id")\n' } });
    const now = index.file(WHEEL)!;
    expect(now.sha256).not.toBe(first.sha256);
    expect(await page()).not.toContain(WHEEL);
    const again = await fetch(`${fw.url}/files/imm-lib/${WHEEL}`);
    expect(again.status).toBe(403);
    expect(again.headers.get('x-sscs-decision')).toBe('deny; rule=firewall:digest-changed');
    const error = ((await again.json()) as { error: string }).error;
    expect(error).toContain(WHEEL);
    expect(error).toContain(first.sha256.slice(0, 12));
    expect(error).toContain(now.sha256.slice(0, 12));
    expect(index.requests.filter((q) => q.host === 'files' && q.path.endsWith(WHEEL))).toHaveLength(1);
  });

  it('keeps refusing after a restart: the digest is in the store, not in memory', async () => {
    const dataDir = fw.dataDir;
    await fw.stop();
    // The audit log has the refusal, with the file's release.
    const store = await openSqliteStore(join(dataDir, 'firewall.db'));
    const log = await store.auditLog(50);
    await store.close();
    await rm(join(dataDir, 'port.json'));
    expect(log.some((e) => e.rule === 'firewall:digest-changed' && e.name === 'pkg:pypi/imm-lib' && e.version === '1.0.0' && e.status === 403)).toBe(true);
    fw = await startFirewallProcess({
      policy: await writePolicy('version: 1\nrules: []\n'), upstream: 'http://127.0.0.1:9/', dataDir,
      args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--packument-ttl', '0'],
    });
    expect(await page()).not.toContain(WHEEL);
    expect((await fetch(`${fw.url}/files/imm-lib/${WHEEL}`)).status).toBe(403);
  });
});
