/**
 * The reviewer's cases against pip's command line behind `sscs firewall run` (Debian pip 23.0.1 in a venv, the
 * denied wheel in ./wheels): a local wheel, a local project whose pyproject.toml names the wheel by direct
 * reference, an abbreviated `--find-link` and a `-qf` cluster. Before the fix pip installed the denied release
 * (exit 0, or exit 1 after installing); now each is refused with exit 2 before pip runs, naming the argument.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
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
  index.publish({ name: 'tiny-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: new Date(Date.now() - 90 * 86_400_000) });
});
afterAll(() => index?.close());

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-py-local-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  await mkdir(join(dir, 'wheels'));
  await writeFile(join(dir, 'wheels', WHEEL), index.file(WHEEL)!.bytes);
  await writeFile(join(dir, 'pyproject.toml'), `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["tiny-lib @ file://${join(dir, 'wheels', WHEEL)}"]\n`);
  return dir;
}

describe('firewall run: pip arguments that took the denied release around the firewall', () => {
  it.each([
    ['a local wheel', ['wheels/' + WHEEL], /<command line>: the command line names a local archive \("wheels\/tiny_lib-1\.0\.0-py3-none-any\.whl"\)/],
    ['a project folder with a direct reference', ['--no-build-isolation', '.'], /\.\/pyproject\.toml: names a package by direct reference \("tiny-lib @ file:\/\//],
    ['an abbreviated --find-links', ['--find-link', 'wheels', 'tiny-lib==1.0.0'], /names a package source \(--find-link: pip's --find-links\)/],
    ['an abbreviated --no-index', ['--no-ind', 'tiny-lib==1.0.0'], /turns pip's index off \(--no-ind: pip's --no-index\)/],
    ['--no-index beside the --find-links it lets pip use', ['--no-ind', '-f', 'wheels', 'tiny-lib==1.0.0'], /names a package source \(-f: pip's --find-links\)/],
    ['a short-option cluster', ['-qf', 'wheels', 'tiny-lib==1.0.0'], /names a package source \(-qf: pip's --find-links\)/],
    ['a cluster hiding a requirements file', ['-qrreq.txt'], /req\.txt:1: names a package source \(--find-links\)/],
  ])('refuses %s before pip runs (exit 2), and pip installs nothing', async (_, args, message) => {
    const home = await venv();
    const dir = await project();
    await writeFile(join(dir, 'req.txt'), '--find-links wheels\ntiny-lib==1.0.0\n');
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--', pipOf(home), 'install', ...args], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.stderr).toMatch(message);
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });
});
