import { describe, expect, it } from 'vitest';
import { MAX_SESSIONS, SESSION_IDLE_MS, SESSION_MAX_MS, Sessions } from '../../helper/dist/firewall/admin-ui/sessions.js';
import { FAILURE_WINDOW_MS, LoginLimiter, MAX_FAILURES } from '../../helper/dist/firewall/admin-ui/login-limiter.js';
import { escapeHtml, html } from '../../helper/dist/firewall/admin-ui/html.js';

const T0 = Date.UTC(2026, 0, 1);

describe('admin page sessions', () => {
  it('gives each login a random 256-bit id and CSRF token, and knows no other id', () => {
    const sessions = new Sessions();
    const a = sessions.create('alice', T0);
    const b = sessions.create('alice', T0);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrf).not.toBe(b.session.csrf);
    expect(a.session.csrf).not.toBe(a.id);
    expect(sessions.get(a.id, T0)).toBe(a.session);
    expect(sessions.get(`${a.id.slice(0, -1)}x`, T0)).toBeUndefined();
    expect(sessions.get(undefined, T0)).toBeUndefined();
  });

  it('ends a session after SESSION_IDLE_MS without a request, and SESSION_MAX_MS after login however busy', () => {
    const sessions = new Sessions();
    const idle = sessions.create('alice', T0);
    expect(sessions.get(idle.id, T0 + SESSION_IDLE_MS)).toBeDefined();
    expect(sessions.get(idle.id, T0 + 2 * SESSION_IDLE_MS + 1)).toBeUndefined();
    // Expired once is gone for good, even if asked about at an earlier time.
    expect(sessions.get(idle.id, T0)).toBeUndefined();

    const busy = sessions.create('bob', T0);
    let t = T0;
    while (t + SESSION_IDLE_MS / 2 <= T0 + SESSION_MAX_MS) expect(sessions.get(busy.id, (t += SESSION_IDLE_MS / 2))).toBeDefined();
    expect(sessions.get(busy.id, T0 + SESSION_MAX_MS + 1)).toBeUndefined();
  });

  it('ends a session at logout, and keeps at most MAX_SESSIONS, the oldest going first', () => {
    const sessions = new Sessions();
    const first = sessions.create('alice', T0);
    sessions.end(first.id);
    expect(sessions.get(first.id, T0)).toBeUndefined();
    const ids = Array.from({ length: MAX_SESSIONS + 1 }, (_, i) => sessions.create(`op-${i}`, T0 + i).id);
    expect(sessions.size).toBe(MAX_SESSIONS);
    expect(sessions.get(ids[0], T0 + MAX_SESSIONS)).toBeUndefined();
    expect(sessions.get(ids[MAX_SESSIONS], T0 + MAX_SESSIONS)?.operator).toBe(`op-${MAX_SESSIONS}`);
  });
});

describe('admin page login limit', () => {
  it('locks an address after MAX_FAILURES wrong tokens until the oldest leaves the window, other addresses unaffected', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(limiter.retryAfter('10.0.0.1', T0 + i * 1000)).toBe(0);
      limiter.failed('10.0.0.1', T0 + i * 1000);
    }
    const now = T0 + MAX_FAILURES * 1000;
    expect(limiter.retryAfter('10.0.0.1', now)).toBe((FAILURE_WINDOW_MS - MAX_FAILURES * 1000) / 1000);
    expect(limiter.retryAfter('10.0.0.2', now)).toBe(0);
    expect(limiter.retryAfter('10.0.0.1', T0 + FAILURE_WINDOW_MS)).toBe(0);
  });

  it('forgets the failures of an address that logs in', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < MAX_FAILURES - 1; i++) limiter.failed('10.0.0.1', T0);
    limiter.succeeded('10.0.0.1');
    limiter.failed('10.0.0.1', T0);
    expect(limiter.retryAfter('10.0.0.1', T0)).toBe(0);
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
