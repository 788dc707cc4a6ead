import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { npmInstall } from '../support/npm-clients.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { ADMIN_TOKEN, HOSTILE, POLICY, UI, decide, httpLogin } from './admin-ui-support.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const FORM = 'application/x-www-form-urlencoded';

/** Posts the login form from a loopback address of our choosing (a client of its own to the limiter). */
function loginFrom(localAddress: string, url: string, token: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const body = new URLSearchParams({ operator: 'mallory', token }).toString();
  return new Promise((resolve, reject) => {
    const req = request(`${url}${UI}login`, { method: 'POST', localAddress, headers: { origin: new URL(url).origin, 'content-type': FORM, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => void (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `check` holds, at most `ms`; the last result either way. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('admin page with two replicas on one PostgreSQL', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let a: FirewallProcess;
  let b: FirewallProcess;

  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    await up.publish({ name: 'fresh-shared', version: '1.0.0' });
    const policy = await writePolicy(POLICY);
    // --packument-ttl 300: a release reaches the other replica by NOTIFY, not by its cache expiring.
    const replica = () => startFirewallProcess({ policy, upstream: up.url, args: ['--database', p.url, '--packument-ttl', '300'], env: { PGPASSWORD: p.password, SSCS_FIREWALL_ADMIN_TOKEN: ADMIN_TOKEN } });
    a = await replica();
    b = await replica();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await up?.close();
    await p?.close();
  });

  it("releases on replica A's page, and npm installs the version through replica B", async () => {
    await decide(b.url, ['fresh-shared']);
    expect((await npmInstall(b.url, { 'fresh-shared': '1.0.0' })).exitCode).not.toBe(0);

    const ui = `${a.url}${UI}`;
    const session = await httpLogin(ui);
    const overview = async () => await (await fetch(ui, { headers: { cookie: session.cookie } })).text();
    expect(await overview()).toContain('<input type="hidden" name="name" value="fresh-shared">');
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${ui}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: session.cookie, origin: new URL(ui).origin, 'content-type': FORM }, body: new URLSearchParams({ ...fields, csrf: session.csrf }) });
    expect((await post('release', { name: 'fresh-shared', version: '1.0.0', reason: 'reviewed' })).status).toBe(303);
    expect(await overview()).toContain('Released fresh-shared@1.0.0');

    const served = await eventually(async () => {
      const r = await fetch(`${b.url}/fresh-shared`);
      return r.ok && '1.0.0' in ((await r.json()) as { versions: Record<string, unknown> }).versions;
    });
    expect(served).toBe(true);
    const install = await npmInstall(b.url, { 'fresh-shared': '1.0.0' });
    expect(install.exitCode).toBe(0);

    // Waivers, audit search and counts read the shared database.
    expect((await post('waivers', { name: 'fresh-shared', version: '2.x', owner: HOSTILE, reason: 'shared', expires: '2099-06-30' })).status).toBe(303);
    const page = await overview();
    expect(page).toContain('<td>&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td><td>shared</td><td>2099-06-30 23:59 UTC</td>');
    expect(page).not.toMatch(/<script|<img/);
    // Released and decided again (allow), the version no longer counts as refused; the two refused packument
    // requests (the first fetch, npm's failed install) stay counted.
    expect(page).toContain('<td><code>hold-fresh</code></td><td><span class="action-quarantine">quarantine</span></td><td class="num">0</td><td class="num">2</td>');
    const id = /name="id" value="(\d+)"/.exec(page)![1]!;
    expect((await post('waivers/revoke', { id })).status).toBe(303);
    expect(await overview()).toContain(`Waiver ${id} for fresh-shared@2.x revoked.`);

    // Replica B's tarball line reaches the shared audit log once B flushes its buffer.
    const found = await eventually(async () => {
      const audit = await (await fetch(`${ui}audit?q=fresh-shared`, { headers: { cookie: session.cookie } })).text();
      return audit.includes('<td>tarball</td><td><code>fresh-shared</code></td><td><code>1.0.0</code></td><td>allow</td>') && audit.includes('<td>release</td>');
    });
    expect(found).toBe(true);
  });

  it('shares login sessions: logged in on A, a release through B with the same cookie, and a logout on B ends it on A', async () => {
    await up.publish({ name: 'fresh-second', version: '1.0.0' });
    await decide(a.url, ['fresh-second']);
    const session = await httpLogin(`${a.url}${UI}`);
    // Behind one balancer both replicas have the browser's origin; here each is posted to with its own.
    const post = (fw: FirewallProcess, path: string, fields: Record<string, string>) =>
      fetch(`${fw.url}${UI}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: session.cookie, origin: new URL(fw.url).origin, 'content-type': FORM }, body: new URLSearchParams({ ...fields, csrf: session.csrf }) });
    const page = async (fw: FirewallProcess) => {
      const r = await fetch(`${fw.url}${UI}`, { redirect: 'manual', headers: { cookie: session.cookie } });
      return { status: r.status, location: r.headers.get('location'), body: await r.text() };
    };
    expect((await page(b)).body).toContain('signed in as alice');
    expect((await post(b, 'release', { name: 'fresh-second', version: '1.0.0', reason: 'reviewed on b' })).status).toBe(303);
    // The one-time message set by B's post is shown by the next page, whichever replica serves it, once.
    expect((await page(a)).body).toContain('Released fresh-second@1.0.0');
    expect((await page(b)).body).not.toContain('Released fresh-second@1.0.0');
    expect((await npmInstall(a.url, { 'fresh-second': '1.0.0' })).exitCode).toBe(0);
    // A forged CSRF token is refused on B as on A: the token is bound to this session, not to a replica.
    const forged = await fetch(`${b.url}${UI}release`, { method: 'POST', redirect: 'manual', headers: { cookie: session.cookie, origin: new URL(b.url).origin, 'content-type': FORM }, body: new URLSearchParams({ name: 'fresh-second', version: '1.0.0', reason: 'x', csrf: `${session.csrf[0] === 'A' ? 'B' : 'A'}${session.csrf.slice(1)}` }) });
    expect(forged.status).toBe(403);
    expect((await post(b, 'logout', {})).status).toBe(303);
    expect(await page(a)).toMatchObject({ status: 303, location: 'login' });
    expect(await page(b)).toMatchObject({ status: 303, location: 'login' });
    // Neither the cookie's session id nor its CSRF token is written anywhere a log reader sees.
    for (const fw of [a, b]) {
      expect(fw.logs()).not.toContain(session.cookie.slice(session.cookie.indexOf('=') + 1));
      expect(fw.logs()).not.toContain(session.csrf);
    }
  });

  it('counts wrong tokens across replicas: a guesser alternating between them gets MAX_FAILURES tries in all, not per replica', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await loginFrom('127.0.0.7', (i % 2 ? b : a).url, `guess-${i}`)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429, 429]);
    // Locked on both, the right token included; another address is not.
    for (const fw of [a, b]) {
      const locked = await loginFrom('127.0.0.7', fw.url, ADMIN_TOKEN);
      expect(locked.status).toBe(429);
      expect(Number(locked.retryAfter)).toBeGreaterThan(800);
    }
    expect((await loginFrom('127.0.0.8', b.url, 'wrong')).status).toBe(401);
    // The shared table holds keyed hashes, never the address.
    const db = await p.admin();
    try {
      const keys = (await db.query('SELECT key FROM admin_login_attempts')).rows.map((r: { key: string }) => r.key);
      expect(keys).toHaveLength(11);
      for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(keys)).not.toContain('127.0.0.7');
    } finally {
      await db.end();
    }
  });

  it('never shows the admin token or the database password in a log line', () => {
    for (const fw of [a, b]) {
      expect(fw.logs()).not.toContain(ADMIN_TOKEN);
      expect(fw.logs()).not.toContain(p.password);
    }
  });
});
