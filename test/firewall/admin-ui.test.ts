import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import { ADMIN_TOKEN, HOSTILE, POLICY, UI, decide, httpLogin, startAdminFirewall, type AdminSetup, type HttpSession } from './admin-ui-support.js';
import { startFirewallProcess, writePolicy } from './support.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const FORM = 'application/x-www-form-urlencoded';

describe('firewall admin page over HTTP', () => {
  let s: AdminSetup;
  let origin: string;
  /** Every response body and header the tests saw: the token must be in none of them. */
  const seen: string[] = [];
  const get = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const r = await fetch(`${s.ui}${path}`, { redirect: 'manual', ...init });
    seen.push(JSON.stringify([...r.headers]), await r.clone().text());
    return r;
  };
  const post = (path: string, session: HttpSession | undefined, fields: Record<string, string>, headers: Record<string, string> = { origin }) =>
    get(path, { method: 'POST', headers: { 'content-type': FORM, ...(session ? { cookie: session.cookie } : {}), ...headers }, body: new URLSearchParams(fields) });

  beforeAll(async () => {
    s = await startAdminFirewall([
      { name: 'fresh-one', version: '1.0.0' },
      { name: 'fresh-two', version: '1.0.0' },
      { name: 'hostile-one', version: '1.0.0' },
    ]);
    origin = new URL(s.ui).origin;
    await decide(s.fw.url, ['fresh-one', 'fresh-two', 'hostile-one']);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('sends pages with a strict CSP, no framing, no caching, and only after login', async () => {
    const login = await get('login');
    expect(login.status).toBe(200);
    const csp = login.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/script-src|unsafe-inline|unsafe-eval/);
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await login.text()).not.toContain('<script');
    // Without a session: pages redirect to the login form, actions are refused.
    const overview = await get('');
    expect([overview.status, overview.headers.get('location')]).toEqual([303, 'login']);
    expect((await get('audit')).headers.get('location')).toBe('login');
    expect((await post('release', undefined, { name: 'fresh-one', version: '1.0.0', reason: 'x', csrf: 'x' })).status).toBe(403);
  });

  it('refuses a wrong token, and gives a new random session id at each login in a path-scoped HttpOnly SameSite=Strict cookie', async () => {
    const wrong = await post('login', undefined, { operator: 'mallory', token: `${ADMIN_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That is not the admin token.');
    // The token as a query parameter logs nobody in.
    expect((await get(`?token=${ADMIN_TOKEN}`)).headers.get('location')).toBe('login');

    const a = await httpLogin(s.ui);
    const b = await httpLogin(s.ui);
    expect(a.setCookie).toMatch(/^sscs_admin_session=[A-Za-z0-9_-]{43}; Path=\/-\/sscs\/admin\/ui\/; HttpOnly; SameSite=Strict$/);
    expect(a.cookie).not.toBe(b.cookie);
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.setCookie).not.toContain(ADMIN_TOKEN);
  });

  it('refuses a form post without Origin, from another origin, or without or with a wrong CSRF token, and releases nothing', async () => {
    const session = await httpLogin(s.ui);
    const fields = { name: 'fresh-one', version: '1.0.0', reason: 'forged' };
    expect((await post('release', session, { ...fields, csrf: session.csrf }, {})).status).toBe(403);
    expect((await post('release', session, { ...fields, csrf: session.csrf }, { origin: 'http://attacker.example' })).status).toBe(403);
    expect((await post('release', session, { ...fields, csrf: session.csrf }, { origin, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post('release', session, fields)).status).toBe(403);
    // One character changed, and surely changed: 32 bytes in base64url end in one of 16 characters, so writing a fixed
    // 'A' there left the right token in one session out of 16 (and the release went through: 303).
    const forged = `${session.csrf.slice(0, -1)}${session.csrf.endsWith('A') ? 'E' : 'A'}`;
    expect(forged).not.toBe(session.csrf);
    expect((await post('release', session, { ...fields, csrf: forged })).status).toBe(403);
    // Another session's token is no token for this one.
    const other = await httpLogin(s.ui);
    expect((await post('release', session, { ...fields, csrf: other.csrf })).status).toBe(403);
    // A JSON or multipart body is not a form of ours.
    expect((await get('release', { method: 'POST', headers: { cookie: session.cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, csrf: session.csrf }) })).status).toBe(415);
    const queue = await (await get('', { headers: { cookie: session.cookie } })).text();
    expect(queue).toContain('<input type="hidden" name="name" value="fresh-one">');

    // The same post with our Origin and the session's token goes through.
    const ok = await post('release', session, { ...fields, csrf: session.csrf });
    expect([ok.status, ok.headers.get('location')]).toEqual([303, './']);
    const after = await (await get('', { headers: { cookie: session.cookie } })).text();
    expect(after).toContain('Released fresh-one@1.0.0');
    expect(after).not.toContain('value="fresh-one"');
  });

  it('escapes hostile names, versions, rules and reasons from the store, forms and the search box', async () => {
    const store = await openSqliteStore(join(s.fw.dataDir, 'firewall.db'));
    await store.recordDecisions([{ name: '<script>alert(1)</script>', version: '1.0.0"><script>alert(2)</script>', action: 'quarantine', rule: `rule-${HOSTILE}`, reason: HOSTILE, policyVersion: 'test', decidedAt: new Date() }]);
    await store.close();
    const session = await httpLogin(s.ui, `<b>eve</b>${HOSTILE}`);
    const waive = await post('waivers', session, { name: 'fresh-two', version: '*', owner: HOSTILE, reason: HOSTILE, expires: '2099-12-31', csrf: session.csrf });
    expect(waive.status).toBe(303);
    const overview = await (await get('', { headers: { cookie: session.cookie } })).text();
    const audit = await (await get(`audit?q=${encodeURIComponent(HOSTILE)}`, { headers: { cookie: session.cookie } })).text();
    for (const page of [overview, audit]) {
      expect(page).not.toMatch(/<script|<img|<b>|onerror="/i);
    }
    expect(overview).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(overview).toContain('value="1.0.0&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    expect(overview).toContain('signed in as &lt;b&gt;eve&lt;/b&gt;');
    expect(overview).toContain(`<td>under review &lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;: matches rule hold-hostile</td>`);
    expect(audit).toContain('value="&lt;script&gt;alert(&#39;xss&#39;)');
    expect(audit).toContain('Nothing matches.');
  });

  it('adds and revokes a waiver with owner and expiry, refusing one that could never apply', async () => {
    const session = await httpLogin(s.ui);
    const add = (fields: Record<string, string>) => post('waivers', session, { name: 'fresh-one', version: '2.x', owner: 'team-web', reason: 'vendored fix', expires: '2099-01-31', csrf: session.csrf, ...fields });
    const overview = async () => await (await get('', { headers: { cookie: session.cookie } })).text();
    await add({});
    const page = await overview();
    expect(page).toMatch(/Waiver (\d+) added for fresh-one@2\.x, owned by team-web, until 2099-01-31T23:59:59\.999Z\./);
    expect(page).toContain('<td>team-web</td><td>vendored fix</td><td>2099-01-31 23:59 UTC</td>');
    const id = /Waiver (\d+) added for fresh-one@2\.x/.exec(page)![1]!;

    await add({ version: 'not a range' });
    expect(await overview()).toContain('is not a version or a semver range');
    await add({ expires: '2020-01-01' });
    expect(await overview()).toContain('which is not in the future');
    await add({ expires: '2099-02-31' });
    expect(await overview()).toContain('an expiry date (YYYY-MM-DD)');

    const revoke = await post('waivers/revoke', session, { id, csrf: session.csrf });
    expect([revoke.status, revoke.headers.get('location')]).toEqual([303, '../']);
    const after = await overview();
    expect(after).toContain(`Waiver ${id} for fresh-one@2.x revoked.`);
    expect(after).not.toContain(`name="id" value="${id}"`);
    await post('waivers/revoke', session, { id, csrf: session.csrf });
    expect(await overview()).toContain(`Waiver ${id} is not in force`);
  });

  it('searches the audit log a bounded page at a time', async () => {
    const session = await httpLogin(s.ui);
    // Identical requests within a write batch share one audit row: 60 distinct rows are written directly.
    const store = await openSqliteStore(join(s.fw.dataDir, 'firewall.db'));
    for (let i = 0; i < 60; i++) await store.audit({ at: new Date(), client: '10.1.1.1', kind: 'packument', name: `other-${i}`, action: 'allow', status: 200 });
    await store.close();
    const page = async (q: string) => await (await get(`audit${q}`, { headers: { cookie: session.cookie } })).text();
    const first = await page('');
    expect(first.match(/<tr><td>/g)?.length).toBe(50);
    const older = /href="(audit\?before=\d+)" rel="next"/.exec(first)![1]!.replace(/&amp;/g, '&');
    const second = await page(older.slice('audit'.length));
    expect(second.match(/<tr><td>/g)!.length).toBeGreaterThan(0);
    expect(second).toContain('>Newest</a>');
    const releases = await page('?q=release');
    expect(releases).toContain('<td><code>fresh-one</code></td><td><code>1.0.0</code></td><td>release</td>');
    expect(releases).not.toContain('<td>allow</td>');
    const long = await get(`audit?q=${'x'.repeat(201)}`, { headers: { cookie: session.cookie } });
    expect(long.status).toBe(400);
  });

  it('counts decisions per rule', async () => {
    const session = await httpLogin(s.ui);
    const overview = await (await get('', { headers: { cookie: session.cookie } })).text();
    expect(overview).toMatch(/<td><code>hold-fresh<\/code><\/td><td><span class="action-quarantine">quarantine<\/span><\/td><td class="num">2<\/td>/);
  });

  it('logs out: the session cookie is cleared and no longer works', async () => {
    const session = await httpLogin(s.ui);
    const out = await post('logout', session, { csrf: session.csrf });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await get('', { headers: { cookie: session.cookie } })).headers.get('location')).toBe('login');
  });

  it('never shows or logs the admin token', () => {
    expect(seen.length).toBeGreaterThan(20);
    for (const text of seen) expect(text).not.toContain(ADMIN_TOKEN);
    expect(s.fw.logs()).not.toContain(ADMIN_TOKEN);
    expect(s.fw.logs()).toContain('"route":"admin"');
  });

  // Last: it locks this test process's address out of the login form.
  it('rate-limits wrong tokens per client address, the right token included once locked', async () => {
    const statuses: number[] = [];
    // The wrong token of the login test above still counts: the logins since cleared nothing.
    for (let i = 0; i < 10; i++) statuses.push((await post('login', undefined, { operator: 'mallory', token: `guess-${i}` })).status);
    expect(statuses).toEqual([...Array<number>(9).fill(401), 429]);
    const locked = await post('login', undefined, { operator: 'alice', token: ADMIN_TOKEN });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
  });
});

describe('firewall admin page, other settings', () => {
  it('sends the signed release and waiver webhooks for what is done on the page, as the admin API does', async () => {
    const secret = 'whsec-admin-page';
    const hook = await startWebhookReceiver(secret);
    const s = await startAdminFirewall([{ name: 'fresh-hooked', version: '1.0.0' }]);
    await s.fw.stop();
    const fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: s.registry.url, env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN_TOKEN, SSCS_FIREWALL_WEBHOOK_SECRET: secret }, args: ['--webhook-url', hook.url] });
    try {
      const ui = `${fw.url}${UI}`;
      await decide(fw.url, ['fresh-hooked']);
      const session = await httpLogin(ui, 'carol');
      const post = (path: string, fields: Record<string, string>) =>
        fetch(`${ui}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: session.cookie, origin: new URL(ui).origin, 'content-type': FORM }, body: new URLSearchParams({ ...fields, csrf: session.csrf }) });
      expect((await post('release', { name: 'fresh-hooked', version: '1.0.0', reason: 'reviewed' })).status).toBe(303);
      expect((await post('waivers', { name: 'fresh-hooked', version: '2.x', owner: 'team-web', reason: 'vendored', expires: '2099-01-31' })).status).toBe(303);
      await hook.waitFor((e) => e.some((x) => x.type === 'release') && e.some((x) => x.type === 'waiver'));
      const events = hook.events.filter((e) => e.type === 'release' || e.type === 'waiver');
      expect(events.every((e) => e.verified && e.schemaErrors.length === 0)).toBe(true);
      expect(events.find((e) => e.type === 'release')).toMatchObject({ ecosystem: 'npm', name: 'fresh-hooked', version: '1.0.0', purl: 'pkg:npm/fresh-hooked@1.0.0', record: expect.stringMatching(/^release:\d+$/), actor: { kind: 'operator', via: 'admin-page', name: 'carol' }, data: { reason: 'reviewed' } });
      // The waiver's owner is a field of the form; the actor is who was logged in. A range has no version in the purl.
      expect(events.find((e) => e.type === 'waiver')).toMatchObject({ ecosystem: 'npm', name: 'fresh-hooked', version: '2.x', purl: 'pkg:npm/fresh-hooked', actor: { kind: 'operator', via: 'admin-page', name: 'carol' }, data: { owner: 'team-web', expires: '2099-01-31T23:59:59.999Z' } });
    } finally {
      await fw.stop();
      await s.registry.close();
      await hook.close();
    }
  });

  it('is disabled, like the admin API, without an admin token', async () => {
    const s = await startAdminFirewall([]);
    await s.fw.stop();
    const fw = await startFirewallProcess({ policy: await writePolicy('version: 1\ndefault_action: allow\n'), upstream: s.registry.url });
    try {
      for (const path of ['', 'login', 'style.css']) expect((await fetch(`${fw.url}/-/sscs/admin/ui/${path}`, { redirect: 'manual' })).status).toBe(404);
      const login = await fetch(`${fw.url}/-/sscs/admin/ui/login`, { method: 'POST', headers: { origin: new URL(fw.url).origin, 'content-type': FORM }, body: 'operator=a&token=' });
      expect(login.status).toBe(404);
    } finally {
      await fw.stop();
      await s.registry.close();
    }
  });

  it('behind TLS (--public-url https://...), marks the cookie Secure and checks Origin against the public URL', async () => {
    const s = await startAdminFirewall([]);
    await s.fw.stop();
    const fw = await startFirewallProcess({ policy: await writePolicy('version: 1\ndefault_action: allow\n'), upstream: s.registry.url, env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN_TOKEN }, args: ['--public-url', 'https://fw.example/npm/'] });
    try {
      const ui = `${fw.url}/-/sscs/admin/ui/`;
      const login = (origin: string) => fetch(`${ui}login`, { method: 'POST', redirect: 'manual', headers: { origin, 'content-type': FORM }, body: new URLSearchParams({ operator: 'alice', token: ADMIN_TOKEN }) });
      expect((await login(new URL(fw.url).origin)).status).toBe(403);
      const r = await login('https://fw.example');
      expect(r.status).toBe(303);
      expect(r.headers.get('set-cookie')).toMatch(/; Path=\/npm\/-\/sscs\/admin\/ui\/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await fw.stop();
      await s.registry.close();
    }
  });
});
