/**
 * The CLI's waive and release send the same signed webhook event as the admin API, and the admin API lists
 * waivers and takes the CLI's package names (npm names and purls of both ecosystems), through one parser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'whsec-cli-events-secret';
const ADMIN = 'admin-token-cli-events-0123456789abcdef';
const POLICY = 'version: 1\nrules:\n  - id: hold-held\n    match: held-pkg\n    action: quarantine\n    reason: under review\n';

describe('CLI operator actions send webhook events', () => {
  let reg: NpmRegistry;
  let hook: WebhookReceiver;
  let fw: FirewallProcess;
  const outputs: string[] = [];
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runCli([...args, '--data-dir', fw.dataDir], { env: { SSCS_FIREWALL_WEBHOOK_URL: hook.url, SSCS_FIREWALL_WEBHOOK_SECRET: SECRET, USER: 'cli-user', ...env } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const api = (path: string, init: { method?: string; body?: object; token?: string } = {}) =>
    fetch(`${fw.url}/-/sscs/admin${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? ADMIN}`, 'content-type': 'application/json' },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
  const waivers = async () => ((await (await api('/waivers')).json()) as { waivers: Record<string, unknown>[] }).waivers;

  beforeAll(async () => {
    reg = await startNpmRegistry();
    await reg.publish({ name: 'held-pkg', version: '1.0.0' });
    await reg.publish({ name: 'held-pkg', version: '1.1.0' });
    hook = await startWebhookReceiver(SECRET);
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: reg.url, args: ['--webhook-url', hook.url], env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN, SSCS_FIREWALL_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await fw?.stop();
    await reg?.close();
    await hook?.close();
  });

  it('sends one signed release event from quarantine release, as the admin API would', async () => {
    expect((await fetch(`${fw.url}/held-pkg/-/held-pkg-1.0.0.tgz`)).status).toBe(403);
    await hook.waitFor((e) => e.some((x) => x.type === 'quarantine'));
    const r = await cli(['firewall', 'quarantine', 'release', 'held-pkg@1.0.0', '--reason', 'diff reviewed', '--by', 'alice']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const id = /release:(\d+)/.exec(r.stdout)![1];
    // The CLI waited for the delivery before it returned.
    const releases = hook.events.filter((e) => e.type === 'release');
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({
      verified: true, schemaErrors: [], ecosystem: 'npm', name: 'held-pkg', version: '1.0.0', purl: 'pkg:npm/held-pkg@1.0.0',
      record: `release:${id}`, actor: { kind: 'operator', via: 'cli', name: 'alice' }, data: { reason: 'diff reviewed' },
    });
    expect((await fetch(`${fw.url}/held-pkg/-/held-pkg-1.0.0.tgz`)).status).toBe(200);
  });

  it('sends a waiver event for pkg:pypi/<name>, keyed and named PEP 503-normalised', async () => {
    const r = await cli(['firewall', 'waive', 'pkg:pypi/Vers_Lib@2.0', '--reason', 'vendored fix', '--expires', '2099-01-01']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^waived pkg:pypi\/vers-lib@2\.0 \(waiver:\d+\)\n$/);
    const w = hook.events.filter((e) => e.type === 'waiver');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({
      verified: true, schemaErrors: [], ecosystem: 'pypi', name: 'vers-lib', version: '2.0', purl: 'pkg:pypi/vers-lib@2.0',
      actor: { kind: 'operator', via: 'cli', name: 'cli-user' }, data: { owner: 'cli-user', reason: 'vendored fix', expires: '2099-01-01T00:00:00.000Z' },
    });
    expect(await waivers()).toContainEqual(expect.objectContaining({ ecosystem: 'pypi', name: 'vers-lib', version: '2.0', purl: 'pkg:pypi/vers-lib@2.0', owner: 'cli-user', expires: '2099-01-01T00:00:00.000Z' }));
  });

  it('keeps the waiver and exits 0 with a warning when the webhook fails, naming the origin only', async () => {
    hook.script = [500, 500, 500];
    const before = hook.attempts;
    const r = await cli(['firewall', 'waive', 'held-pkg@1.x', '--reason', 'hook down', '--by', 'bob']);
    expect(r.exitCode).toBe(0);
    expect(hook.attempts - before).toBe(3);
    const origin = new URL(hook.url).origin;
    expect(r.stderr).toMatch(new RegExp(`^warning: waiver:\\d+ is recorded, but its waiver webhook event \\(delivery [0-9a-f-]{36}\\) was not delivered to ${origin}: HTTP 500 \\(3 attempts\\); the audit log has the action\\n$`));
    expect(r.stdout).toMatch(/^waived held-pkg@1\.x \(waiver:\d+\)\n$/);
    expect(await waivers()).toContainEqual(expect.objectContaining({ name: 'held-pkg', version: '1.x', purl: 'pkg:npm/held-pkg', owner: 'bob' }));
  });

  it('refuses a webhook without its secret before writing anything (exit 2)', async () => {
    const r = await cli(['firewall', 'waive', 'never-written@1.0.0', '--reason', 'x'], { SSCS_FIREWALL_WEBHOOK_SECRET: '' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--webhook-url needs a signing secret in SSCS_FIREWALL_WEBHOOK_SECRET');
    expect((await waivers()).map((w) => w.name)).not.toContain('never-written');
  });

  it('lists waivers over the admin API only with the token', async () => {
    expect((await api('/waivers', { token: 'wrong' })).status).toBe(401);
    const list = await waivers();
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const w of list) expect(Object.keys(w)).toEqual(expect.arrayContaining(['id', 'ecosystem', 'name', 'version', 'purl', 'owner', 'reason', 'at']));
  });

  it('takes purls of both ecosystems in the admin API, validated as the CLI validates them', async () => {
    const add = (name: string, version: string) => api('/waivers', { method: 'POST', body: { name, version, reason: 'api', by: 'team-py', expires: '2099-02-01' } });
    expect((await add('pkg:pypi/Other.Lib', '>=2.1,<3')).status).toBe(200);
    expect((await add('pkg:npm/%40scope/tool', '1.2.3')).status).toBe(200);
    const list = await waivers();
    expect(list).toContainEqual(expect.objectContaining({ ecosystem: 'pypi', name: 'other-lib', version: '>=2.1,<3', purl: 'pkg:pypi/other-lib', owner: 'team-py' }));
    expect(list).toContainEqual(expect.objectContaining({ ecosystem: 'npm', name: '@scope/tool', purl: 'pkg:npm/%40scope/tool@1.2.3' }));
    const fromApi = (e: typeof hook.events) => e.filter((x) => x.type === 'waiver' && x.actor.via === 'admin-api');
    await hook.waitFor((e) => fromApi(e).length === 2);
    const waiverEvents = fromApi(hook.events);
    expect(waiverEvents.map((e) => [e.ecosystem, e.name])).toEqual([['pypi', 'other-lib'], ['npm', '@scope/tool']]);
    // The same mistakes get the same words from the API (400) and the CLI (exit 2).
    for (const [name, version, words] of [
      ['pkg:maven/org.x/y', '1.0', "the firewall serves npm and pypi packages, not 'maven'"],
      ['pkg:npm/@scope/tool', '1.0.0', "the npm scope's '@' must be percent-encoded"],
      ['pkg:pypi/vers', 'not a version!', "'not a version!' is not a version or a PEP 440 version specifier"],
      ['../etc', '1.0.0', "'../etc' is not a package name: not an npm name"],
      ['pkg:npm/left-pad?repository_url=https://evil.example', '1.0.0', 'a purl naming a package here has no qualifiers'],
    ] as const) {
      const res = await add(name, version);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(words);
      const r = await cli(['firewall', 'waive', `${name}@${version}`, '--reason', 'x']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(words);
    }
  });

  it('never prints the webhook secret or the URL token', () => {
    expect(outputs.join('\n') + fw.logs()).not.toMatch(new RegExp(`${SECRET}|in-the-url`));
  });
});
