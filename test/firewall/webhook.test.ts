import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '../../helper/src/firewall/metrics.js';
import { signWebhook, Webhook } from '../../helper/src/firewall/webhook.js';
import { firewallEvent, releaseEvent } from '../../helper/src/firewall/events.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runCli } from '../support/cli.js';
import { startFirewallProcess, type FirewallProcess } from './support.js';
import { startWebhookReceiver, verify, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'whsec-unit-secret';
const lines: Record<string, unknown>[] = [];
const log = (l: Record<string, unknown>) => void lines.push(l);
// Short backoff; an attempt timeout only as short as a test needs a hung endpoint to cost, and long enough that a
// loaded machine's slow answer is not taken for a hang.
const fast = { baseDelayMs: 10, maxDelayMs: 40, attemptTimeoutMs: 10_000 };
const HANG_MS = 2_000;
const FIREWALL = { kind: 'firewall', via: 'proxy' } as const;
const block = (name: string, version = '1.0.0') => firewallEvent({ type: 'block', name, version, actor: FIREWALL, data: { action: 'deny', rule: 'r', reason: 'x' } });
const count = (m: Metrics, type: string, result: string) => Number(m.render().split('\n').find((l) => l.startsWith(`sscs_firewall_webhook_events_total{type="${type}",result="${result}"}`))?.split(' ')[1] ?? 0);

describe('webhook delivery', () => {
  let hook: WebhookReceiver;
  let sink: Webhook | undefined;
  beforeAll(async () => {
    hook = await startWebhookReceiver(SECRET);
  });
  afterEach(async () => {
    await sink?.close(0);
    hook.script = [];
    hook.events = [];
    hook.seen = [];
    hook.attempts = 0;
  });
  afterAll(() => hook.close());

  it('never logs the URL fetch refused: a failed delivery names the origin and an error code only', async () => {
    lines.length = 0;
    const metrics = new Metrics();
    // A URL fetch cannot use (credentials in it): its error message quotes the whole URL, query token included.
    sink = new Webhook({ url: 'http://user:pa55word@127.0.0.1:9/hook?tok=querysecret', secret: SECRET, metrics, log, maxAttempts: 2, ...fast });
    void sink.send(firewallEvent({ type: 'block', name: 'x', version: '1.0.0', actor: FIREWALL, data: { action: 'deny', rule: 'r', reason: 'x' } }));
    await sink.close(5_000);
    const failed = lines.find((l) => l.event === 'webhook-failed');
    expect(failed).toMatchObject({ endpoint: 'http://127.0.0.1:9' });
    expect(JSON.stringify(lines)).not.toMatch(/pa55word|querysecret|user:/);
    expect(count(metrics, 'block', 'failed')).toBe(1);
    lines.length = 0;
  });

  it('posts signed JSON that the receiver verifies, and that fails with another secret or an old timestamp', async () => {
    const metrics = new Metrics();
    sink = new Webhook({ url: hook.url, secret: SECRET, metrics, log });
    const delivery = sink.send(releaseEvent({ id: 3, name: 'a', version: '1.0.0', by: 'ops', reason: 'checked', at: new Date() }, 'cli'));
    expect(await delivery).toEqual({ result: 'delivered' });
    expect(hook.events[0]).toMatchObject({ type: 'release', verified: true, schemaErrors: [], name: 'a', record: 'release:3', actor: { name: 'ops', via: 'cli' } });
    const body = Buffer.from('{"id":"x"}');
    const ts = String(Math.floor(Date.now() / 1000));
    expect(verify(SECRET, { 'x-sscs-timestamp': ts, 'x-sscs-signature': signWebhook(SECRET, ts, body.toString()) }, body)).toBe(true);
    expect(verify(SECRET, { 'x-sscs-timestamp': ts, 'x-sscs-signature': signWebhook('other', ts, body.toString()) }, body)).toBe(false);
    const old = String(Number(ts) - 3600);
    expect(verify(SECRET, { 'x-sscs-timestamp': old, 'x-sscs-signature': signWebhook(SECRET, old, body.toString()) }, body)).toBe(false);
    expect(verify(SECRET, { 'x-sscs-timestamp': ts, 'x-sscs-signature': signWebhook(SECRET, ts, body.toString()) }, Buffer.from('{"id":"y"}'))).toBe(false);
  });

  it('retries a 5xx and a hung endpoint with backoff, under one delivery id', async () => {
    const metrics = new Metrics();
    sink = new Webhook({ url: hook.url, secret: SECRET, metrics, log, ...fast, attemptTimeoutMs: HANG_MS });
    hook.script = [503, 'hang', 500];
    // The sender's own verdict, not the receiver's first event: an answer that comes after the attempt's timeout on
    // a loaded machine is retried, and only the promise says when the sender is done.
    const outcome = await sink.send(firewallEvent({ type: 'waiver', name: 'b', version: '2.0.0', record: 'waiver:1', actor: { kind: 'operator', via: 'cli', name: 'ops' }, data: { owner: 'ops', reason: 'r' } }));
    expect(outcome).toEqual({ result: 'delivered' });
    // Three refused or hung attempts, then the one answered; a slow answer may cost another attempt, never fewer,
    // and every attempt carries the one delivery id.
    expect(hook.events.length).toBeGreaterThanOrEqual(1);
    expect(hook.attempts).toBeGreaterThanOrEqual(4);
    expect(new Set(hook.seen.map((a) => a.delivery))).toEqual(new Set([hook.events[0]!.delivery]));
    expect(hook.events[0]!.verified).toBe(true);
    expect(count(metrics, 'waiver', 'delivered')).toBe(1);
  });

  it('gives up after the bound, and does not retry a 4xx', async () => {
    const metrics = new Metrics();
    sink = new Webhook({ url: hook.url, secret: SECRET, metrics, log, ...fast, maxAttempts: 3 });
    hook.script = [500, 500, 500, 400];
    const c = sink.send(block('c'));
    const d = sink.send(block('d'));
    // The promise says how each delivery ended (the CLI waits on it), with the reason and no URL.
    expect(await c).toEqual({ result: 'failed', reason: 'HTTP 500 (3 attempts)' });
    expect(await d).toEqual({ result: 'failed', reason: 'HTTP 400 (1 attempt)' });
    await sink.close();
    expect(hook.attempts).toBe(4);
    expect(count(metrics, 'block', 'failed')).toBe(2);
    expect(lines.filter((l) => l.event === 'webhook-failed').map((l) => l.reason)).toEqual(['HTTP 500', 'HTTP 400']);
    expect(JSON.stringify(lines)).not.toContain('in-the-url');
  });

  it('never waits for a dead endpoint: a full queue drops and counts', async () => {
    const metrics = new Metrics();
    hook.script = Array(50).fill('hang');
    sink = new Webhook({ url: hook.url, secret: SECRET, metrics, log, maxQueue: 5, attemptTimeoutMs: 60_000 });
    const outcomes = Array.from({ length: 20 }, (_, i) => sink!.send(firewallEvent({ type: 'quarantine', name: 'q', version: `1.0.${i}`, actor: FIREWALL, data: { action: 'quarantine', rule: 'r', reason: 'x' } })));
    // One is being delivered (hung), five wait, the rest are dropped at once.
    expect(sink.queued).toBe(5);
    expect(count(metrics, 'quarantine', 'dropped')).toBe(14);
    await sink.close(50);
    expect(count(metrics, 'quarantine', 'dropped')).toBe(20);
    expect((await Promise.all(outcomes)).map((o) => o.result)).toEqual(Array(20).fill('dropped'));
  });
});

describe('firewall webhooks', () => {
  let reg: NpmRegistry;
  let hook: WebhookReceiver;
  let fw: FirewallProcess;
  const ADMIN = 'admin-token-webhooks-0123456789abcdef';
  beforeAll(async () => {
    reg = await startNpmRegistry();
    await reg.publish({ name: 'denied-pkg', version: '1.0.0' });
    await reg.publish({ name: 'young-pkg', version: '1.0.0' });
    await reg.publish({ name: 'plain-pkg', version: '1.0.0' });
    for (let i = 0; i < 20; i++) await reg.publish({ name: 'flood-pkg', version: `1.0.${i}` });
    hook = await startWebhookReceiver(SECRET);
    const dir = await mkdtemp(join(tmpdir(), 'sscs-hooks-'));
    const policy = join(dir, 'p.yml');
    await writeFile(policy, 'version: 1\nrules:\n  - id: no-denied\n    match: denied-pkg\n    action: deny\n  - id: hold-young\n    match: young-pkg\n    action: quarantine\n  - id: no-flood\n    match: flood-pkg\n    action: deny\n');
    fw = await startFirewallProcess({ policy, upstream: reg.url, args: ['--webhook-url', hook.url], env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN, SSCS_FIREWALL_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await fw?.stop();
    await reg?.close();
    await hook?.close();
  });

  const admin = (path: string, body: object) => fetch(`${fw.url}/-/sscs/admin${path}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });

  it('sends block and quarantine once per version, then release and waiver, all signed', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${fw.url}/denied-pkg/-/denied-pkg-1.0.0.tgz`)).status).toBe(403);
    expect((await fetch(`${fw.url}/young-pkg/-/young-pkg-1.0.0.tgz`)).status).toBe(403);
    expect((await admin('/quarantine/release', { name: 'young-pkg', version: '1.0.0', reason: 'reviewed', by: 'sec-team' })).status).toBe(200);
    expect((await admin('/waivers', { name: 'denied-pkg', version: '1.0.0', reason: 'vendored fix', by: 'sec-team', expires: '2099-01-01' })).status).toBe(200);
    // One delivery at a time, in the order sent: once the waiver (sent last) is in, every event sent before it is
    // too, a second block or quarantine event included, so the list below is complete without waiting longer.
    await hook.waitFor((e) => e.some((x) => x.type === 'waiver'));
    expect(hook.events.map((e) => [e.type, e.name])).toEqual([['block', 'denied-pkg'], ['quarantine', 'young-pkg'], ['release', 'young-pkg'], ['waiver', 'denied-pkg']]);
    expect(hook.events.every((e) => e.verified && e.schemaErrors.length === 0)).toBe(true);
    expect(hook.events[0]).toMatchObject({ ecosystem: 'npm', purl: 'pkg:npm/denied-pkg@1.0.0', actor: { kind: 'firewall', via: 'proxy' }, data: { rule: 'no-denied', action: 'deny' } });
    expect(hook.events[2]).toMatchObject({ record: expect.stringMatching(/^release:\d+$/), actor: { kind: 'operator', via: 'admin-api', name: 'sec-team', client: '127.0.0.1' }, data: { reason: 'reviewed' } });
    expect(hook.events[3]).toMatchObject({ record: expect.stringMatching(/^waiver:\d+$/), actor: { via: 'admin-api', name: 'sec-team' }, data: { owner: 'sec-team', reason: 'vendored fix', expires: expect.stringMatching(/^2099-01-0[12]T/) } });
    expect(hook.events.every((e) => e.id === e.delivery)).toBe(true);
  });

  it('refuses a webhook URL with a user name or password, without echoing it', async () => {
    const r = await runCli(['firewall', 'serve', '--policy', 'p.yml', '--webhook-url', 'http://hookuser:hookpassW0rd@127.0.0.1:9/x'], { env: { SSCS_FIREWALL_WEBHOOK_SECRET: SECRET } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--webhook-url must not hold a user name or password');
    expect(r.stdout + r.stderr).not.toContain('hookpassW0rd');
  });

  it('refuses a webhook URL without a signing secret', async () => {
    const r = await runCli(['firewall', 'serve', '--policy', 'p.yml', '--webhook-url', 'http://127.0.0.1:9/x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--webhook-url needs a signing secret in SSCS_FIREWALL_WEBHOOK_SECRET');
  });

  it('keeps serving while the endpoint hangs: each refusal is queued, none waits for delivery', async () => {
    hook.script = Array(200).fill('hang');
    const attempts = hook.attempts;
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(i % 2 ? `${fw.url}/plain-pkg/-/plain-pkg-1.0.0.tgz` : `${fw.url}/flood-pkg/-/flood-pkg-1.0.${i / 2}.tgz`).then((r) => r.status)));
    expect(statuses.filter((s, i) => s !== (i % 2 ? 200 : 403))).toEqual([]);
    // Twenty distinct block events went to a hung endpoint: one delivery started (waited for, however slow the
    // machine), none finished. The next attempt could come only after the 5 s attempt timeout.
    await hook.until(() => hook.attempts > attempts);
    expect(hook.attempts).toBe(attempts + 1);
    expect(hook.events.filter((e) => e.name === 'flood-pkg')).toEqual([]);
    expect(fw.logs()).not.toContain(SECRET);
  });
});
