/**
 * PyPI project-page and file fetches share the firewall's bound on upstream work in flight (256, as for npm
 * packuments): past it a client gets 503 with Retry-After at once, and the firewall keeps answering /-/health.
 * The upstream is a slow PEP 691 index written here (the test index answers at once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

/** More than the bound of 256 upstream fetches at once. */
const CLIENTS = 300;
const DELAY_MS = 3000;
const WHEEL = randomBytes(256);

describe('firewall: PyPI upstream work in flight is bounded', () => {
  let server: Server;
  let base = '';
  let fw: FirewallProcess;
  let slow = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const send = (): void => {
        const page = /^\/simple\/([a-z0-9-]+)\/$/.exec(req.url ?? '');
        if (page) {
          const name = page[1]!;
          const filename = `${name.replace(/-/g, '_')}-1.0.0-py3-none-any.whl`;
          const body = JSON.stringify({ meta: { 'api-version': '1.0' }, name, files: [{ filename, url: `${base}/files/${filename}`, hashes: { sha256: createHash('sha256').update(WHEEL).digest('hex') } }] });
          res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(body);
        } else if (req.url?.startsWith('/files/')) {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': WHEEL.length }).end(WHEEL);
        } else res.writeHead(404).end();
      };
      if (slow) setTimeout(send, DELAY_MS);
      else send();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\nrules: []\n'), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', `${base}/simple/`, '--pypi-files', `${base}/files/`] });
  }, 60_000);
  afterAll(async () => {
    await fw?.stop();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  const burst = async (path: (i: number) => string): Promise<{ counts: Record<string, number>; health: number[] }> => {
    const health: number[] = [];
    const answers = Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
      const res = await fetch(`${fw.url}${path(i)}`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
      await res.arrayBuffer();
      return res.status === 503 ? `503 retry-after ${res.headers.get('retry-after')}` : String(res.status);
    }));
    // While the slow fetches are held, the firewall still answers its health check.
    await new Promise((r) => setTimeout(r, DELAY_MS / 3));
    health.push((await fetch(`${fw.url}/-/health`)).status);
    const counts = (await answers).reduce<Record<string, number>>((c, a) => ({ ...c, [a]: (c[a] ?? 0) + 1 }), {});
    return { counts, health };
  };

  it('answers 503 with Retry-After past the bound on project pages, and serves the rest', async () => {
    slow = true;
    const { counts, health } = await burst((i) => `/simple/proj-${i}/`);
    console.log(`pypi in flight: ${CLIENTS} project pages at once: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['200', '503 retry-after 2']);
    expect(counts['200']).toBeGreaterThanOrEqual(256);
    expect(health).toEqual([200]);
    expect(await (await fetch(`${fw.url}/metrics`)).text()).toMatch(/^sscs_firewall_busy_total \d+$/m);
  }, 60_000);

  it('counts file fetches against the same bound', async () => {
    slow = false;
    expect((await fetch(`${fw.url}/simple/one-file/`)).status).toBe(200);
    slow = true;
    // The page is cached now: each request is a file fetch from the slow upstream (a miss each, never shared).
    const { counts, health } = await burst(() => '/files/one-file/one_file-1.0.0-py3-none-any.whl');
    console.log(`pypi in flight: ${CLIENTS} file fetches at once: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['200', '503 retry-after 2']);
    expect(counts['200']).toBeGreaterThanOrEqual(256);
    expect(health).toEqual([200]);
  }, 60_000);
});
