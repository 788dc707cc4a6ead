/**
 * `sscs firewall run` in front of a PyPI-like index with Debian's real clients: pip 23.0.1 (in a venv), pipenv
 * 2022.12.19 and poetry 1.3.2. Each run's environment names nothing but the firewall: no user or site config,
 * no extra index, so nothing can reach pypi.org.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { runCli } from '../support/cli.js';
import { pipEnv, pipFreeze, pipOf, PIPENV, POETRY, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy } from './support.ts';

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
`;

let index: PypiIndex;
beforeAll(async () => {
  index = await startPypiIndex();
  const old = new Date(Date.now() - 90 * DAY);
  index.publish({ name: 'tiny-lib', version: '1.0.0', uploadedAt: old });
  index.publish({ name: 'tiny-lib', version: '1.1.0', uploadedAt: old, requiresDist: ['helper-lib>=1'] });
  index.publish({ name: 'tiny-lib', version: '1.2.0', uploadedAt: new Date(Date.now() - DAY) });
  index.publish({ name: 'helper-lib', version: '1.0.0', uploadedAt: old });
});
afterAll(() => index?.close());

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-py-run-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const pypiArgs = () => ['--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl];

describe('sscs firewall run with Python clients', () => {
  it('pip install -r requirements.txt --require-hashes with a denied pinned version exits 1 naming it and the rule', async () => {
    const home = await venv();
    const sha = (f: string) => index.file(f)!.sha256;
    const dir = await project({
      'requirements.txt': `tiny-lib==1.0.0 \\\n    --hash=sha256:${sha('tiny_lib-1.0.0-py3-none-any.whl')} \\\n    --hash=sha256:${sha('tiny_lib-1.0.0.tar.gz')}\n`,
    });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', '-r', 'requirements.txt', '--require-hashes'], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('pkg:pypi/tiny-lib@1.0.0: deny by deny-bad-tiny: known bad release');
    expect(r.stderr).toContain('add a waiver for pkg:pypi/tiny-lib version 1.0.0 to the policy file policy.yml');
    // requirements.txt is read as the project's lock: the refusal is known before pip asks, and named as locked.
    expect(r.stderr).toContain('failed: the firewall refused pkg:pypi/tiny-lib@1.0.0');
    expect(r.stdout + r.stderr).not.toMatch(/pypi\.org/);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });

  it('a quarantined newest version makes an unpinned pip install take the previous one, dependencies included', async () => {
    const home = await venv();
    const dir = await project({ 'requirements.txt': 'tiny-lib\n' });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', '-r', 'requirements.txt'], { cwd: dir, env: pipEnv(home), timeoutMs: 180_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(await pipFreeze(home)).toMatchObject({ 'tiny-lib': '1.1.0', 'helper-lib': '1.0.0' });
    expect(r.stderr).toContain('pkg:pypi/tiny-lib@1.2.0: quarantine by too-new');
  });

  it('pipenv install goes through the firewall (PIPENV_PYPI_MIRROR) and gets the newest allowed version', async () => {
    const home = await venv();
    const dir = await project({ Pipfile: '[[source]]\nurl = "https://pypi.org/simple"\nverify_ssl = true\nname = "pypi"\n\n[packages]\ntiny-lib = "*"\n\n[requires]\npython_version = "3.11"\n' });
    const env = pipEnv(home, { PIPENV_VENV_IN_PROJECT: '1', PIPENV_NOSPIN: '1', PIPENV_YES: '1', PIPENV_DONT_USE_PYENV: '1', PIPENV_PYTHON: '/usr/bin/python3', PIPENV_VERBOSITY: '-1', CI: '1' });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', PIPENV, 'install'], { cwd: dir, env, timeoutMs: 300_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const installed = await execa(join(dir, '.venv', 'bin', 'python'), ['-c', 'import tiny_lib; print(tiny_lib.VERSION)'], { env: { PATH: '/usr/bin:/bin' } });
    expect(installed.stdout).toBe('1.1.0');
    expect(index.requests.some((q) => q.path === '/simple/tiny-lib/')).toBe(true);
  });

  it('poetry install with the firewall as the default source takes the newest allowed version', async () => {
    const fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: pypiArgs().slice(2) });
    try {
      const dir = await project({
        'pyproject.toml': `[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\nauthors = ["sscs <sscs@example.com>"]\n\n[tool.poetry.dependencies]\npython = "^3.11"\ntiny-lib = "*"\n\n[[tool.poetry.source]]\nname = "sscs"\nurl = "${fw.url}/simple/"\ndefault = true\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n`,
      });
      const home = await mkdtemp(join(tmpdir(), 'sscs-poetry-home-'));
      const env = { ...pipEnv(home), POETRY_VIRTUALENVS_IN_PROJECT: 'true', POETRY_NO_INTERACTION: '1', POETRY_CACHE_DIR: join(home, 'poetry-cache'), POETRY_INSTALLER_PARALLEL: 'false' };
      const r = await execa(POETRY, ['install', '--no-root', '--no-ansi'], { cwd: dir, env, extendEnv: false, reject: false, all: true, timeout: 300_000 });
      expect(r.exitCode, String(r.all)).toBe(0);
      const installed = await execa(join(dir, '.venv', 'bin', 'python'), ['-c', 'import tiny_lib; print(tiny_lib.VERSION)'], { env: { PATH: '/usr/bin:/bin' } });
      expect(installed.stdout).toBe('1.1.0');
      expect(String(r.all)).not.toMatch(/pypi\.org/);
    } finally {
      await fw.stop();
    }
  });

  const POETRY_PROJECT = '[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\nauthors = ["sscs <sscs@example.com>"]\n\n[tool.poetry.dependencies]\npython = "^3.11"\ntiny-lib = "*"\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n';
  const poetryEnv = (home: string) => ({ ...pipEnv(home), POETRY_VIRTUALENVS_IN_PROJECT: 'true', POETRY_NO_INTERACTION: '1', POETRY_CACHE_DIR: join(home, 'poetry-cache') });

  // At 222d85a this ran poetry install with exit 0: poetry took pypi.org from pyproject.toml, around the firewall.
  it('poetry install (pypi.org by default in pyproject.toml) is refused before it runs, with a way that works', async () => {
    const dir = await project({ 'pyproject.toml': POETRY_PROJECT });
    const home = await mkdtemp(join(tmpdir(), 'sscs-poetry-home-'));
    const asked = index.requests.length;
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', POETRY, 'install', '--no-root'], { cwd: dir, env: poetryEnv(home), timeoutMs: 120_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`sscs: error: sscs firewall run: \`${POETRY} install --no-root\`: 'poetry install' resolves or downloads packages from the sources pyproject.toml names (pypi.org by default), around the firewall`);
    expect(r.stderr).toContain('poetry export -f requirements.txt --output requirements.txt');
    expect(r.stderr).not.toContain('running');
    expect(await execa('test', ['-e', join(dir, '.venv')], { reject: false }).then((t) => t.exitCode)).not.toBe(0);
    expect(index.requests.length).toBe(asked);
  });

  it('poetry run pip install -r requirements.txt installs through the firewall into poetry\'s venv', async () => {
    const dir = await project({ 'pyproject.toml': POETRY_PROJECT, 'requirements.txt': 'tiny-lib\n' });
    const home = await mkdtemp(join(tmpdir(), 'sscs-poetry-home-'));
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', POETRY, 'run', 'pip', 'install', '-r', 'requirements.txt'], { cwd: dir, env: poetryEnv(home), timeoutMs: 300_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const installed = await execa(join(dir, '.venv', 'bin', 'python'), ['-c', 'import tiny_lib; print(tiny_lib.VERSION)'], { env: { PATH: '/usr/bin:/bin' } });
    expect(installed.stdout).toBe('1.1.0');
    expect(r.stderr).toContain('pkg:pypi/tiny-lib@1.2.0: quarantine by too-new');
    expect(r.stdout + r.stderr).not.toMatch(/pypi\.org/);
  });
});
