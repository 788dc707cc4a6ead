import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SESSIONS, SESSION_IDLE_MS, SESSION_MAX_MS, Sessions } from '../../helper/dist/firewall/admin-ui/sessions.js';
import { FAILURE_WINDOW_MS, LoginLimiter, MAX_FAILURES, MAX_SITE_FAILURES } from '../../helper/dist/firewall/admin-ui/login-limiter.js';
import { escapeHtml, html } from '../../helper/dist/firewall/admin-ui/html.js';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import { openPostgresStore } from '../../helper/dist/firewall/postgres/store.js';
import { postgresTarget } from '../../helper/dist/firewall/postgres/connect.js';
import type { Store } from '../../helper/dist/firewall/store.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';

const T0 = Date.UTC(2026, 0, 1);

let pgServer: TestPostgres | undefined;
afterAll(async () => {
  await pgServer?.close();
});

/** The same behaviour from both stores: SQLite (one process) and PostgreSQL (shared by replicas). */
const STORES: [string, () => Promise<{ store: Store; rows: () => Promise<{ key: string; operator: string }[]> }>][] = [
  ['SQLite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-sessions-'));
    const store = await openSqliteStore(join(dir, 'firewall.db'));
    const { DatabaseSync } = await import('node:sqlite');
    return { store, rows: async () => new DatabaseSync(join(dir, 'firewall.db')).prepare('SELECT key, operator FROM admin_sessions').all() as { key: string; operator: string }[] };
  }],
  ['PostgreSQL', async () => {
    pgServer ??= await startPostgres();
    const url = await pgServer.createDatabase(`sessions_${Math.random().toString(36).slice(2, 8)}`);
    const store = await openPostgresStore(postgresTarget(url, { PGPASSWORD: pgServer.password }, true), { listen: false });
    return {
      store,
      rows: async () => {
        const c = new pg.Client({ ...parseIntoClientConfig(url), password: pgServer!.password });
        await c.connect();
        try {
          return (await c.query(`SELECT key, operator FROM admin_sessions`)).rows as { key: string; operator: string }[];
        } finally {
          await c.end();
        }
      },
    };
  }],
];

describe.each(STORES)('admin page sessions in %s', (_name, open) => {
  let store: Store;
  let rows: () => Promise<{ key: string; operator: string }[]>;
  beforeAll(async () => {
    ({ store, rows } = await open());
  });
  afterAll(async () => {
    await store?.close();
  });

  it('gives each login a random 256-bit id and CSRF token bound to it, keeps only the id\'s hash, and knows no other id', async () => {
    const sessions = new Sessions(store.sessions);
    const a = await sessions.create('alice', T0);
    const b = await sessions.create('alice', T0);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrf).not.toBe(b.session.csrf);
    expect(a.session.csrf).not.toBe(a.id);
    const got = await sessions.get(a.id, T0);
    expect([got?.operator, got?.csrf]).toEqual(['alice', a.session.csrf]);
    expect(await sessions.get(`${a.id.slice(0, -1)}${a.id.endsWith('x') ? 'y' : 'x'}`, T0)).toBeUndefined();
    expect(await sessions.get(undefined, T0)).toBeUndefined();
    // What the database holds is the id's SHA-256: a dump of the table gives no cookie to replay.
    const stored = await rows();
    const keys = stored.map((r) => r.key);
    expect(keys).toContain(createHash('sha256').update(a.id).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(a.id);
    expect(JSON.stringify(stored)).not.toContain(a.session.csrf);
    await expect(store.sessions.create({ key: a.id, operator: 'raw', createdAt: new Date(T0), expiresAt: new Date(T0 + 1000), idleUntil: new Date(T0 + 1000) }, MAX_SESSIONS)).rejects.toThrow(/check constraint|CHECK constraint/i);
  });

  it('ends a session after SESSION_IDLE_MS without a request, and SESSION_MAX_MS after login however busy', async () => {
    const sessions = new Sessions(store.sessions);
    const idle = await sessions.create('alice', T0);
    expect(await sessions.get(idle.id, T0 + SESSION_IDLE_MS - 1)).toBeDefined();
    expect(await sessions.get(idle.id, T0 + 2 * SESSION_IDLE_MS)).toBeUndefined();
    // Expired once is gone for good, even if asked about at an earlier time.
    expect(await sessions.get(idle.id, T0)).toBeUndefined();

    const busy = await sessions.create('bob', T0);
    let t = T0;
    while (t + SESSION_IDLE_MS / 2 < T0 + SESSION_MAX_MS) expect(await sessions.get(busy.id, (t += SESSION_IDLE_MS / 2))).toBeDefined();
    expect(await sessions.get(busy.id, T0 + SESSION_MAX_MS)).toBeUndefined();
  });

  it('keeps a one-time message for the next page only, and ends a session at logout', async () => {
    const sessions = new Sessions(store.sessions);
    const s = await sessions.create('carol', T0);
    await sessions.flash(s.id, { ok: true, text: 'Released x@1' });
    // A post does not take it; the page after it does, once.
    expect((await sessions.get(s.id, T0 + 1, false))?.flash).toBeUndefined();
    expect((await sessions.get(s.id, T0 + 2, true))?.flash).toEqual({ ok: true, text: 'Released x@1' });
    expect((await sessions.get(s.id, T0 + 3, true))?.flash).toBeUndefined();
    await sessions.end(s.id);
    expect(await sessions.get(s.id, T0 + 4)).toBeUndefined();
  });

  it('keeps at most MAX_SESSIONS, the oldest going first', async () => {
    const sessions = new Sessions(store.sessions);
    const ids: string[] = [];
    for (let i = 0; i <= MAX_SESSIONS; i++) ids.push((await sessions.create(`op-${i}`, T0 + i)).id);
    expect((await rows()).length).toBe(MAX_SESSIONS);
    expect(await sessions.get(ids[0], T0 + MAX_SESSIONS)).toBeUndefined();
    expect((await sessions.get(ids[MAX_SESSIONS], T0 + MAX_SESSIONS))?.operator).toBe(`op-${MAX_SESSIONS}`);
  });
});

describe.each(STORES)('admin page login limit in %s', (_name, open) => {
  let store: Store;
  beforeAll(async () => {
    ({ store } = await open());
  });
  afterAll(async () => {
    await store?.close();
  });

  it('locks an address after MAX_FAILURES wrong tokens until the oldest leaves the window, other addresses unaffected', async () => {
    const limiter = new LoginLimiter(store.sessions, 'admin-token-a');
    for (let i = 0; i < MAX_FAILURES; i++) expect(await limiter.check('10.0.0.1', true, T0 + i * 1000)).toEqual({ wait: 0 });
    const now = T0 + MAX_FAILURES * 1000;
    expect(await limiter.check('10.0.0.1', true, now)).toEqual({ wait: (FAILURE_WINDOW_MS - MAX_FAILURES * 1000) / 1000 });
    // A refused attempt does not push the lockout further, and the right token is refused alike.
    expect(await limiter.check('10.0.0.1', true, now + 1000)).toEqual({ wait: (FAILURE_WINDOW_MS - MAX_FAILURES * 1000 - 1000) / 1000 });
    expect(await limiter.check('10.0.0.1', false, now + 1000)).toEqual({ wait: (FAILURE_WINDOW_MS - MAX_FAILURES * 1000 - 1000) / 1000 });
    expect(await limiter.check('10.0.0.2', true, now)).toEqual({ wait: 0 });
    expect(await limiter.check('10.0.0.1', true, T0 + FAILURE_WINDOW_MS)).toEqual({ wait: 0 });
  });

  it('counts the failures of every limiter on the store (replicas), however many arrive at once, and never the right token', async () => {
    const [a, b] = [new LoginLimiter(store.sessions, 'admin-token-b'), new LoginLimiter(store.sessions, 'admin-token-b')];
    const answers = await Promise.all(Array.from({ length: 3 * MAX_FAILURES }, (_, i) => (i % 2 ? a : b).check('10.0.0.3', true, T0 + 1000)));
    expect(answers.filter((x) => x.wait === 0)).toHaveLength(MAX_FAILURES);
    const right = await Promise.all(Array.from({ length: 6 * MAX_FAILURES }, (_, i) => (i % 2 ? a : b).check('10.0.0.5', false, T0 + 1000)));
    expect(right.filter((x) => x.wait === 0)).toHaveLength(6 * MAX_FAILURES);
  });

  it('clears no failure on the right token: they leave with the window only', async () => {
    const limiter = new LoginLimiter(store.sessions, 'admin-token-c');
    for (let i = 0; i < MAX_FAILURES - 1; i++) await limiter.check('10.0.0.4', true, T0);
    expect(await limiter.check('10.0.0.4', false, T0 + 1)).toEqual({ wait: 0 });
    expect(await limiter.check('10.0.0.4', true, T0 + 2)).toEqual({ wait: 0 });
    expect((await limiter.check('10.0.0.4', false, T0 + 3)).wait).toBeGreaterThan(0);
    expect(await limiter.check('10.0.0.4', false, T0 + FAILURE_WINDOW_MS)).toEqual({ wait: 0 });
  });

  it('keeps at most maxRows failures, the oldest going first', async () => {
    const key = (i: number) => i.toString(16).padStart(64, '0');
    const at = new Date(T0);
    const since = new Date(T0 - 1);
    for (let i = 0; i < 50; i++) expect((await store.sessions.loginAttempt([{ key: key(i), max: 1 }], at, since, 20, true)).allowed).toBe(true);
    const locked: boolean[] = [];
    for (let i = 0; i < 50; i++) locked.push(!(await store.sessions.loginAttempt([{ key: key(i), max: 1 }], at, since, 20, false)).allowed);
    expect(locked).toEqual([...Array<boolean>(30).fill(false), ...Array<boolean>(20).fill(true)]);
  });

  it('counts an IPv6 /64 as one client, and each address in one spelling', async () => {
    const limiter = new LoginLimiter(store.sessions, 'admin-token-e');
    expect(limiter.key('2001:DB8:1:2:ffff::9')).toBe(limiter.key('2001:db8:1:2::1'));
    expect(limiter.key('2001:db8:1:3::1')).not.toBe(limiter.key('2001:db8:1:2::1'));
    expect(limiter.key('::ffff:0102:0304')).toBe(limiter.key('1.2.3.4'));
    expect(limiter.key('1.2.3.5')).not.toBe(limiter.key('1.2.3.4'));
    expect(limiter.key('fe80::1%eth0')).toBe(limiter.key('fe80::2'));
    // The /48 of an IPv6 client is a count of its own (none for IPv4), apart from any /64's.
    expect(limiter.siteKey('2001:db8:1:2::1')).toBe(limiter.siteKey('2001:DB8:1:ffff::9'));
    expect(limiter.siteKey('2001:db8:2:2::1')).not.toBe(limiter.siteKey('2001:db8:1:2::1'));
    expect(limiter.siteKey('2001:db8:1:2::1')).not.toBe(limiter.key('2001:db8:1:2::1'));
    expect(limiter.siteKey('::ffff:1.2.3.4')).toBeUndefined();
    expect(limiter.buckets('1.2.3.4')).toEqual([{ key: limiter.key('1.2.3.4'), max: MAX_FAILURES }]);
    expect(limiter.buckets('2001:db8:1:2::1')).toEqual([{ key: limiter.key('2001:db8:1:2::1'), max: MAX_FAILURES }, { key: limiter.siteKey('2001:db8:1:2::1'), max: MAX_SITE_FAILURES }]);
  });

  it('bounds an IPv6 /48 at MAX_SITE_FAILURES across all its /64s, until its oldest failure leaves the window; other /48s unaffected', async () => {
    expect(MAX_SITE_FAILURES).toBeGreaterThan(MAX_FAILURES);
    const limiter = new LoginLimiter(store.sessions, 'admin-token-f');
    // One wrong token from each of MAX_SITE_FAILURES /64s of 2001:db8:5::/48: each /64 is far under its own limit.
    for (let i = 0; i < MAX_SITE_FAILURES; i++) expect(await limiter.check(`2001:db8:5:${i.toString(16)}::1`, true, T0 + i * 1000), `/64 ${i}`).toEqual({ wait: 0 });
    const now = T0 + MAX_SITE_FAILURES * 1000;
    // A new /64 of the same /48 waits for the /48's oldest failure, with the right token too; nothing is recorded.
    expect(await limiter.check('2001:db8:5:ffff::1', true, now)).toEqual({ wait: (FAILURE_WINDOW_MS - MAX_SITE_FAILURES * 1000) / 1000 });
    expect(await limiter.check('2001:db8:5:fffe::1', false, now)).toEqual({ wait: (FAILURE_WINDOW_MS - MAX_SITE_FAILURES * 1000) / 1000 });
    expect(await limiter.check('2001:db8:6::1', false, now)).toEqual({ wait: 0 });
    expect(await limiter.check('2001:db8:6::1', true, now)).toEqual({ wait: 0 });
    expect(await limiter.check('10.0.5.1', true, now)).toEqual({ wait: 0 });
    // Once the first failure leaves the window, one more fits.
    expect(await limiter.check('2001:db8:5:ffff::1', true, T0 + FAILURE_WINDOW_MS)).toEqual({ wait: 0 });
    expect((await limiter.check('2001:db8:5:fffd::1', true, T0 + FAILURE_WINDOW_MS)).wait).toBe(1);
  });

  it('a full /64 still waits for its own oldest failure when its /48 is under its bound', async () => {
    const limiter = new LoginLimiter(store.sessions, 'admin-token-g');
    for (let i = 0; i < MAX_FAILURES; i++) expect(await limiter.check(`2001:db8:7:1::${i + 1}`, true, T0 + i * 1000)).toEqual({ wait: 0 });
    expect(await limiter.check('2001:db8:7:1::99', true, T0 + MAX_FAILURES * 1000)).toEqual({ wait: (FAILURE_WINDOW_MS - MAX_FAILURES * 1000) / 1000 });
    expect(await limiter.check('2001:db8:7:2::1', true, T0 + MAX_FAILURES * 1000)).toEqual({ wait: 0 });
  });

  it('counts a /48\'s failures from many /64s at once, on every limiter of the store, exactly to its bound', async () => {
    const [a, b] = [new LoginLimiter(store.sessions, 'admin-token-h'), new LoginLimiter(store.sessions, 'admin-token-h')];
    // Each of 3 * MAX_SITE_FAILURES guesses from a /64 of its own, all of one /48, sent together.
    const answers = await Promise.all(Array.from({ length: 3 * MAX_SITE_FAILURES }, (_, i) => (i % 2 ? a : b).check(`2001:db8:8:${i.toString(16)}::1`, true, T0 + 1000)));
    expect(answers.filter((x) => x.wait === 0)).toHaveLength(MAX_SITE_FAILURES);
  });

  it('keys attempts by a hash of the address under the admin token, never the address', () => {
    const limiter = new LoginLimiter(store.sessions, 'admin-token-d');
    expect(limiter.key('10.0.0.1')).toMatch(/^[0-9a-f]{64}$/);
    expect(limiter.key('10.0.0.1')).not.toBe(createHash('sha256').update('10.0.0.1').digest('hex'));
    expect(limiter.key('10.0.0.1')).not.toBe(new LoginLimiter(store.sessions, 'another-token').key('10.0.0.1'));
  });
});

describe('admin page HTML', () => {
  it('escapes every interpolated value, and only html templates pass unescaped', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    const hostile = '"><script>alert(1)</script>';
    expect(String(html`<input value="${hostile}">${[html`<b>${hostile}</b>`]}${0}${undefined}${false}`)).toBe(
      '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">' + '<b>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b>0',
    );
    // A look-alike object is text, not markup.
    expect(String(html`${{ toString: () => '<i>' } as unknown as string}`)).toBe('&lt;i&gt;');
  });
});
