import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const TOKEN = 'client-address-admin-token-0123456789';
/** The only trusted proxy; requests "through" it are sent from this loopback address. */
const PROXY = '127.0.0.3';

interface Sent {
  status: number;
  body: string;
}

/** One request from a chosen loopback address (Linux routes all of 127/8 to lo), with chosen headers. */
function send(url: string, from: string, headers: Record<string, string> = {}, opts: { method?: string; body?: string } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { localAddress: from, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => void (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('client address: X-Forwarded-For only from a trusted proxy', () => {
  let up: NpmRegistry;
  let fw: FirewallProcess;
  let plain: FirewallProcess;

  beforeAll(async () => {
    up = await startNpmRegistry();
    await up.publish({ name: 'addr-pkg', version: '1.0.0' });
    const policy = await writePolicy('version: 1\ndefault_action: allow\n');
    fw = await startFirewallProcess({ policy, upstream: up.url, args: ['--trusted-proxy', `${PROXY}/32`, '--trusted-proxy', '10.9.0.0/16'], env: { SSCS_FIREWALL_ADMIN_TOKEN: TOKEN } });
    plain = await startFirewallProcess({ policy, upstream: up.url, env: { SSCS_FIREWALL_ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await fw?.stop();
    await plain?.stop();
    await up?.close();
  });

  /** The client of each audited packument request for `marker` (the name asked for), oldest first. */
  async function clientsOf(target: FirewallProcess, marker: string): Promise<string[]> {
    const r = await send(`${target.url}/-/sscs/admin/audit`, '127.0.0.1', { authorization: `Bearer ${TOKEN}` });
    const rows = (JSON.parse(r.body) as { audit: { client: string; name: string }[] }).audit;
    return rows.filter((a) => a.name === marker).map((a) => a.client).reverse();
  }

  it('takes the right-most address that is not a trusted proxy, only when the peer is one', async () => {
    const cases: [from: string, xff: string | undefined, expected: string][] = [
      // A client forging the header directly is recorded by its socket address.
      ['127.0.0.2', '198.51.100.1', '127.0.0.2'],
      // Through the proxy: the address it appended, not what the client wrote to the left of it.
      [PROXY, '198.51.100.1, 203.0.113.7', '203.0.113.7'],
      // Trusted hops (a second balancer in 10.9/16, the proxy itself) are skipped.
      [PROXY, '203.0.113.8, 10.9.1.1', '203.0.113.8'],
      [PROXY, '203.0.113.9,127.0.0.3', '203.0.113.9'],
      // With a port, and IPv6 in brackets (RFC 3986 forms, as nginx's realip reads them).
      [PROXY, '203.0.113.10:4711', '203.0.113.10'],
      [PROXY, '[2001:db8::5]:443', '2001:db8::5'],
      // A hop that is not an address ends the walk at the proxy that passed it on: nothing made up.
      [PROXY, '203.0.113.11, <script>', PROXY],
      // No header: the proxy itself.
      [PROXY, undefined, PROXY],
    ];
    for (const [i, [from, xff]] of cases.entries()) {
      const r = await send(`${fw.url}/addr-case-${i}`, from, xff ? { 'x-forwarded-for': xff } : {});
      expect(r.status).toBe(404);
    }
    for (const [i, [, , expected]] of cases.entries()) expect(await clientsOf(fw, `addr-case-${i}`), `case ${i}`).toEqual([expected]);
    // The request log line names the same client.
    expect(fw.logs()).toContain('"client":"203.0.113.7"');
  });

  it('ignores X-Forwarded-For entirely without --trusted-proxy', async () => {
    await send(`${plain.url}/addr-plain`, PROXY, { 'x-forwarded-for': '203.0.113.20' });
    expect(await clientsOf(plain, 'addr-plain')).toEqual([PROXY]);
  });

  it('locks the admin login per real client behind the proxy, not for everyone behind it', async () => {
    const login = (client: string, token: string): Promise<Sent> =>
      send(`${fw.url}/-/sscs/admin/ui/login`, PROXY, {
        'x-forwarded-for': client, origin: fw.url, 'content-type': 'application/x-www-form-urlencoded',
      }, { method: 'POST', body: new URLSearchParams({ operator: 'ops', token }).toString() });
    for (let i = 0; i < 10; i++) expect((await login('203.0.113.50', `wrong-${i}`)).status).toBe(401);
    expect((await login('203.0.113.50', 'wrong-again')).status).toBe(429);
    // Another client behind the same balancer still gets to try, and logs in.
    expect((await login('203.0.113.51', 'wrong')).status).toBe(401);
    expect((await login('203.0.113.51', TOKEN)).status).toBe(303);
    expect(await clientsOf(fw, '')).toContain('203.0.113.50');
    expect(fw.logs()).not.toContain(TOKEN);
  });

  it('writes each address one way: IPv4-mapped as IPv4, IPv6 lower-case and zero-compressed, no zone', async () => {
    const cases: [xff: string, expected: string][] = [
      ['2001:DB8:0:0::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0002', '2001:db8::2'],
      ['[2001:DB8::3]:443', '2001:db8::3'],
      ['::ffff:0102:0304', '1.2.3.4'],
      ['::FFFF:1.2.3.5', '1.2.3.5'],
      ['fe80::1%eth0', 'fe80::1'],
    ];
    for (const [i, [xff]] of cases.entries()) expect((await send(`${fw.url}/addr-canon-${i}`, PROXY, { 'x-forwarded-for': xff })).status).toBe(404);
    for (const [i, [, expected]] of cases.entries()) expect(await clientsOf(fw, `addr-canon-${i}`), `case ${i}`).toEqual([expected]);
  });

  it('counts one IPv6 /64 as one client at the login, however its addresses are written', async () => {
    const api = (client: string, token: string) => send(`${fw.url}/-/sscs/admin/quarantine`, PROXY, { 'x-forwarded-for': client, authorization: `Bearer ${token}` });
    const statuses: number[] = [];
    // Ten addresses of one /64 (a subscriber's LAN), some in spellings of their own, and IPv4 in IPv6 form.
    for (let i = 0; i < 10; i++) statuses.push((await api(i % 2 ? `2001:DB8:AA:BB:0:0:0:${(i + 1).toString(16)}` : `2001:db8:aa:bb::${i + 1}:${i}`, `wrong-${i}`)).status);
    statuses.push((await api('2001:db8:aa:bb:ffff:ffff:ffff:ffff', 'wrong-10')).status);
    statuses.push((await api('2001:db8:aa:bb::99', TOKEN)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429]);
    // The next /64 is another client.
    expect((await api('2001:db8:aa:bc::1', TOKEN)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await api(i % 2 ? '::ffff:203.0.113.60' : '::ffff:cb00:713c', `wrong-${i}`)).status).toBe(401);
    expect((await api('203.0.113.60', TOKEN)).status).toBe(429);
  });

  it('bounds one IPv6 /48 as a whole at the login: a guesser cannot take a fresh /64 for every ten guesses', async () => {
    const api = (client: string, token: string) => send(`${fw.url}/-/sscs/admin/quarantine`, PROXY, { 'x-forwarded-for': client, authorization: `Bearer ${token}` });
    // login-limiter.ts MAX_SITE_FAILURES wrong tokens, each from a /64 of its own in 2001:db8:cc::/48.
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await api(`2001:db8:cc:${i.toString(16)}::1`, `wrong-${i}`)).status);
    expect(statuses).toEqual(Array<number>(100).fill(401));
    const next = await api('2001:db8:cc:ffff::1', TOKEN);
    expect(next.status).toBe(429);
    expect(next.body).toMatch(/too many wrong bearer tokens from your address: try again in \d+ s/);
    // The next /48 is another site.
    expect((await api('2001:db8:cd::1', TOKEN)).status).toBe(200);
  });

  it('refuses a range that is not one with exit 2, naming it', async () => {
    for (const bad of ['10.0.0.0/33', 'not-an-ip', '10.0.0.0/8/1', '::1/129']) {
      const r = await runCli(['firewall', 'serve', '--policy', 'deploy/policy.yml', '--listen', '127.0.0.1:0', '--trusted-proxy', bad]);
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toContain(`--trusted-proxy must be an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8, not '${bad}'`);
    }
    const env = await runCli(['firewall', 'serve', '--policy', 'deploy/policy.yml', '--listen', '127.0.0.1:0'], { env: { SSCS_FIREWALL_TRUSTED_PROXIES: '10.0.0.0/8 192.168.1.300' } });
    expect(env.exitCode).toBe(2);
    expect(env.stderr).toContain("SSCS_FIREWALL_TRUSTED_PROXIES must be an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8, not '192.168.1.300'");
  });

  it('refuses a range that trusts every client (prefix 0) with exit 2, saying why', async () => {
    for (const all of ['0.0.0.0/0', '::/0', '10.0.0.0/0']) {
      const r = await runCli(['firewall', 'serve', '--policy', 'deploy/policy.yml', '--listen', '127.0.0.1:0', '--trusted-proxy', all]);
      expect(r.exitCode, all).toBe(2);
      expect(r.stderr).toContain(`--trusted-proxy '${all}' would trust every client's X-Forwarded-For`);
    }
  });
});
