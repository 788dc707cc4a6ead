import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { startHostileUpstream, type HostileUpstream } from './hostile-upstream.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const CLIENTS = 40;
const VERSIONS = 200;
/** 200 versions of 50 kB of readme each: a 10 MB packument. */
const README_BYTES = 50 * 1024;
/** More than MAX_PENDING_FETCHES (256) distinct packuments asked at once. */
const DISTINCT = Number(process.env.DISTINCT ?? 300);

/**
 * A GET on a connection of its own (Connection: close), as `fetch` without its keep-alive pool: a socket left idle
 * by one test and closed by the server's keep-alive timeout just as the next test reuses it fails that request
 * ("other side closed"), which says nothing about the firewall.
 */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const peakRssMb = async (pid: number): Promise<number> => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);

describe('firewall: memory in flight is bounded', () => {
  let up: HostileUpstream;
  let fw: FirewallProcess;
  beforeAll(async () => {
    up = await startHostileUpstream();
    for (let i = 0; i < VERSIONS; i++) up.publish('huge-pkg', `1.0.${i}`, { tarball: randomBytes(64), manifest: { readme: randomBytes(README_BYTES / 2).toString('hex') } });
    for (let i = 0; i < DISTINCT; i++) up.publish(`many-${i}`, '1.0.0', { tarball: randomBytes(64) });
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: up.url, args: ['--max-inflight-mb', '1'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await up?.close();
  });

  it(`builds a 10 MB packument once for ${CLIENTS} clients with ${CLIENTS} different tokens`, async () => {
    up.packumentBodyDelayMs = 200;
    const before = await peakRssMb(fw.child.pid!);
    const statuses = await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
      try {
        const res = await get(`${fw.url}/huge-pkg`, { authorization: `Bearer token-${i}`, 'accept-encoding': 'identity' });
        const body = res.body;
        // One parse is enough to check the document; forty would only load the test's own process.
        return `${res.status} ${i === 0 ? Object.keys((JSON.parse(body.toString()) as { versions: object }).versions).length : VERSIONS} ${body.length === Number(res.headers['content-length'])}`;
      } catch (e) {
        return `failed: ${(e as Error).message}`;
      }
    }));
    const peak = await peakRssMb(fw.child.pid!).catch(() => -1);
    const full = up.requests.filter((r) => r === 'GET /huge-pkg 200').length;
    const revalidated = up.requests.filter((r) => r === 'GET /huge-pkg 304').length;
    console.log(`in flight: ${CLIENTS} tokens asked for a ${VERSIONS * README_BYTES / 1024 / 1024} MB packument at once: upstream sent it ${full} time(s) and answered 304 ${revalidated} times; firewall peak RSS ${before} MB before, ${peak} MB after`);
    expect(new Set(statuses)).toEqual(new Set([`200 ${VERSIONS} true`]));
    expect(full).toBe(1);
    expect(revalidated).toBe(CLIENTS - 1);
  });

  it('answers 503 with Retry-After past the bound on fetches in flight, and serves the rest', async () => {
    // Long enough that all of them are pending at once, even on a loaded machine.
    up.packumentBodyDelayMs = 3000;
    const answers = await Promise.all(Array.from({ length: DISTINCT }, async (_, i) => {
      const res = await get(`${fw.url}/many-${i}`);
      return res.status === 503 ? `503 retry-after ${res.headers['retry-after']}` : String(res.status);
    }));
    const counts = answers.reduce<Record<string, number>>((c, a) => ({ ...c, [a]: (c[a] ?? 0) + 1 }), {});
    console.log(`in flight: ${DISTINCT} packuments at once: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['200', '503 retry-after 2']);
    expect(counts['200']).toBeGreaterThanOrEqual(256);
    const metrics = (await get(`${fw.url}/metrics`)).body.toString();
    expect(metrics).toMatch(/^sscs_firewall_busy_total \d+$/m);
    expect(fw.child.exitCode).toBeNull();
  });
});
