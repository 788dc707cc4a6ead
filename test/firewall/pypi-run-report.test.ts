/**
 * What `sscs firewall run` reports for PyPI packages: the project's Python lock read against the firewall's own
 * upstream, and versions keyed and printed in their PEP 440 normal form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const POLICY = 'version: 1\nrules:\n  - id: deny-bad-tiny\n    match: "pkg:pypi/tiny-lib@==1.0.0"\n    action: deny\n    reason: known bad release\n';

let index: PypiIndex;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'tiny-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD });
  index.publish({ name: 'tiny-lib', version: '1.1.0', kinds: ['wheel'], uploadedAt: OLD });
});
afterAll(() => index?.close());

const pypiArgs = () => ['--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl];

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-py-report-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('sscs firewall run: the report of a Python project', () => {
  it('checks up front the packages a requirements file takes from the firewall\'s own upstream (--index-url)', async () => {
    // The index the project names is the one the firewall proxies (no trailing slash, as people write it): its
    // packages are the firewall's to serve, not url packages from elsewhere. The install here takes nothing from
    // the network (as one served from a client cache would), so only the up-front check can see the denied pin.
    const dir = await project({ 'requirements.txt': `--index-url ${index.simpleUrl.replace(/\/$/, '')}\ntiny-lib==1.0.0\n` });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--output', 'report.json', '--', '/bin/true'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/pkg:pypi\/tiny-lib@1\.0\.0: deny by deny-bad-tiny: known bad release.* \(locked\)\./);
    expect(r.stderr).toContain("the firewall refused pkg:pypi/tiny-lib@1.0.0, yet '/bin/true' succeeded");
  });
});
