import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

/** Sends a request target exactly as given (fetch would normalise it). */
function raw(url: string, target: string, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: target, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('firewall request targets', () => {
  let v: Verdaccio;
  let fw: FirewallProcess;
  let canary: http.Server;
  let canaryHits = 0;
  let canaryUrl = '';
  beforeAll(async () => {
    canary = http.createServer((_req, res) => {
      canaryHits++;
      res.end('{}');
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
    canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
    v = await startVerdaccio();
    await v.seedVersions('plain', ['1.0.0']);
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: v.url });
  });
  afterAll(async () => {
    await fw?.stop();
    await v?.close();
    canary?.close();
  });

  it.each([
    ['an absolute-form target', () => `${canaryUrl}/plain`, 400],
    ['a protocol-relative target', () => `//127.0.0.1:${new URL(canaryUrl).port}/plain`, 400],
    ['an encoded traversal', () => '/..%2f..%2fplain', 404],
    ['an encoded dot segment', () => '/%2e%2e/plain', 400],
    ['a scoped traversal', () => '/@x%2f..%2f..%2fplain', 404],
    ['a traversal in a tarball path', () => '/plain/-/..%2f..%2fplain-1.0.0.tgz', 404],
    ['a double-encoded slash', () => '/@x%252fplain', 400],
    ['a dot-dot name', () => '/..', 404],
    ['a tarball no packument names', () => '/plain/-/other-9.9.9.tgz', 404],
  ])('refuses %s', async (_what, target, status) => {
    expect(await raw(fw.url, target())).toBe(status);
    expect(canaryHits).toBe(0);
  });

  it('ignores a Host header naming another server', async () => {
    expect(await raw(fw.url, '/plain', { host: new URL(canaryUrl).host })).toBe(200);
    expect(canaryHits).toBe(0);
  });

  it('withholds a version whose tarball the upstream places on another host, and never fetches it', async () => {
    // verdaccio rewrites tarball URLs to itself, so a minimal upstream plays the registry that points elsewhere.
    const doc = { name: 'elsewhere', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { name: 'elsewhere', version: '1.0.0', dist: { integrity: 'sha512-AAAA', tarball: `${canaryUrl}/elsewhere/-/elsewhere-1.0.0.tgz` } } } };
    const upstream = http.createServer((_req, res) => res.end(JSON.stringify(doc)));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const other = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    try {
      const res = await fetch(`${other.url}/elsewhere`);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain('firewall:tarball-off-upstream');
      expect(await raw(other.url, '/elsewhere/-/elsewhere-1.0.0.tgz')).toBe(404);
      expect(canaryHits).toBe(0);
    } finally {
      await other.stop();
      upstream.close();
    }
  });
});
