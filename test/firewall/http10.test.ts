import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { lastChunkAlone, startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

/** An HTTP/1.0 request on a raw socket: everything until the server closes, split into head and body. */
function get10(url: string, path: string): Promise<{ status: number; headers: string; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(Number(u.port), u.hostname, () => s.write(`GET ${path} HTTP/1.0\r\nHost: ${u.host}\r\n\r\n`));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const headers = all.subarray(0, end).toString();
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(headers)?.[1] ?? 0), headers, body: all.subarray(end + 4) });
    });
  });
}

describe('firewall: HTTP/1.0 clients, which cannot tell a cut from an end', () => {
  let up: HostileUpstream;
  let fw: FirewallProcess;
  const good = randomBytes(64 * 1024);
  beforeAll(async () => {
    up = await startHostileUpstream();
    // Chunked, no content-length: the firewall has no length to give an HTTP/1.0 client.
    up.delivery = lastChunkAlone();
    up.publish('tampered10', '1.0.0', { tarball: good, sent: Buffer.concat([good.subarray(0, -1), Buffer.from([good.at(-1)! ^ 1])]) });
    up.publish('honest10', '1.0.0', { tarball: good });
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: up.url });
  });
  afterAll(async () => {
    await fw?.stop();
    await up?.close();
  });

  it('sends none of a tampered tarball: a 502 before any byte', async () => {
    const r = await get10(fw.url, '/tampered10/-/tampered10-1.0.0.tgz');
    expect(r.status).toBe(502);
    expect(r.body.toString()).toContain('does not match the sha512 integrity');
  });

  it('sends an honest tarball verified whole, with its length', async () => {
    const r = await get10(fw.url, '/honest10/-/honest10-1.0.0.tgz');
    expect(r.status).toBe(200);
    expect(r.headers.toLowerCase()).toContain(`content-length: ${good.length}`);
    expect(r.body.equals(good)).toBe(true);
  });
});
