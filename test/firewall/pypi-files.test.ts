/**
 * Where the firewall finds PyPI files: a local version label (`+cpu`) in a file name, and files on the index's own
 * host beside /simple/ (Nexus, Artifactory, devpi), allowed only under a --pypi-files prefix. Real pip 23.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipFreeze, pipInstall, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const POLICY = 'version: 1\nrules: []\n';

describe('firewall: PyPI file locations', () => {
  let index: PypiIndex;
  let fw: FirewallProcess;
  beforeAll(async () => {
    index = await startPypiIndex();
    index.publish({ name: 'loc', version: '1.0+cpu', kinds: ['wheel'], uploadedAt: OLD });
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl] });
  }, 60_000);
  afterAll(async () => {
    await fw?.stop();
    await index?.close();
  });

  it('serves a file whose version has a local label, as pip asks for it', async () => {
    const home = await venv();
    const r = await pipInstall(home, `${fw.url}/simple/`, ['loc==1.0+cpu']);
    expect(r.exitCode, r.output).toBe(0);
    expect((await pipFreeze(home))['loc']).toBe('1.0+cpu');
    expect((await fetch(`${fw.url}/files/loc/loc-1.0%2Bcpu-py3-none-any.whl`)).status).toBe(200);
    expect((await fetch(`${fw.url}/files/loc/loc-1.0%2Fcpu-py3-none-any.whl`)).status).toBe(400);
  });
});

describe('firewall: PyPI files on the index host outside /simple/', () => {
  let index: PypiIndex;
  const fws: FirewallProcess[] = [];
  beforeAll(async () => {
    index = await startPypiIndex({ filesOnIndex: '/repository/pypi/' });
    index.publish({ name: 'nexus-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD });
  }, 60_000);
  afterAll(async () => {
    for (const f of fws) await f.stop();
    await index?.close();
  });
  const start = async (files: string[]) => {
    const fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, ...files.flatMap((f) => ['--pypi-files', f])] });
    fws.push(fw);
    return fw;
  };

  it('refuses them without a --pypi-files prefix, and one for another path on that host does not help', async () => {
    for (const files of [[], [`${index.url}/repository/other/`]]) {
      const fw = await start(files);
      const r = await fetch(`${fw.url}/files/nexus-lib/nexus_lib-1.0.0-py3-none-any.whl`);
      expect(r.status).toBe(403);
      expect(r.headers.get('x-sscs-decision')).toBe('deny; rule=firewall:file-off-upstream');
    }
  });

  it('fetches them under a --pypi-files prefix on the index origin; pip installs', async () => {
    const fw = await start([`${index.url}/repository/pypi/`]);
    const home = await venv();
    const r = await pipInstall(home, `${fw.url}/simple/`, ['nexus-lib']);
    expect(r.exitCode, r.output).toBe(0);
    expect((await pipFreeze(home))['nexus-lib']).toBe('1.0.0');
    expect(index.requests.some((q) => q.host === 'index' && q.path.startsWith('/repository/pypi/packages/') && q.status === 200)).toBe(true);
  });
});
