import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const ADMIN_TOKEN = 'sscs-admin-token-for-tests-0123456789';
const POLICY = 'version: 1\nrules:\n  - id: hold\n    match: "pkg:npm/ops-pkg@2.0.0"\n    action: quarantine\n    reason: under review\n  - id: banned\n    match: "pkg:npm/ops-banned@*"\n    action: deny\n    reason: banned\n';

describe('firewall operations', () => {
  let v: Verdaccio;
  let fw: FirewallProcess;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.seedVersions('ops-pkg', ['1.0.0', '2.0.0']);
    await v.seedVersions('ops-banned', ['1.0.0', '1.5.0', '2.0.0']);
    await v.seedVersions('big-ops', Array.from({ length: 30 }, (_, i) => `1.0.${i}`), { readmeBytes: 500 });
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: v.url, env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN_TOKEN } });
  });
  afterAll(async () => {
    await fw?.stop();
    await v?.close();
  });

  const admin = (path: string, init: RequestInit = {}) => fetch(`${fw.url}/-/sscs/admin${path}`, init);
  const latest = async () => ((await (await fetch(`${fw.url}/ops-pkg`)).json()) as { 'dist-tags': Record<string, string>; versions: object; time: object });

  it('serves a packument without the quarantined version, its time entry, and with latest moved back', async () => {
    const doc = await latest();
    expect(Object.keys(doc.versions)).toEqual(['1.0.0']);
    expect(Object.keys(doc.time)).not.toContain('2.0.0');
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0' });
  });

  it('serves a large packument gzipped to a client that accepts it, and answers its ETag with 304', async () => {
    const res = await fetch(`${fw.url}/big-ops`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Object.keys(((await res.json()) as { versions: object }).versions)).toHaveLength(30);
    const again = await fetch(`${fw.url}/big-ops`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('guards the admin API with the token', async () => {
    expect((await admin('/quarantine')).status).toBe(401);
    expect((await admin('/quarantine', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await admin('/quarantine', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { quarantine: { name: string; version: string }[] }).quarantine).toEqual([expect.objectContaining({ name: 'ops-pkg', version: '2.0.0', rule: 'hold' })]);
  });

  it('refuses through the admin API to release what is not quarantined, or to add a waiver already expired', async () => {
    const post = (path: string, body: object) => admin(path, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const notQueued = await post('/quarantine/release', { name: 'ops-pkg', version: '1.0.0', reason: 'nothing to release' });
    expect(notQueued.status).toBe(409);
    expect(((await notQueued.json()) as { error: string }).error).toContain('ops-pkg@1.0.0 is not in the quarantine queue');
    const past = await post('/waivers', { name: 'ops-pkg', version: '2.0.0', reason: 'late', expires: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(((await past.json()) as { error: string }).error).toContain('not in the future');
    expect((await latest())['dist-tags']).toEqual({ latest: '1.0.0' });
  });

  it('applies an admin waiver for a semver range, and refuses one that could never apply', async () => {
    const post = (body: object) => admin('/waivers', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ name: 'ops-banned', version: 'not a range!!', reason: 'x' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('is not a version or a semver range');
    const ok = await post({ name: 'ops-banned', version: '>=1.0.0 <2.0.0', reason: 'reviewed' });
    expect(ok.status).toBe(200);
    const doc = (await (await fetch(`${fw.url}/ops-banned`)).json()) as { versions: object };
    expect(Object.keys(doc.versions).sort()).toEqual(['1.0.0', '1.5.0']);
    expect((await fetch(`${fw.url}/ops-banned/-/ops-banned-1.5.0.tgz`)).status).toBe(200);
    expect((await fetch(`${fw.url}/ops-banned/-/ops-banned-2.0.0.tgz`)).status).toBe(403);
  });

  it('releases through the admin API, and the next packument has the version', async () => {
    const r = await admin('/quarantine/release', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ops-pkg', version: '2.0.0', reason: 'reviewed', by: 'ops' }),
    });
    expect(r.status).toBe(200);
    expect((await latest())['dist-tags']).toEqual({ latest: '2.0.0' });
    const audit = (await (await admin('/audit', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { audit: { action: string; name: string }[] };
    expect(audit.audit).toContainEqual(expect.objectContaining({ action: 'release', name: 'ops-pkg' }));
  });

  it('answers health and Prometheus metrics, and never logs the admin token', async () => {
    expect(((await (await fetch(`${fw.url}/-/health`)).json()) as { status: string }).status).toBe('ok');
    // SQLite in the process: ready whenever alive (readiness with PostgreSQL down: replicas.test.ts).
    const ready = await fetch(`${fw.url}/-/ready`);
    expect([ready.status, ((await ready.json()) as { status: string }).status]).toEqual([200, 'ready']);
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    expect(metrics).toMatch(/^sscs_firewall_requests_total\{kind="packument",decision="filtered:1",status="200"\} \d+$/m);
    expect(metrics).toMatch(/^sscs_firewall_upstream_latency_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^sscs_firewall_cache_total\{cache="packument",result="miss"\} \d+$/m);
    expect(fw.logs()).not.toContain(ADMIN_TOKEN);
    const lines = fw.logs().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(Object.keys(JSON.parse(l) as object)).not.toContain('headers');
  });

  it('relays ping and search to the upstream', async () => {
    expect((await fetch(`${fw.url}/-/ping`)).status).toBe(200);
    const search = await fetch(`${fw.url}/-/v1/search?text=ops-pkg`);
    expect(search.status).toBe(200);
    expect(await search.json()).toHaveProperty('objects');
  });

  it('sends the upstream token only upstream, and a client\'s own Authorization instead of it', async () => {
    const UPSTREAM_TOKEN = 'sscs-upstream-token-for-tests-987654321';
    const seen: (string | undefined)[] = [];
    const upstream = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end(JSON.stringify({ name: 'private-pkg', versions: {}, 'dist-tags': {} }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const other = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, env: { SSCS_FIREWALL_UPSTREAM_TOKEN: UPSTREAM_TOKEN } });
    try {
      expect((await fetch(`${other.url}/private-pkg`)).status).toBe(200);
      expect((await fetch(`${other.url}/private-pkg`, { headers: { authorization: 'Bearer client-own-token-value' } })).status).toBe(200);
      expect(seen).toEqual([`Bearer ${UPSTREAM_TOKEN}`, 'Bearer client-own-token-value']);
      expect(other.logs()).not.toContain(UPSTREAM_TOKEN);
      expect(other.logs()).not.toContain('client-own-token-value');
    } finally {
      await other.stop();
      upstream.close();
    }
  });

  it('asks for the full packument when the abbreviated one has no publish times and the policy needs them', async () => {
    // Like registry.npmjs.org: the abbreviated form carries no `time`.
    const published = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    const version = { name: 'aged', version: '1.0.0', dist: { integrity: 'sha512-AAAA', tarball: 'http://127.0.0.1:1/aged/-/aged-1.0.0.tgz' } };
    const accepts: string[] = [];
    const upstream = http.createServer((req, res) => {
      accepts.push(String(req.headers.accept));
      const abbreviated = String(req.headers.accept).startsWith('application/vnd.npm.install-v1+json');
      res.end(JSON.stringify({ name: 'aged', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version }, ...(abbreviated ? {} : { time: { '1.0.0': published } }) }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as AddressInfo).port;
    version.dist.tarball = `http://127.0.0.1:${port}/aged/-/aged-1.0.0.tgz`;
    const policy = 'version: 1\nrules:\n  - id: too-new\n    when: { published_within: 7d }\n    action: quarantine\n';
    const other = await startFirewallProcess({ policy: await writePolicy(policy), upstream: `http://127.0.0.1:${port}` });
    try {
      const res = await fetch(`${other.url}/aged`, { headers: { accept: 'application/vnd.npm.install-v1+json' } });
      expect(res.status).toBe(200);
      expect(Object.keys(((await res.json()) as { versions: object }).versions)).toEqual(['1.0.0']);
      expect(accepts).toEqual([expect.stringMatching(/^application\/vnd\.npm\.install-v1\+json/), 'application/json']);
    } finally {
      await other.stop();
      upstream.close();
    }
  });

  it('times out a stalled upstream and refuses the unknown package', async () => {
    const stalled = http.createServer(() => {});
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', () => r()));
    const other = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`, args: ['--upstream-timeout-ms', '300'] });
    try {
      const res = await fetch(`${other.url}/anything`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toContain('did not answer within 300 ms');
    } finally {
      await other.stop();
      stalled.closeAllConnections();
      stalled.close();
    }
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    // An upstream that takes its time, so the request is in flight when the signal comes.
    const slow = http.createServer((_req, res) => setTimeout(() => res.end(JSON.stringify({ name: 'slow', versions: {}, 'dist-tags': {} })), 700));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const other = await startFirewallProcess({ policy: await writePolicy('version: 1\n'), upstream: `http://127.0.0.1:${(slow.address() as AddressInfo).port}` });
    try {
      const inflight = fetch(`${other.url}/slow`);
      await new Promise((r) => setTimeout(r, 200));
      const exit = other.stop('SIGTERM');
      expect((await inflight).status).toBe(200);
      expect(await exit).toBe(0);
      expect(other.logs()).toContain('SIGTERM: finishing in-flight requests');
    } finally {
      slow.close();
    }
  });
});
