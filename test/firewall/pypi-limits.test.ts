/**
 * A PyPI file download that is cut is accounted as an npm tarball's is (limits.test.ts, crash.test.ts): a file over
 * --max-tarball-mb is a too-large abort, and a client that closes mid-download a client-closed one, since both
 * ecosystems share one account of failed downloads (download-failure.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { abortAfterFirstBytes, metric, startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
/** Larger than the socket buffers of a client that stops reading: the firewall is mid-stream when it closes. */
const HUGE_BYTES = 24 * 1024 * 1024;

describe('firewall: cut PyPI file downloads', () => {
  let index: PypiIndex;
  const fws: FirewallProcess[] = [];
  const start = async (args: string[] = []) => {
    const fw = await startFirewallProcess({ policy: await writePolicy('version: 1\nrules: []\n'), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, ...args] });
    fws.push(fw);
    return fw;
  };
  beforeAll(async () => {
    index = await startPypiIndex();
    // Random bytes do not compress: the wheels stay as large as their content.
    index.publish({ name: 'big-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD, files: { 'big_lib/blob.bin': randomBytes(200_000) } });
    index.publish({ name: 'huge-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD, files: { 'huge_lib/blob.bin': randomBytes(HUGE_BYTES) } });
  }, 60_000);
  afterAll(async () => {
    for (const fw of fws) await fw.stop();
    await index?.close();
  });

  it('refuses a file past --max-tarball-mb with 502 and counts a too-large abort', async () => {
    const fw = await start(['--max-tarball-mb', '0.05']);
    const r = await fetch(`${fw.url}/files/big-lib/big_lib-1.0.0-py3-none-any.whl`);
    expect(r.status).toBe(502);
    expect((await r.json()) as { error: string }).toEqual({ error: expect.stringMatching(/^sscs firewall: big-lib@1\.0\.0: the file of \d+ bytes is over the limit of 52428 bytes \(--max-tarball-mb\)$/) });
    expect(await metric(fw, /^sscs_firewall_tarball_aborts_total\{reason="too-large"\}/)).toBe('sscs_firewall_tarball_aborts_total{reason="too-large"} 1');
  });

  it('counts a client that closes mid-download as client-closed, and serves the file whole afterwards', async () => {
    const fw = await start();
    const url = `${fw.url}/files/huge-lib/huge_lib-1.0.0-py3-none-any.whl`;
    await abortAfterFirstBytes(url);
    // The abort is counted before the firewall awaits anything after the cut; /metrics is asked after it.
    await expect.poll(() => metric(fw, /^sscs_firewall_tarball_aborts_total\{reason="client-closed"\}/), { timeout: 5000 }).toBe('sscs_firewall_tarball_aborts_total{reason="client-closed"} 1');
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(index.file('huge_lib-1.0.0-py3-none-any.whl')!.bytes.length);
  });
});
