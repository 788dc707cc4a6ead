/** An oversized form post to the admin page is answered 413 (read to its end and dropped), not reset. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startAdminFirewall, type AdminSetup } from './admin-ui-support.js';

/** A raw post (node:http, so a reset shows as an error rather than a retry); its status and body. */
function post(url: string, origin: string, body: Buffer, chunked: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { origin, 'content-type': 'application/x-www-form-urlencoded', ...(chunked ? {} : { 'content-length': String(body.length) }) };
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => void (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) {
      // Sent in pieces with no declared length: the limit is met while reading.
      for (let at = 0; at < body.length; at += 8192) req.write(body.subarray(at, at + 8192));
      req.end();
    } else req.end(body);
  });
}

describe('admin page form size', () => {
  let s: AdminSetup;
  beforeAll(async () => {
    s = await startAdminFirewall([]);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 413 to a form over 16 KiB, declared or not, and the server keeps serving', async () => {
    const big = Buffer.from(`operator=mallory&token=${'x'.repeat(200 * 1024)}`);
    const origin = new URL(s.fw.url).origin;
    for (const chunked of [false, true]) {
      const r = await post(`${s.ui}login`, origin, big, chunked);
      expect(r.status, `chunked ${chunked}`).toBe(413);
      expect(r.body).toContain('a form post is at most 16384 bytes');
    }
    expect((await fetch(`${s.ui}login`)).status).toBe(200);
  });
});
