/**
 * What the admin page tests share: a registry-like upstream, a real `sscs firewall serve` process with an
 * admin token, a policy whose reasons are hostile markup, a login over plain HTTP, and headless Chromium from
 * Debian's packages driven by puppeteer-core (which never downloads a browser).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

export const ADMIN_TOKEN = 'sscs-admin-ui-token-0123456789abcdef';
export const HOSTILE = `<script>alert('xss')</script><img src=x onerror="alert(1)">`;
export const UI = '/-/sscs/admin/ui/';
export const CHROMIUM = process.env.SSCS_CHROMIUM ?? '/usr/bin/chromium';

export const POLICY = `
version: 1
default_action: allow
rules:
  - id: hold-hostile
    match: "hostile-*"
    action: quarantine
    reason: ${JSON.stringify(`under review ${HOSTILE}`)}
  - id: hold-fresh
    match: "*fresh-*"
    action: quarantine
    reason: new release under review
  - id: deny-evil
    match: evil-pkg
    action: deny
    reason: known bad package
`;

export interface AdminSetup {
  registry: NpmRegistry;
  fw: FirewallProcess;
  ui: string;
  close(): Promise<void>;
}

export async function startAdminFirewall(packages: { name: string; version: string }[]): Promise<AdminSetup> {
  const registry = await startNpmRegistry();
  for (const p of packages) await registry.publish(p);
  const fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: registry.url, env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN_TOKEN } });
  return {
    registry, fw, ui: `${fw.url}${UI}`,
    close: async () => {
      await fw.stop();
      await registry.close();
    },
  };
}

/** The packuments fetched through the firewall, so that their quarantined versions enter the queue. */
export async function decide(fwUrl: string, names: string[]): Promise<void> {
  for (const n of names) await (await fetch(`${fwUrl}/${n.replace('/', '%2f')}`)).arrayBuffer();
}

export interface HttpSession {
  cookie: string;
  csrf: string;
  /** The Set-Cookie header as sent. */
  setCookie: string;
}

/** Logs in as a browser would (form post with our Origin) and reads the CSRF token from the overview. */
export async function httpLogin(ui: string, operator = 'alice'): Promise<HttpSession> {
  const origin = new URL(ui).origin;
  const r = await fetch(`${ui}login`, { method: 'POST', redirect: 'manual', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ operator, token: ADMIN_TOKEN }) });
  if (r.status !== 303) throw new Error(`login answered ${r.status}`);
  const setCookie = r.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const page = await (await fetch(ui, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no CSRF token on the overview');
  return { cookie, csrf, setCookie };
}

export async function launchChromium(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    // The flags are ours: '--headless' is passed as such rather than puppeteer's '--headless=new'.
    headless: false,
    pipe: true,
    userDataDir: await mkdtemp(join(tmpdir(), 'sscs-chromium-')),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
