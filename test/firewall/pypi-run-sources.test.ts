/**
 * `sscs firewall run -- pip ...` leaves pip no source but the firewall: pip config files (the user's
 * ~/.config/pip/pip.conf, the job's PIP_CONFIG_FILE) are not read, and requirements files or command lines that
 * add a source are refused with exit 2 naming the file and line. Debian's pip 23.0.1 in a venv; HOME is a temp
 * folder holding a hostile pip.conf like the one on this machine (find-links and extra-index-url).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { pipEnv, pipFreeze, pipOf, PIPENV, venv } from '../support/pip-clients.ts';
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
  const dir = await mkdtemp(join(tmpdir(), 'sscs-py-src-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** A venv whose HOME has a pip.conf naming a wheel folder holding the denied version and the raw index. */
async function hostileHome(): Promise<{ home: string; env: Record<string, string> }> {
  const home = await venv();
  const wheels = join(home, 'wheels');
  await mkdir(wheels);
  const denied = index.file('tiny_lib-1.0.0-py3-none-any.whl')!;
  await writeFile(join(wheels, 'tiny_lib-1.0.0-py3-none-any.whl'), denied.bytes);
  await mkdir(join(home, '.config', 'pip'), { recursive: true });
  const conf = `[global]\nextra-index-url = ${index.simpleUrl}\nfind-links = ${wheels}\n`;
  await writeFile(join(home, '.config', 'pip', 'pip.conf'), conf);
  await writeFile(join(home, 'job-pip.conf'), conf);
  const env = pipEnv(home, { XDG_CONFIG_HOME: join(home, '.config') });
  delete env.PIP_CONFIG_FILE;
  return { home, env };
}

describe('sscs firewall run: no Python source beside the firewall', () => {
  it('pip does not read the user pip.conf: the denied version stays unavailable and the run fails', async () => {
    const { home, env } = await hostileHome();
    const dir = await project({});
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', 'tiny-lib==1.0.0'], { cwd: dir, env, timeoutMs: 180_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/No matching distribution found for tiny-lib==1\.0\.0/);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });

  it('nor the job\'s own PIP_CONFIG_FILE', async () => {
    const { home, env } = await hostileHome();
    const dir = await project({});
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', 'tiny-lib==1.0.0'], { cwd: dir, env: { ...env, PIP_CONFIG_FILE: join(home, 'job-pip.conf') }, timeoutMs: 180_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });

  it('refuses requirements files that add a source, naming file and line, before pip runs', async () => {
    const { home, env } = await hostileHome();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'requirements.txt': `# pinned\n--find-links ${home}/wheels\ntiny-lib==1.0.0\n` }, 'requirements.txt', /requirements\.txt:2: names a package source \(--find-links\)/],
      [{ 'requirements.txt': '-r more.txt\n', 'more.txt': `tiny-lib\n-i ${index.simpleUrl}\n` }, 'requirements.txt', /more\.txt:2: names a package source \(-i/],
      [{ 'requirements.txt': `tiny-lib \\\n  --extra-index-url=${index.simpleUrl}\n` }, 'requirements.txt', /requirements\.txt:1: names a package source \(--extra-index-url\)/],
      // pip's optparse takes any unambiguous prefix of a long option inside a requirements file too.
      [{ 'requirements.txt': `--find-link ${home}/wheels\ntiny-lib==1.0.0\n` }, 'requirements.txt', /requirements\.txt:1: names a package source \(--find-link: pip's --find-links\)/],
      [{ 'requirements.txt': '-r nested.txt\n', 'nested.txt': `--pypi-url=${index.simpleUrl}\n` }, 'requirements.txt', /nested\.txt:1: names a package source \(--pypi-url: pip's --index-url\)/],
      [{ 'requirements.txt': `tiny-lib @ ${index.filesUrl}/x/tiny_lib-1.0.0-py3-none-any.whl\n` }, 'requirements.txt', /requirements\.txt:1: names a package by URL/],
    ];
    for (const [files, req, message] of cases) {
      const dir = await project(files);
      const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', '-r', req], { cwd: dir, env, timeoutMs: 180_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('around the firewall');
    }
    const dir = await project({});
    const cli = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', pipOf(home), 'install', '-f', `${home}/wheels`, 'tiny-lib==1.0.0'], { cwd: dir, env, timeoutMs: 180_000 });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(/<command line>: the command line names a package source \(-f/);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });

  it('refuses a Pipfile source pipenv would not send to the firewall', async () => {
    const dir = await project({ Pipfile: `[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\nverify_ssl = true\n\n[[source]]\nurl = "${index.simpleUrl}"\nname = "raw"\nverify_ssl = false\n\n[packages]\ntiny-lib = "*"\n` });
    const home = await mkdtemp(join(tmpdir(), 'sscs-pipenv-home-'));
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', PIPENV, 'install'], { cwd: dir, env: pipEnv(home), timeoutMs: 60_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/Pipfile:6: \[\[source\]\] ".*" is not pypi\.org/);
  });
});
