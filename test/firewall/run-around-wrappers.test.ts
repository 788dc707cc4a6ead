/**
 * Review 5 F2, F3, F4, F6, F8: command lines that made real pip fetch from an index other than the firewall's.
 * OUTSIDE is a second local index holding the same release; every case must be refused (exit 2) before anything
 * runs, with OUTSIDE seeing no request. Debian's pip 23.0.1 in a venv, real npm, GNU xargs and util-linux flock.
 */
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { pipEnv, pipOf, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const POLICY = 'version: 1\nmode: enforce\ndefault_action: allow\nrules: []\n';

let index: PypiIndex;
let outside: PypiIndex;
let home: string;
beforeAll(async () => {
  [index, outside] = await Promise.all([startPypiIndex(), startPypiIndex()]);
  for (const i of [index, outside]) i.publish({ name: 'tiny-lib', version: '1.1.0', kinds: ['wheel'], uploadedAt: OLD });
  home = await venv();
}, 180_000);
afterAll(async () => {
  await Promise.all([index?.close(), outside?.close()]);
});

async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-around-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  await writeFile(join(dir, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

const env = (h: string) => pipEnv(h, { PATH: `${join(h, 'venv', 'bin')}:${process.env.PATH}`, npm_config_update_notifier: 'false' });
const run = (dir: string, command: string[], h = home) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--data-dir', join(dir, 'fw'), '--', ...command], { cwd: dir, env: env(h), timeoutMs: 180_000 });

async function refused(dir: string, command: string[], message: RegExp, h = home): Promise<void> {
  const since = outside.requests.length;
  const r = await run(dir, command, h);
  expect(outside.requests.slice(since).map((q) => q.path), command.join(' ')).toEqual([]);
  expect(r.stderr, command.join(' ')).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.exitCode, command.join(' ')).toBe(2);
}

const download = () => [pipOf(home), 'download', '--retries', '0', '-d', 'dl'];

describe('firewall run: pip\'s --isolated as another option\'s value (F2)', () => {
  it('pip download --log --isolated is refused: pip tests the raw word, ignores PIP_INDEX_URL and goes to pypi.org', async () => {
    // Checked by hand with this pip: `PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL=<firewall> pip download -vvv --log
    // --isolated six` searches https://pypi.org/simple/six/ (no network here, so no logging server can see it).
    const dir = await project();
    const pip = pipOf(home);
    for (const command of [[pip, 'download', '--retries', '0', '--log', '--isolated', '-d', 'dl', 'tiny-lib'], ['sh', '-c', `${join(home, 'venv', 'bin', 'python3')} -m pip --cache-dir --isolated download --retries 0 -d dl tiny-lib`], [pip, 'download', '-d', 'dl', '--', 'tiny-lib', '--isolated']]) {
      await refused(dir, command, /names a package source \(--isolated: pip's --isolated\), as a word anywhere in pip's words/);
    }
  });
});

describe('firewall run: programs that add words to a command or run a string (F3, F6, F8)', () => {
  it('xargs, flock -c, npm --loglevel warn exec -c, pip\'s __main__.py: refused, OUTSIDE sees nothing', async () => {
    const dir = await project({ 'args.txt': `--index-url\n${outside.simpleUrl}\n` });
    const pipMain = (await execa(join(home, 'venv', 'bin', 'python3'), ['-c', 'import pip,os;print(os.path.join(os.path.dirname(pip.__file__),"__main__.py"))'])).stdout.trim();
    const line = `${download().join(' ')} -i ${outside.simpleUrl} tiny-lib`;
    const cases: [string[], RegExp][] = [
      [['xargs', '-a', 'args.txt', ...download(), 'tiny-lib'], /names .*pip in an argument of xargs/],
      [['sh', '-c', `cat args.txt | xargs ${download().join(' ')} tiny-lib`], /names .*pip in an argument of xargs/],
      [['flock', join(dir, 'lock'), '-c', line], /names .*pip in an argument of flock/],
      [['npm', '--loglevel', 'warn', 'exec', '-c', line], /runs a shell string through npm/],
      [[join(home, 'venv', 'bin', 'python3'), pipMain, 'download', '--retries', '0', '-d', 'dl', '-i', outside.simpleUrl, 'tiny-lib'], /names a package source \(-i/],
      [[join(home, 'venv', 'bin', 'python3'), '-c', 'import runpy; runpy.run_module("pip", run_name="__main__")', 'download', '-d', 'dl', '-i', outside.simpleUrl, 'tiny-lib'], /names pip in an argument of python3/],
    ];
    for (const [command, message] of cases) await refused(dir, command, message);
  });

  it('plain installs still run through the firewall (exit 0)', async () => {
    const dir = await project({ 'requirements.txt': 'tiny-lib==1.1.0\n' });
    for (const command of [['timeout', '-k', '5', '120', pipOf(home), 'download', '--retries', '0', '-d', 'dl', '-r', 'requirements.txt'], ['sh', '-c', `echo "pip install" && nice -n 5 ${join(home, 'venv', 'bin', 'python3')} -m pip download --retries 0 -d dl2 tiny-lib`]]) {
      const r = await run(dir, command);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    expect(outside.requests).toEqual([]);
  });
});

describe('firewall run: a requirements file read later than it is checked (F4)', () => {
  it('missing, /dev/stdin, a FIFO: refused before pip runs', async () => {
    const dir = await project({ 'alt.txt': `-i ${outside.simpleUrl}\ntiny-lib\n` });
    await execa('mkfifo', [join(dir, 'fifo.txt')]);
    await refused(dir, [...download(), '-r', 'req.txt'], /the requirements file "req\.txt" does not exist before the install runs/);
    await refused(dir, ['sh', '-c', `${download().join(' ')} -r /dev/stdin < alt.txt`], /"\/dev\/stdin" is not a regular file of the project/);
    await refused(dir, [...download(), '-r', 'fifo.txt'], /"fifo\.txt" is not a regular file of the project/);
  });

  it('a command that may write files before the Python install, or beside it in a pipeline, is refused', async () => {
    const dir = await project({ 'alt.txt': `-i ${outside.simpleUrl}\ntiny-lib\n`, 'req.txt': 'tiny-lib\n' });
    await refused(dir, ['sh', '-c', `cp alt.txt req.txt && ${download().join(' ')} -r req.txt`], /runs cp, which may write files before the Python install/);
    await refused(dir, ['sh', '-c', `cat alt.txt > req.txt; ${download().join(' ')} -r req.txt`], /writes req\.txt before the Python install/);
    await refused(dir, ['sh', '-c', `node -e 'require("fs").copyFileSync("alt.txt", "req.txt")' && ${download().join(' ')} -r req.txt`], /runs node, which may write files before the Python install/);
    const ok = await run(dir, ['sh', '-c', `${pipOf(home)} --version && ${download().join(' ')} -r req.txt > pip.log && cat pip.log`]);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(outside.requests).toEqual([]);
  });
});

describe('firewall run: a local project whose dependencies its build code writes (F5)', () => {
  const backend = (url: string) => `import os\ndef _meta(d):\n    di = os.path.join(d, 'proj-1.0.dist-info')\n    os.makedirs(di, exist_ok=True)\n    open(os.path.join(di, 'METADATA'), 'w').write('Metadata-Version: 2.1\\nName: proj\\nVersion: 1.0\\nRequires-Dist: tiny-lib @ ${url}\\n')\n    return 'proj-1.0.dist-info'\ndef get_requires_for_build_wheel(config_settings=None):\n    return []\ndef prepare_metadata_for_build_wheel(d, config_settings=None):\n    return _meta(d)\n`;
  it('an in-tree backend, dynamic dependencies, a setup.py: refused, also from a requirements file; setuptools file lists read', async () => {
    const url = `${outside.filesUrl}/tiny_lib-1.1.0-py3-none-any.whl`;
    const dir = await project({ 'req.txt': './proj\n', 'req-e.txt': '-e ./dyn\n' });
    const sub = async (name: string, files: Record<string, string>) => {
      await execa('mkdir', ['-p', join(dir, name)]);
      for (const [f, text] of Object.entries(files)) await writeFile(join(dir, name, f), text);
    };
    await sub('proj', { 'pyproject.toml': '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n[project]\nname = "proj"\nversion = "1.0"\ndependencies = []\n', 'backend.py': backend(url) });
    await sub('dyn', { 'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "dyn"\nversion = "1.0"\ndynamic = ["dependencies"]\n' });
    await sub('legacy', { 'setup.py': `from setuptools import setup\nsetup(name="legacy", version="1.0", install_requires=["tiny-lib @ ${url}"])\n` });
    await sub('listed', { 'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "listed"\nversion = "1.0"\ndynamic = ["dependencies"]\n\n[tool.setuptools.dynamic]\ndependencies = { file = ["deps.in"] }\n', 'deps.in': `tiny-lib @ ${url}\n` });
    await refused(dir, [...download(), '-r', 'req.txt'], /proj\/pyproject\.toml: an in-tree build backend \(backend-path\): pip would install the dependencies the project's build code writes/);
    await refused(dir, [...download(), './proj'], /an in-tree build backend/);
    await refused(dir, [...download(), '-r', 'req-e.txt'], /dyn\/pyproject\.toml: dynamic dependencies/);
    await refused(dir, [...download(), './legacy'], /legacy\/pyproject\.toml: the project has no pyproject\.toml/);
    await refused(dir, [...download(), './listed'], /listed\/deps\.in:1: names a package by URL/);
    // --no-deps: pip installs no dependency of the project, so nothing its code writes is fetched.
    const r = await run(dir, [...download(), '--no-deps', '--no-build-isolation', './proj']);
    expect(r.stderr).not.toMatch(/backend-path/);
    expect(outside.requests).toEqual([]);
  });
});
