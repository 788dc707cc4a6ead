/**
 * The firewall in front of a PyPI-like index (two real servers: index and file host), with Debian's pip 23.0.1
 * as the client: project pages filtered by the policy in the form asked for, refused files answered 403 with
 * the rule, every file checked against the index's sha256 while it streams, file URLs pointing at the firewall.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { pipFreeze, pipInstall, venv } from '../support/pip-clients.ts';
import { SIMPLE_JSON, startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const DAY = 86_400_000;
const POLICY = `version: 1
rules:
  - id: deny-bad-tiny
    match: "pkg:pypi/tiny-lib@==1.0.0"
    action: deny
    reason: known bad release
  - id: too-new
    when: { published_within: 7d }
    action: quarantine
  - id: no-build-scripts
    match: "pkg:pypi/sdist-*"
    when: { install_scripts: true }
    action: deny
`;

let index: PypiIndex;
let fw: FirewallProcess;
beforeAll(async () => {
  index = await startPypiIndex();
  const old = new Date(Date.now() - 90 * DAY);
  index.publish({ name: 'tiny-lib', version: '1.0.0', uploadedAt: old });
  index.publish({ name: 'tiny-lib', version: '1.1.0', uploadedAt: old });
  index.publish({ name: 'tiny-lib', version: '1.2.0', uploadedAt: new Date(Date.now() - DAY) });
  index.publish({ name: 'tampered', version: '1.0.0', kinds: ['wheel'], uploadedAt: old, files: { 'tampered/__init__.py': `PAYLOAD = ${JSON.stringify('x'.repeat(300_000))}\n` } });
  index.publish({ name: 'sdist-only', version: '1.0.0', kinds: ['sdist'], uploadedAt: old });
  index.publish({ name: 'local-ver', version: '1.0.0+cpu', kinds: ['wheel'], uploadedAt: old });
  index.tamper('tampered-1.0.0-py3-none-any.whl');
  fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl] });
});
afterAll(async () => {
  await fw?.stop();
  await index?.close();
});

const get = (path: string, accept?: string) => fetch(`${fw.url}${path}`, { headers: accept ? { accept } : {}, redirect: 'manual' });

describe('firewall: PyPI simple index', () => {
  it('serves a project page without refused files, in JSON or HTML as Accept asks, file URLs on the firewall', async () => {
    const json = await get('/simple/tiny-lib/', 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01');
    expect(json.headers.get('content-type')).toBe(SIMPLE_JSON);
    expect(json.headers.get('vary')).toBe('Accept');
    const doc = (await json.json()) as { name: string; versions: string[]; files: { filename: string; url: string; hashes: { sha256: string } }[] };
    expect(doc.versions).toEqual(['1.1.0']);
    expect(doc.files.map((f) => f.filename)).toEqual(['tiny_lib-1.1.0-py3-none-any.whl', 'tiny_lib-1.1.0.tar.gz']);
    expect(doc.files[0]!.url).toBe(`${fw.url}/files/tiny-lib/tiny_lib-1.1.0-py3-none-any.whl`);
    expect(doc.files[0]!.hashes.sha256).toBe(index.file('tiny_lib-1.1.0-py3-none-any.whl')!.sha256);
    const html = await get('/simple/tiny-lib/');
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await html.text();
    const wheel = index.file('tiny_lib-1.1.0-py3-none-any.whl')!;
    const meta = createHash('sha256').update(wheel.metadata).digest('hex');
    expect(text).toContain(`<a href="${fw.url}/files/tiny-lib/tiny_lib-1.1.0-py3-none-any.whl#sha256=${wheel.sha256}" data-dist-info-metadata="sha256=${meta}" data-core-metadata="sha256=${meta}">`);
    expect(text).not.toContain('1.0.0');
    expect(text).not.toContain('1.2.0');
  });

  it('serves a file whose version has a local label (+) under the name pip asks for', async () => {
    const page = (await (await get('/simple/local-ver/', SIMPLE_JSON)).json()) as { files: { url: string }[] };
    expect(page.files.map((f) => f.url)).toEqual([`${fw.url}/files/local-ver/local_ver-1.0.0+cpu-py3-none-any.whl`]);
    const r = await get('/files/local-ver/local_ver-1.0.0+cpu-py3-none-any.whl');
    expect(r.status).toBe(200);
    expect(Buffer.from(await r.arrayBuffer()).equals(index.file('local_ver-1.0.0+cpu-py3-none-any.whl')!.bytes)).toBe(true);
  });

  it('redirects a name that is not normalised, as warehouse does', async () => {
    const r = await get('/simple/Tiny_Lib/');
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe('/simple/tiny-lib/');
    expect((await get('/simple/tiny-lib')).headers.get('location')).toBe('/simple/tiny-lib/');
    expect((await get('/simple/..%2fetc/')).status).toBe(400);
  });

  it('answers 403 naming the rule and the way out for a refused file', async () => {
    const r = await get('/files/tiny-lib/tiny_lib-1.0.0-py3-none-any.whl');
    expect(r.status).toBe(403);
    expect(r.headers.get('x-sscs-decision')).toBe('deny; rule=deny-bad-tiny');
    const body = (await r.json()) as { error: string };
    expect(body.error).toContain('pkg:pypi/tiny-lib@1.0.0 is denied by rule deny-bad-tiny: known bad release');
    expect(body.error).toContain('sscs firewall waive pkg:pypi/tiny-lib@1.0.0');
    const q = await get('/files/tiny-lib/tiny_lib-1.2.0.tar.gz');
    expect(q.status).toBe(403);
    expect(q.headers.get('x-sscs-decision')).toBe('quarantine; rule=too-new');
    // An sdist runs code at install: refused by its own rule, though the release is old.
    expect((await get('/files/sdist-only/sdist_only-1.0.0.tar.gz')).headers.get('x-sscs-decision')).toBe('deny; rule=no-build-scripts');
    expect((await get('/files/tiny-lib/tiny_lib-9.9.9.tar.gz')).status).toBe(404);
  });

  it('never serves a tampered file whole: the connection is cut before the last bytes', async () => {
    const expected = index.file('tampered-1.0.0-py3-none-any.whl')!;
    const got = await new Promise<{ status: number; bytes: number; complete: boolean }>((resolve) => {
      const req = request(`${fw.url}/files/tampered/tampered-1.0.0-py3-none-any.whl`, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode!, bytes, complete: res.complete }));
        res.on('error', () => resolve({ status: res.statusCode!, bytes, complete: false }));
        res.on('aborted', () => resolve({ status: res.statusCode!, bytes, complete: false }));
      });
      req.on('error', () => resolve({ status: 0, bytes: 0, complete: false }));
      req.end();
    });
    expect(got.complete).toBe(false);
    expect(got.bytes).toBeLessThan(expected.bytes.length);
    let metrics = '';
    for (let i = 0; i < 50 && !/integrity_failures_total\S* 1/.test(metrics); i++) metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/sscs_firewall_integrity_failures_total\S* 1/);
    // And it is not cached: the next request is cut too (before its headers when the file is one chunk).
    await expect(get('/files/tampered/tampered-1.0.0-py3-none-any.whl').then((r) => r.arrayBuffer())).rejects.toThrow();
  });

  it('pip installs through it: a pinned denied version fails, an unpinned install takes the newest allowed', async () => {
    const home = await venv();
    const pinned = await pipInstall(home, `${fw.url}/simple/`, ['tiny-lib==1.0.0']);
    expect(pinned.exitCode).toBe(1);
    expect(pinned.output).toMatch(/No matching distribution found for tiny-lib==1\.0\.0/);
    const unpinned = await pipInstall(home, `${fw.url}/simple/`, ['tiny-lib']);
    expect(unpinned.exitCode, unpinned.output).toBe(0);
    expect((await pipFreeze(home))['tiny-lib']).toBe('1.1.0');
    expect(index.requests.filter((r) => r.host === 'files' && r.path.endsWith('tiny_lib-1.1.0-py3-none-any.whl')).length).toBe(1);
    expect(unpinned.output).not.toMatch(/pypi\.org/);
  });
});
