/**
 * The admin API's bearer check shares the login form's limiter (per real client address), refused calls are
 * audited without the token presented, and a short admin token is refused at start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { UI } from './admin-ui-support.js';

const TOKEN = 'admin-api-limit-token-0123456789abcdef';
const POLICY = 'version: 1\nrules: []\n';

/** A request from a chosen loopback address (each is its own client to the limiter). */
function call(localAddress: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', localAddress, headers: { ...init.headers, ...(init.body ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => void (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('admin API bearer check', () => {
  let reg: NpmRegistry;
  let fw: FirewallProcess;
  beforeAll(async () => {
    reg = await startNpmRegistry();
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: reg.url, env: { SSCS_FIREWALL_ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await fw?.stop();
    await reg?.close();
  });

  it('answers 429 after ten wrong tokens from one address, the right one included, and the login form too', async () => {
    const api = `${fw.url}/-/sscs/admin/quarantine`;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await call('127.0.0.21', api, { headers: bearer(`guess-${i}`) })).status);
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429]);
    const locked = await call('127.0.0.21', api, { headers: bearer(TOKEN) });
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(800);
    expect(locked.body).toContain('too many wrong bearer tokens');
    // One limiter: the same address is locked out of the login form as well.
    const body = new URLSearchParams({ operator: 'mallory', token: TOKEN }).toString();
    const form = await call('127.0.0.21', `${fw.url}${UI}login`, { method: 'POST', headers: { origin: new URL(fw.url).origin, 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(form.status).toBe(429);
    // Another address is not locked.
    expect((await call('127.0.0.22', api, { headers: bearer('wrong') })).status).toBe(401);
    expect((await call('127.0.0.22', api, { headers: bearer(TOKEN) })).status).toBe(200);
    expect((await call('127.0.0.22', api)).status).toBe(401);
  });

  it('counts only wrong tokens, and the right one clears none: a guesser beside the operator gets no more tries', async () => {
    const api = `${fw.url}/-/sscs/admin/quarantine`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call('127.0.0.24', api, { headers: bearer(TOKEN) })).status);
    for (let i = 0; i < 9; i++) statuses.push((await call('127.0.0.24', api, { headers: bearer(`guess-${i}`) })).status);
    // The operator, from the same address, is not counted and clears nothing.
    statuses.push((await call('127.0.0.24', api, { headers: bearer(TOKEN) })).status);
    for (let i = 9; i < 11; i++) statuses.push((await call('127.0.0.24', api, { headers: bearer(`guess-${i}`) })).status);
    statuses.push((await call('127.0.0.24', api, { headers: bearer(TOKEN) })).status);
    expect(statuses).toEqual([...Array<number>(5).fill(200), ...Array<number>(9).fill(401), 200, 401, 429, 429]);
  });

  it('audits refused calls with the client, never the token presented', async () => {
    const r = await call('127.0.0.23', `${fw.url}/-/sscs/admin/audit`, { headers: bearer(TOKEN) });
    expect(r.status).toBe(200);
    const audit = (JSON.parse(r.body) as { audit: { action: string; client: string; status: number; count?: number }[] }).audit;
    const refused = audit.filter((a) => a.action === 'api-refused');
    expect(refused.map((a) => `${a.client} ${a.status}`)).toEqual(expect.arrayContaining(['127.0.0.21 401', '127.0.0.21 429', '127.0.0.22 401']));
    expect(refused.filter((a) => a.client === '127.0.0.21' && a.status === 401).reduce((n, a) => n + (a.count ?? 1), 0)).toBe(10);
    expect(r.body).not.toMatch(/guess-\d/);
    expect(fw.logs()).not.toMatch(/guess-\d/);
    expect(fw.logs()).not.toContain(TOKEN);
  });
});

describe('admin token strength at start', () => {
  it('refuses a token shorter than 32 characters, from the environment or a file, with exit 2 and how to make one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-admin-token-'));
    const policy = await writePolicy(POLICY);
    const serve = ['firewall', 'serve', '--policy', policy, '--upstream', 'http://127.0.0.1:9/', '--listen', '127.0.0.1:0', '--data-dir', dir];
    const env = await runCli(serve, { env: { SSCS_FIREWALL_ADMIN_TOKEN: 'abc' }, timeoutMs: 20_000 });
    expect(env.exitCode).toBe(2);
    expect(env.stderr).toContain('SSCS_FIREWALL_ADMIN_TOKEN: the admin token has 3 characters, fewer than 32');
    expect(env.stderr).toContain("openssl rand -hex 32");
    await writeFile(join(dir, 'token'), 'short-secret-31-characters-long\n');
    const file = await runCli([...serve, '--admin-token-file', join(dir, 'token')], { timeoutMs: 20_000 });
    expect(file.exitCode).toBe(2);
    expect(file.stderr).toContain('the admin token has 31 characters, fewer than 32');
    expect(env.stderr + env.stdout + file.stderr + file.stdout).not.toContain('short-secret');
  });
});
