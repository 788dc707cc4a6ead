/**
 * The admin page waives and releases PyPI packages as the CLI names them (`pkg:pypi/<name>`, PEP 440 versions):
 * the waiver lands on the key the firewall's PyPI pages decide by, and the denied file is served after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { ADMIN_TOKEN, UI, httpLogin } from './admin-ui-support.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const POLICY = 'version: 1\nrules:\n  - id: deny-vers\n    match: "pkg:pypi/vers@>=2.0"\n    action: deny\n    reason: bad releases\n';

let index: PypiIndex;
let fw: FirewallProcess;
beforeAll(async () => {
  index = await startPypiIndex();
  const old = new Date(Date.now() - 90 * 86_400_000);
  for (const version of ['2.0', '2.1']) index.publish({ name: 'vers', version, kinds: ['wheel'], uploadedAt: old });
  fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', env: { SSCS_FIREWALL_ADMIN_TOKEN: ADMIN_TOKEN }, args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl] });
});
afterAll(async () => {
  await fw?.stop();
  await index?.close();
});

describe('admin page: PyPI waivers', () => {
  it('adds a waiver for pkg:pypi/<name> with a PEP 440 version, and the denied file is served', async () => {
    const ui = `${fw.url}${UI}`;
    const session = await httpLogin(ui);
    const file = (v: string) => fetch(`${fw.url}/files/vers/vers-${v}-py3-none-any.whl`);
    expect((await file('2.0')).status).toBe(403);
    const post = (fields: Record<string, string>) =>
      fetch(`${ui}waivers`, { method: 'POST', redirect: 'manual', headers: { origin: new URL(ui).origin, 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie }, body: new URLSearchParams({ owner: 'team-py', reason: 'reviewed', expires: '2099-01-31', csrf: session.csrf, ...fields }) });
    const overview = async () => await (await fetch(ui, { headers: { cookie: session.cookie } })).text();
    expect((await post({ name: 'pkg:pypi/Vers', version: '==2.0' })).status).toBe(303);
    expect(await overview()).toMatch(/Waiver \d+ added for pkg:pypi\/vers@==2\.0, owned by team-py/);
    const served = await file('2.0');
    expect(served.status).toBe(200);
    expect(served.headers.get('x-sscs-decision')).toMatch(/^allow; rule=waiver:\d+$/);
    await served.arrayBuffer();
    // The specifier is read as PEP 440: ==2.0 does not cover 2.1.
    expect((await file('2.1')).status).toBe(403);
    await post({ name: 'pkg:pypi/vers', version: '>=2.1,<3' });
    expect(await overview()).toMatch(/Waiver \d+ added for pkg:pypi\/vers@(?:>|&gt;)=2\.1,&lt;3/);
    expect((await file('2.1')).status).toBe(200);
    await post({ name: 'pkg:pypi/not a name', version: '1.0' });
    expect(await overview()).toContain('A waiver needs a valid package name');
    await post({ name: 'pkg:pypi/vers', version: '^2.0' });
    expect(await overview()).toContain('is not a version or a PEP 440 version specifier');
  });
});
