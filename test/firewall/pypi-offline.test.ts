/**
 * A firewall restarted while the PyPI index is down serves the Python files it had served, from their stored
 * decisions (hash, name, version, decision, credential, inputs), and nothing it never decided: real pip installs
 * again through it, a project it never served, a file it never served, another credential and another policy get
 * the fail-closed 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipFreeze, pipInstall, venv } from '../support/pip-clients.ts';
import { SIMPLE_JSON, startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const ALLOW_ALL = 'version: 1\nrules: []\n';
const WHEEL = 'off_lib-1.0.0-py3-none-any.whl';

let index: PypiIndex;
let fw: FirewallProcess;
let dataDir: string;
const args = () => ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--packument-ttl', '0'];
const restart = async (policy = ALLOW_ALL): Promise<void> => {
  await fw.stop();
  await rm(join(dataDir, 'port.json'), { force: true });
  fw = await startFirewallProcess({ policy: await writePolicy(policy), upstream: 'http://127.0.0.1:9/', dataDir, args: args() });
};

beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'off-lib', version: '1.0.0', uploadedAt: OLD, requiresPython: '>=3.8' });
  index.publish({ name: 'off-other', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD });
  fw = await startFirewallProcess({ policy: await writePolicy(ALLOW_ALL), upstream: 'http://127.0.0.1:9/', args: args() });
  dataDir = fw.dataDir;
}, 60_000);
afterAll(async () => {
  await fw?.stop();
  await index?.close();
});

describe('firewall: PyPI files offline', () => {
  it('serves again, after a restart with the index down, the files pip installed through it', async () => {
    const first = await venv();
    const online = await pipInstall(first, `${fw.url}/simple/`, ['off-lib']);
    expect(online.exitCode, online.output).toBe(0);
    // The other project's page is fetched (so known online), but none of its files is ever served.
    expect((await fetch(`${fw.url}/simple/off-other/`)).status).toBe(200);
    await index.stop();
    await restart();
    const home = await venv();
    const offline = await pipInstall(home, `${fw.url}/simple/`, ['off-lib']);
    expect(offline.exitCode, offline.output).toBe(0);
    expect((await pipFreeze(home))['off-lib']).toBe('1.0.0');
    // The page lists the served wheel alone, with its sha256 and requires-python, and no metadata to fetch.
    const page = (await (await fetch(`${fw.url}/simple/off-lib/`, { headers: { accept: SIMPLE_JSON } })).json()) as { files: Record<string, unknown>[] };
    expect(page.files).toEqual([expect.objectContaining({ filename: WHEEL, hashes: { sha256: index.file(WHEEL)!.sha256 }, 'requires-python': '>=3.8', 'core-metadata': false })]);
    expect(fw.logs()).toContain('"cache":"offline"');
  }, 300_000);

  it('refuses what it never served: another project, another file of the project, another credential', async () => {
    const home = await venv();
    const other = await pipInstall(home, `${fw.url}/simple/`, ['off-other']);
    expect(other.exitCode).not.toBe(0);
    expect((await fetch(`${fw.url}/simple/off-other/`)).status).toBe(503);
    const sdist = await fetch(`${fw.url}/files/off-lib/off_lib-1.0.0.tar.gz`);
    expect(sdist.status).toBe(503);
    expect(((await sdist.json()) as { error: string }).error).toContain('upstream index unavailable');
    const other2 = await fetch(`${fw.url}/files/off-other/off_other-1.0.0-py3-none-any.whl`);
    expect(other2.status).toBe(503);
    const auth = { authorization: 'Bearer someone-else' };
    expect((await fetch(`${fw.url}/simple/off-lib/`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${fw.url}/files/off-lib/${WHEEL}`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${fw.url}/files/off-lib/${WHEEL}`)).status).toBe(200);
  }, 300_000);

  it('refuses under another policy, even one that would allow it: the file was not decided under it', async () => {
    await restart('version: 1\nrules:\n  - id: other\n    match: "pkg:pypi/nothing-here"\n    action: deny\n    reason: another policy\n');
    expect((await fetch(`${fw.url}/simple/off-lib/`)).status).toBe(503);
    expect((await fetch(`${fw.url}/files/off-lib/${WHEEL}`)).status).toBe(503);
  }, 60_000);

  it('serves nothing offline with --offline-cached refuse, and again once it is back to serve', async () => {
    await fw.stop();
    await rm(join(dataDir, 'port.json'), { force: true });
    fw = await startFirewallProcess({ policy: await writePolicy(ALLOW_ALL), upstream: 'http://127.0.0.1:9/', dataDir, args: [...args(), '--offline-cached', 'refuse'] });
    expect((await fetch(`${fw.url}/simple/off-lib/`)).status).toBe(503);
    expect((await fetch(`${fw.url}/files/off-lib/${WHEEL}`)).status).toBe(503);
    await restart();
    expect((await fetch(`${fw.url}/files/off-lib/${WHEEL}`)).status).toBe(200);
  }, 60_000);
});
