/**
 * A PyPI file over --max-tarball-mb is cut and counted as an npm tarball is (limits.test.ts): the same abort
 * metric and the same denial in the request log, since both ecosystems share one account of failed downloads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);

describe('firewall: a PyPI file past --max-tarball-mb', () => {
  let index: PypiIndex;
  let fw: FirewallProcess;
  beforeAll(async () => {
    index = await startPypiIndex();
    // Random bytes do not compress: the wheel stays well over 0.05 MB.
    index.publish({ name: 'big-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD, files: { 'big_lib/blob.bin': randomBytes(200_000) } });
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\nrules: []\n'), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--max-tarball-mb', '0.05'] });
  }, 60_000);
  afterAll(async () => {
    await fw?.stop();
    await index?.close();
  });

  it('is refused with 502 and counted as a too-large abort', async () => {
    const r = await fetch(`${fw.url}/files/big-lib/big_lib-1.0.0-py3-none-any.whl`);
    expect(r.status).toBe(502);
    expect((await r.json()) as { error: string }).toEqual({ error: expect.stringMatching(/^sscs firewall: big-lib@1\.0\.0: the file of \d+ bytes is over the limit of 52428 bytes \(--max-tarball-mb\)$/) });
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    expect(metrics).toMatch(/^sscs_firewall_tarball_aborts_total\{reason="too-large"\} 1$/m);
  });
});
