/**
 * What `sscs firewall run` reports for PyPI packages: the project's Python lock read against the firewall's own
 * upstream, and versions keyed and printed in their PEP 440 normal form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { pipEnv, pipFreeze, pipOf, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const POLICY = 'version: 1\nrules:\n  - id: deny-bad-tiny\n    match: "pkg:pypi/tiny-lib@==1.0.0"\n    action: deny\n    reason: known bad release\n  - id: deny-vers\n    match: "pkg:pypi/vers@==2.0"\n    action: deny\n    reason: known bad release\n  - id: too-new\n    when: { published_within: 7d }\n    action: quarantine\n';

let index: PypiIndex;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'tiny-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD });
  index.publish({ name: 'tiny-lib', version: '1.1.0', kinds: ['wheel'], uploadedAt: OLD });
  // Releases whose file names spell the version otherwise than its PEP 440 normal form (old uploads do).
  index.publish({ name: 'vers', version: '2.0', kinds: ['wheel'], uploadedAt: OLD });
  index.publish({ name: 'zero-lib', version: '02.0', kinds: ['wheel'], uploadedAt: OLD });
  index.publish({ name: 'new-lib', version: '03.0', kinds: ['wheel'] });
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
    expect(r.stderr).toContain("the firewall refused pkg:pypi/tiny-lib@1.0.0, yet `/bin/true` succeeded");
  });

  it('keys and prints a denied PyPI version in its PEP 440 normal form, whatever the lock spells (02.0 is 2.0)', async () => {
    const home = await venv();
    const dir = await project({ 'requirements.txt': 'vers==02.0\n' });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--output', 'report.json', '--', pipOf(home), 'install', '-r', 'requirements.txt'], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/pkg:pypi\/vers@2\.0: deny by deny-vers: .* \(locked\)\./);
    expect(r.stderr).toContain('add a waiver for pkg:pypi/vers version 2.0 to the policy file policy.yml');
    expect(r.stderr).toContain('failed: the firewall refused pkg:pypi/vers@2.0');
    expect(r.stderr).not.toContain('02.0');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { packages: { name: string; version: string; purl: string }[] };
    expect(report.packages.map((p) => p.purl)).toEqual(['pkg:pypi/vers@2.0']);
  });

  it('reports a release the index spells 02.0 as the locked 2.0: one entry, decided up front', async () => {
    const home = await venv();
    const dir = await project({ 'requirements.txt': 'zero-lib==2.0\n' });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--output', 'report.json', '--', pipOf(home), 'install', '-r', 'requirements.txt'], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await pipFreeze(home)).toHaveProperty('zero-lib');
    expect(r.stderr).not.toContain('cannot decide locked');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { packages: { name: string; version: string; purl: string }[] };
    expect(report.packages.map((p) => p.purl)).toEqual(['pkg:pypi/zero-lib@2.0']);
  });

  it('the printed way out (normal form, 3.0) lets through the release the index spells 03.0', async () => {
    const home = await venv();
    const dir = await project({ 'requirements.txt': 'new-lib==3.0\n' });
    const run = () => runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', '-r', 'requirements.txt'], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    const first = await run();
    expect(first.exitCode, first.stdout + first.stderr).toBe(1);
    // firewall run takes waivers from the policy file only (its data folder is the install's to write).
    const m = /add a waiver for (\S+) version (\S+) to the policy file policy\.yml/.exec(first.stderr);
    expect(m?.slice(1)).toEqual(['pkg:pypi/new-lib', '3.0']);
    await writeFile(join(dir, 'policy.yml'), `${POLICY}waivers:\n  - package: ${m![1]}\n    version: "==${m![2]}"\n    reason: reviewed\n    owner: team\n    expires: "2099-01-01"\n`);
    const second = await run();
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(await pipFreeze(home)).toHaveProperty('new-lib');
  });
});
