/**
 * What the PyPI side answers when it serves no page: every file refused (403 with the rules, as npm's all-refused
 * packument), an Accept header that takes none of the forms (406, as warehouse), an index that redirects (502
 * saying what to configure).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMPLE_JSON, startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const POLICY = 'version: 1\nrules:\n  - id: deny-all-bad\n    match: "pkg:pypi/all-bad"\n    action: deny\n    reason: every release is bad\n';

let index: PypiIndex;
let fw: FirewallProcess;
let mover: Server;
let moved: FirewallProcess;
beforeAll(async () => {
  index = await startPypiIndex();
  const old = new Date(Date.now() - 90 * 86_400_000);
  for (const version of ['1.0', '2.0']) index.publish({ name: 'all-bad', version, uploadedAt: old });
  index.publish({ name: 'fine', version: '1.0', kinds: ['wheel'], uploadedAt: old });
  fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl] });
  mover = createServer((_req, res) => {
    res.writeHead(302, { location: 'https://mirror.example/pypi/simple/fine/' });
    res.end();
  });
  await new Promise<void>((r) => mover.listen(0, '127.0.0.1', () => r()));
  moved = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', `http://127.0.0.1:${(mover.address() as AddressInfo).port}/simple/`] });
});
afterAll(async () => {
  await fw?.stop();
  await moved?.stop();
  mover?.close();
  await index?.close();
});

describe('firewall: PyPI answers without a page', () => {
  it('answers 403 naming the rule when every file of a project is refused', async () => {
    const r = await fetch(`${fw.url}/simple/all-bad/`);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-sscs-decision')).toBe('deny; rule=deny-all-bad');
    const { error } = (await r.json()) as { error: string };
    expect(error).toContain('no file of all-bad is allowed. pkg:pypi/all-bad@2.0 is denied by rule deny-all-bad: every release is bad');
  });

  it('answers 406 to an Accept header that takes none of the forms; a q that is not a qvalue does not count', async () => {
    const get = (accept: string) => fetch(`${fw.url}/simple/fine/`, { headers: { accept } });
    expect((await get('image/png')).status).toBe(406);
    expect((await get('text/html;q=abc')).status).toBe(406);
    const json = await get('text/html;q=abc, application/vnd.pypi.simple.v1+json;q=0.5');
    expect([json.status, json.headers.get('content-type')]).toEqual([200, SIMPLE_JSON]);
    expect((await get('*/*')).headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('says what to configure when the index redirects', async () => {
    const r = await fetch(`${moved.url}/simple/fine/`);
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: string }).error).toContain('upstream index answered 302 (a redirect to https://mirror.example/pypi/simple/fine/); the firewall does not follow redirects: set --pypi-upstream');
  });
});
