import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

/** 0.05 MB: the big package's tarball is well over it, the slow one's well under it. */
const MAX_TARBALL_MB = '0.05';
const IDLE_TIMEOUT_MS = '1000';
const DEADLINE_MS = '2000';
/** One byte per tick keeps the idle timer from ever firing; a tarball of a few hundred bytes takes seconds. */
const TRICKLE_TICK_MS = 20;

/**
 * A real upstream in front of verdaccio that serves tarballs without a content-length (so only the byte count
 * can stop them), and `slow-pkg`'s a byte at a time. The Host header is passed through, so the packument's
 * tarball URLs name this server.
 */
async function startGate(upstream: string): Promise<{ url: string; server: Server }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      if (!req.url!.includes('/-/')) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        return;
      }
      const headers = { ...ur.headers };
      delete headers['content-length'];
      res.writeHead(ur.statusCode ?? 502, headers);
      if (!req.url!.startsWith('/slow-pkg/')) {
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        let i = 0;
        const tick = setInterval(() => {
          if (res.destroyed || i >= body.length) {
            clearInterval(tick);
            res.end();
            return;
          }
          res.write(body.subarray(i, ++i));
        }, TRICKLE_TICK_MS);
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const outcome = (res: Promise<Response>): Promise<string> => res.then((r) => r.arrayBuffer()).then(() => 'complete', () => 'cut');

describe('firewall download limits', () => {
  let v: Verdaccio;
  let gate: { url: string; server: Server };
  let fw: FirewallProcess;
  beforeAll(async () => {
    v = await startVerdaccio();
    // Random bytes do not compress: the tarball stays about this size.
    await v.publish({ name: 'big-pkg', version: '1.0.0', files: { 'blob.txt': randomBytes(200 * 1024).toString('base64') } });
    await v.publish({ name: 'slow-pkg', version: '1.0.0' });
    await v.publish({ name: 'small-pkg', version: '1.0.0' });
    gate = await startGate(v.url);
    fw = await startFirewallProcess({
      policy: await writePolicy('version: 1\n'), upstream: gate.url,
      args: ['--packument-ttl', '0', '--max-tarball-mb', MAX_TARBALL_MB, '--upstream-timeout-ms', IDLE_TIMEOUT_MS, '--upstream-deadline-ms', DEADLINE_MS],
    });
  });
  afterAll(async () => {
    await fw?.stop();
    await new Promise((r) => gate?.server.close(r));
    await v?.close();
  });

  const cachedTarballs = async (): Promise<string[]> => (await readdir(join(fw.dataDir, 'tarballs'))).filter((f) => f.endsWith('.tgz'));

  it('cuts a tarball past --max-tarball-mb and caches nothing', async () => {
    expect(await outcome(fetch(`${fw.url}/big-pkg/-/big-pkg-1.0.0.tgz`))).toBe('cut');
    expect(await cachedTarballs()).toEqual([]);
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    expect(metrics).toMatch(/^sscs_firewall_tarball_aborts_total\{reason="too-large"\} 1$/m);
  });

  it('cuts a tarball trickling past --upstream-deadline-ms and caches nothing', async () => {
    expect(await outcome(fetch(`${fw.url}/slow-pkg/-/slow-pkg-1.0.0.tgz`))).toBe('cut');
    expect(await cachedTarballs()).toEqual([]);
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    expect(metrics).toMatch(/^sscs_firewall_tarball_aborts_total\{reason="timeout"\} 1$/m);
  });

  it('still serves a tarball within both limits', async () => {
    expect(await outcome(fetch(`${fw.url}/small-pkg/-/small-pkg-1.0.0.tgz`))).toBe('complete');
  });
});
