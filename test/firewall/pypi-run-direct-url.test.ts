/**
 * A direct reference on pip's command line behind `sscs firewall run`: pip downloads `https://host/x.whl` (or
 * `'x @ https://...'`) itself, not from the index the firewall sets, so a release the policy denies used to be
 * installed with exit 0. A requirements file's wheel on disk is the lock's `file` package: the policy judges it
 * before pip runs. Debian's pip 23.0.1 in a venv, with no user or site config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { pipEnv, pipFreeze, pipOf, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const POLICY = 'version: 1\nrules:\n  - id: deny-bad-tiny\n    match: "pkg:pypi/tiny-lib@==1.0.0"\n    action: deny\n    reason: known bad release\n';
const WHEEL = 'tiny_lib-1.0.0-py3-none-any.whl';

let index: PypiIndex;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'tiny-lib', version: '1.0.0', uploadedAt: new Date(Date.now() - 90 * 86_400_000) });
});
afterAll(() => index?.close());

const wheelUrl = () => {
  const sha = index.file(WHEEL)!.sha256;
  return `${index.filesUrl}/packages/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha.slice(4)}/${WHEEL}`;
};

describe('firewall run: pip taking a release from outside the index', () => {
  it.each([
    ['a wheel URL', () => wheelUrl()],
    ['a PEP 508 direct reference', () => `tiny-lib @ ${wheelUrl()}`],
  ])('refuses %s before pip runs (exit 2), and pip installs nothing', async (_, spec) => {
    const home = await venv();
    const dir = await mkdtemp(join(tmpdir(), 'sscs-py-url-'));
    await writeFile(join(dir, 'policy.yml'), POLICY);
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--', pipOf(home), 'install', spec()], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.stderr).toContain('<command line>: the command line names a package by URL (a direct reference): the install would fetch from it around the firewall');
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });

  it('refuses a requirements file naming a wheel on disk whose release the policy denies, before pip runs (exit 1)', async () => {
    // No URL, so no source the firewall could refuse: pip installs the file itself, and only the policy can stop it.
    const home = await venv();
    const dir = await mkdtemp(join(tmpdir(), 'sscs-py-file-'));
    await writeFile(join(dir, 'policy.yml'), POLICY);
    await writeFile(join(dir, WHEEL), index.file(WHEEL)!.bytes);
    await writeFile(join(dir, 'requirements.txt'), `./${WHEEL}\n`);
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--', pipOf(home), 'install', '-r', 'requirements.txt'], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.stderr).toContain(`pkg:pypi/tiny-lib@1.0.0: a file dependency from ./${WHEEL} (requirements.txt): deny by deny-bad-tiny: known bad release`);
    expect(r.stderr).toContain("sscs firewall: not running");
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });
});
