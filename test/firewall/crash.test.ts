import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chunked, chunkedAtOnce, lastChunkAlone, startHostileUpstream, wholeBody, type HostileUpstream } from './hostile-upstream.js';
import { abortAfterFirstBytes, metric, startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

/** 0.05 MB: the big tarball is well over it. */
const MAX_TARBALL_MB = '0.05';
const CLIENT_ABORTS = 40;

const outcome = (res: Promise<Response>): Promise<string> => res.then((r) => r.arrayBuffer()).then(() => 'complete', () => 'cut');

describe('firewall survives cut downloads', () => {
  let up: HostileUpstream;
  let fw: FirewallProcess;
  beforeAll(async () => {
    up = await startHostileUpstream();
    const good = randomBytes(32 * 1024);
    up.publish('tampered-pkg', '1.0.0', { tarball: good, sent: Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good.at(-1)! ^ 1])]) });
    up.publish('big-pkg', '1.0.0', { tarball: randomBytes(200 * 1024) });
    up.publish('large-pkg', '1.0.0', { tarball: randomBytes(40 * 1024) });
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: up.url, args: ['--max-tarball-mb', MAX_TARBALL_MB] });
  });
  afterAll(async () => {
    await fw?.stop();
    await up?.close();
  });

  const alive = async (): Promise<void> => {
    expect(fw.child.exitCode, fw.logs()).toBeNull();
    expect((await fetch(`${fw.url}/-/health`)).status).toBe(200);
    // Survived by handling the fault, not by the process guard catching what escaped.
    expect(await metric(fw, /^sscs_firewall_escaped_errors_total/)).toBeUndefined();
  };

  it('cuts a tampered tarball whose last chunk arrives alone, and keeps serving', async () => {
    up.delivery = lastChunkAlone();
    for (let i = 0; i < 3; i++) expect(await outcome(fetch(`${fw.url}/tampered-pkg/-/tampered-pkg-1.0.0.tgz`))).toBe('cut');
    await alive();
    expect(await metric(fw, /^sscs_firewall_integrity_failures_total /)).toBe('sscs_firewall_integrity_failures_total 3');
  });

  it('cuts a chunked tarball past --max-tarball-mb, and keeps serving', async () => {
    up.delivery = chunked(24 * 1024, 0);
    for (let i = 0; i < 3; i++) expect(await outcome(fetch(`${fw.url}/big-pkg/-/big-pkg-1.0.0.tgz`))).toBe('cut');
    await alive();
    expect(await metric(fw, /^sscs_firewall_tarball_aborts_total\{reason="too-large"\}/)).toBe('sscs_firewall_tarball_aborts_total{reason="too-large"} 3');
  });

  it(`keeps serving after ${CLIENT_ABORTS} clients close during the first download of a tarball`, async () => {
    up.delivery = chunked(1024);
    for (let i = 0; i < CLIENT_ABORTS; i++) await abortAfterFirstBytes(`${fw.url}/large-pkg/-/large-pkg-1.0.0.tgz`);
    await alive();
    up.delivery = wholeBody;
    expect(await outcome(fetch(`${fw.url}/large-pkg/-/large-pkg-1.0.0.tgz`))).toBe('complete');
    const closed = await metric(fw, /^sscs_firewall_tarball_aborts_total\{reason="client-closed"\}/);
    expect(Number(closed?.split(" ")[1]), fw.logs()).toBeGreaterThan(0);
  });
});
