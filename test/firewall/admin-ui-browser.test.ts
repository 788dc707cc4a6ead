import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { npmInstall } from '../support/npm-clients.js';
import { ADMIN_TOKEN, HOSTILE, decide, launchChromium, startAdminFirewall, type AdminSetup } from './admin-ui-support.js';

const PACKAGES = [
  { name: 'fresh-widget', version: '1.0.0' },
  { name: 'fresh-widget', version: '1.1.0' },
  { name: 'fresh-held', version: '2.0.0' },
  { name: '@acme/fresh-utils', version: '0.3.1' },
  { name: 'hostile-widget', version: '3.0.0' },
  { name: 'evil-pkg', version: '1.0.0' },
];

/** A page on another origin that posts a form to the firewall by itself: what a CSRF attack looks like. */
async function startAttacker(target: string, fields: Record<string, string>): Promise<{ url: string; server: Server }> {
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('');
  const page = `<!doctype html><form id="f" method="post" action="${target}">${inputs}</form><script>document.getElementById('f').submit()</script>`;
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('firewall admin page in headless Chromium', () => {
  let s: AdminSetup;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const statuses: number[] = [];
  /** What the browser's console said: a CSP violation by our own page would show here. */
  const consoleErrors: string[] = [];

  const logIn = async (token: string): Promise<void> => {
    await page.goto(`${s.ui}login`);
    await page.type('input[name=operator]', 'alice@example.com');
    await page.type('input[name=token]', token);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  };
  const releaseForm = (name: string, version: string) => `#quarantine form:has(input[name=name][value="${name}"]):has(input[name=version][value="${version}"])`;

  beforeAll(async () => {
    s = await startAdminFirewall(PACKAGES);
    await decide(s.fw.url, ['fresh-widget', 'fresh-held', '@acme/fresh-utils', 'hostile-widget', 'evil-pkg']);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('response', (r) => statuses.push(r.status()));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('refuses a wrong token and logs in with the right one', async () => {
    await logIn('not-the-token');
    expect(page.url()).toBe(`${s.ui}login`);
    expect(await page.$eval('[role=alert]', (e) => e.textContent)).toBe('That is not the admin token.');
    expect(await page.cookies()).toEqual([]);

    await logIn(ADMIN_TOKEN);
    expect(page.url()).toBe(s.ui);
    expect(await page.$eval('.who', (e) => e.textContent)).toBe('signed in as alice@example.com');
    const [cookie] = await page.cookies();
    expect(cookie).toMatchObject({ name: 'sscs_admin_session', httpOnly: true, sameSite: 'Strict', path: '/-/sscs/admin/ui/', secure: false });
    // HttpOnly: no script of the page could read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // The stylesheet loads under our own CSP, and nothing on the page breaks it.
    expect(await page.$eval('header', (e) => getComputedStyle(e).backgroundColor)).toBe('rgb(29, 36, 51)');
    expect(consoleErrors.filter((m) => !m.includes('401'))).toEqual([]);
  });

  it('shows hostile reasons as text: no script runs, no element is injected', async () => {
    const reasons = await page.$$eval('#quarantine tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
    expect(reasons).toContain(`under review ${HOSTILE}: matches rule hold-hostile`);
    expect(await page.$$eval('script, main img', (e) => e.length)).toBe(0);
    // A waiver whose owner and reason are markup, typed into the page's own form.
    await page.type('#waivers input[name=name]', 'fresh-held');
    await page.type('#waivers input[name=version]', '*');
    await page.$eval('#waivers input[name=owner]', (e) => ((e as HTMLInputElement).value = ''));
    await page.type('#waivers input[name=owner]', HOSTILE);
    await page.type('#waivers input[name=reason]', HOSTILE);
    // A date input's value is ISO whatever the browser's locale shows.
    await page.$eval('#waivers input[name=expires]', (e) => ((e as HTMLInputElement).value = '2099-12-31'));
    await Promise.all([page.waitForNavigation(), page.click('#waivers button[type=submit]:not(.danger)')]);
    expect(await page.$eval('.flash', (e) => e.textContent)).toContain(`owned by ${HOSTILE}, until 2099-12-31T23:59:59.999Z`);
    expect(await page.$$eval('#waivers tbody td:nth-child(4)', (tds) => tds.map((t) => t.textContent))).toEqual([HOSTILE]);
    expect(await page.$$eval('script, main img', (e) => e.length)).toBe(0);
    expect(dialogs).toEqual([]);
    // Revoked again, so that fresh-held stays blocked for the CSRF test below.
    await Promise.all([page.waitForNavigation(), page.click('#waivers button.danger')]);
    expect(await page.$eval('.flash', (e) => e.textContent)).toMatch(/^Waiver \d+ for fresh-held@\* revoked\.$/);
  });

  it('releases a quarantined version through the page, and npm installs it next', async () => {
    const before = await npmInstall(s.fw.url, { 'fresh-widget': '1.1.0' });
    expect(before.exitCode).not.toBe(0);
    expect(before.output).toContain('fresh-widget');

    const form = releaseForm('fresh-widget', '1.1.0');
    await page.type(`${form} input[name=reason]`, 'diffed against 1.0.0, reviewed');
    await Promise.all([page.waitForNavigation(), page.click(`${form} button`)]);
    expect(await page.$eval('.flash', (e) => e.textContent)).toMatch(/^Released fresh-widget@1\.1\.0 \(release \d+\)/);
    expect(await page.$(form)).toBeNull();

    const after = await npmInstall(s.fw.url, { 'fresh-widget': '1.1.0' });
    expect(after.output).not.toContain('ERR');
    expect(after.exitCode).toBe(0);
    const installed = JSON.parse(await readFile(join(after.dir, 'node_modules', 'fresh-widget', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe('1.1.0');
  });

  it('refuses a form whose CSRF token is missing or wrong, and releases nothing', async () => {
    await page.goto(s.ui);
    const form = releaseForm('fresh-held', '2.0.0');
    for (const tamper of ['remove', 'change'] as const) {
      await page.$eval(`${form} input[name=csrf]`, (e, how) => (how === 'remove' ? e.remove() : ((e as HTMLInputElement).value = 'forged-token-forged-token-forged-token-forg')), tamper);
      await page.type(`${form} input[name=reason]`, 'forged');
      const [response] = await Promise.all([page.waitForNavigation(), page.click(`${form} button`)]);
      expect(response?.status()).toBe(403);
      expect(await page.$eval('main p', (e) => e.textContent)).toContain('no valid CSRF token');
      await page.goto(s.ui);
      expect(await page.$(form)).not.toBeNull();
    }
  });

  it('refuses a form posted from another origin, even with the right CSRF token', async () => {
    await page.goto(s.ui);
    // The worst case: the token itself has leaked to the attacker; the Origin check still stops the post.
    const csrf = await page.$eval('input[name=csrf]', (e) => (e as HTMLInputElement).value);
    const attacker = await startAttacker(`${s.ui}release`, { name: 'fresh-held', version: '2.0.0', reason: 'csrf', csrf });
    try {
      // 127.0.0.1 on another port is the same site, so the SameSite=Strict cookie is sent: only Origin differs.
      const posted = page.waitForResponse((r) => r.url() === `${s.ui}release`);
      await page.goto(attacker.url);
      const response = await posted;
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain('Origin check');
    } finally {
      attacker.server.close();
    }
    await page.goto(s.ui);
    expect(await page.$(releaseForm('fresh-held', '2.0.0'))).not.toBeNull();
  });

  it('searches the audit log', async () => {
    await page.goto(`${s.ui}audit`);
    await page.type('input[name=q]', 'release');
    await Promise.all([page.waitForNavigation(), page.click('form[role=search] button')]);
    expect(page.url()).toBe(`${s.ui}audit?q=release`);
    const rows = await page.$$eval('#audit tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // Newest first: npm's tarball fetch that the release let through, then the release itself.
    expect(rows.map((r) => r.slice(1, 7))).toEqual([
      ['127.0.0.1', 'tarball', 'fresh-widget', '1.1.0', 'allow', 'release:1'],
      ['127.0.0.1', 'admin', 'fresh-widget', '1.1.0', 'release', 'release:1'],
    ]);
  });

  it('takes a screenshot of the overview with the quarantine queue populated', async () => {
    await page.goto(s.ui);
    // The README's picture: the hostile row released, a waiver in force.
    const hostile = releaseForm('hostile-widget', '3.0.0');
    await page.type(`${hostile} input[name=reason]`, 'escaping checked');
    await Promise.all([page.waitForNavigation(), page.click(`${hostile} button`)]);
    await page.type('#waivers input[name=name]', 'left-pad');
    await page.type('#waivers input[name=version]', '1.3.x');
    await page.$eval('#waivers input[name=owner]', (e) => ((e as HTMLInputElement).value = 'web-platform team'));
    await page.type('#waivers input[name=reason]', 'pinned until the vendored fix ships');
    await page.$eval('#waivers input[name=expires]', (e) => ((e as HTMLInputElement).value = '2027-03-31'));
    await Promise.all([page.waitForNavigation(), page.click('#waivers button[type=submit]:not(.danger)')]);
    expect(await page.$$eval('#quarantine tbody tr', (r) => r.length)).toBeGreaterThanOrEqual(2);
    const path = join(await mkdtemp(join(tmpdir(), 'sscs-shot-')), 'admin-page.png');
    await page.screenshot({ path, fullPage: true });
    expect((await readFile(path)).subarray(1, 4).toString()).toBe('PNG');
    if (process.env.SSCS_ADMIN_SCREENSHOT) await copyFile(path, process.env.SSCS_ADMIN_SCREENSHOT);
  });

  it('logs out, and the admin token appeared in no page, cookie or log', async () => {
    const html = await page.content();
    await Promise.all([page.waitForNavigation(), page.click('header form button')]);
    expect(page.url()).toBe(`${s.ui}login`);
    expect(await page.cookies()).toEqual([]);
    await page.goto(s.ui);
    expect(page.url()).toBe(`${s.ui}login`);
    expect(html).not.toContain(ADMIN_TOKEN);
    // The 401 of the wrong token and the 403s of the refused forms, nothing else (no CSP violation).
    expect(consoleErrors.every((m) => /status of 40[13]/.test(m))).toBe(true);
    expect(s.fw.logs()).not.toContain(ADMIN_TOKEN);
    expect(statuses.length).toBeGreaterThan(10);
  });
});
