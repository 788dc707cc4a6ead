/**
 * A help or version request of an install client under `sscs firewall run` fetches nothing, and runs. It used to
 * be refused: `poetry install --help` as a poetry verb that resolves (exit 2), `npm install --help` by the npm
 * resolution run before the install, which then found no lockfile to read (exit 2). Each form below was checked
 * against the real client (poetry 1.3.2 with cleo 2.0.1, npm 11.19.1, pnpm, yarn 4, pip 23.0.1): it prints help or
 * its version and asks no index. Only what the client itself reads as help passes: `poetry install -nh` installs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { pipEnv, POETRY, PYTHON } from '../support/pip-clients.ts';
import { npmAnswersWithoutRunning } from '../../helper/src/firewall/js-client-words.js';

const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));
const POLICY = 'version: 1\nrules: []\n';

let reg: NpmRegistry;
let index: PypiIndex;
beforeAll(async () => {
  reg = await startNpmRegistry();
  await reg.publish({ name: 'left-pad', version: '1.3.0' });
  index = await startPypiIndex();
  index.publish({ name: 'tiny-lib', version: '1.0.0' });
}, 60_000);
afterAll(async () => {
  await reg?.close();
  index?.close();
});

const exists = (path: string) => access(path).then(() => true, () => false);

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-run-help-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('firewall run: poetry help and version requests run', () => {
  // The project's default source is the stand-in index: a poetry command that resolved would ask it.
  const pyproject = () => `[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\nauthors = ["sscs <sscs@example.com>"]\n\n[tool.poetry.dependencies]\npython = "^3.11"\ntiny-lib = "*"\n\n[[tool.poetry.source]]\nname = "stand-in"\nurl = "${index.simpleUrl}"\ndefault = true\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n`;
  const run = async (dir: string, command: string[]) => {
    const home = await mkdtemp(join(tmpdir(), 'sscs-poetry-home-'));
    const env = { ...pipEnv(home), POETRY_VIRTUALENVS_IN_PROJECT: 'true', POETRY_NO_INTERACTION: '1', POETRY_CACHE_DIR: join(home, 'poetry-cache') };
    return runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--', ...command], { cwd: dir, env, timeoutMs: 120_000 });
  };

  const helps: [string[], RegExp][] = [
    [[POETRY, 'install', '--help'], /Installs the project dependencies/],
    [[POETRY, 'install', '-h'], /Installs the project dependencies/],
    [[POETRY, '--no-ansi', 'add', '-h', 'tiny-lib'], /Adds a new dependency to pyproject\.toml/],
    [[POETRY, '--help', 'update'], /Update the dependencies/],
    [[POETRY, 'lock', '--help=yes'], /Locks the project dependencies/],
    [[POETRY, 'install', '-hn'], /Installs the project dependencies/],
    [[POETRY, 'self', 'add', '-h', 'poetry-plugin-export'], /Add additional packages to Poetry's runtime environment/],
    [[POETRY, 'debug', 'resolve', '-h'], /Debugs dependency resolution/],
    [[POETRY, 'install', '--version'], /^Poetry \(version 1\.3\.2\)$/m],
    [[POETRY, 'lock', '-V'], /^Poetry \(version 1\.3\.2\)$/m],
    [[PYTHON, '-m', 'poetry', 'install', '--help'], /Installs the project dependencies/],
  ];
  for (const [command, shown] of helps) {
    it(`${command.slice(command[0] === PYTHON ? 2 : 1).join(' ')}: exit 0, the help or version, no index asked, nothing installed`, async () => {
      const dir = await project({ 'pyproject.toml': pyproject() });
      const asked = index.requests.length;
      const r = await run(dir, command);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(shown);
      expect(index.requests.length).toBe(asked);
      expect(await exists(join(dir, '.venv'))).toBe(false);
      expect(await exists(join(dir, 'poetry.lock'))).toBe(false);
    });
  }

  // cleo reads help only from words that are or start with --help/-h: `-nh` binds -h inside a cluster, yet the
  // install runs (with poetry 1.3.2 it resolved and made .venv); a --help after -- is an argument.
  const refused: [string[], string][] = [
    [[POETRY, 'install', '-nh'], 'install'],
    [[POETRY, 'lock', '--', '--help'], 'lock'],
    [[POETRY, 'install', '--no-ansi'], 'install'],
  ];
  for (const [command, verb] of refused) {
    it(`${command.slice(1).join(' ')}: still refused (exit 2), before anything runs`, async () => {
      const dir = await project({ 'pyproject.toml': pyproject() });
      const r = await run(dir, command);
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`'poetry ${verb}' resolves or downloads packages`);
      expect(await exists(join(dir, '.venv'))).toBe(false);
    });
  }
});

describe('firewall run: npm, pnpm, yarn and pip help and version requests run', () => {
  const npmEnv = (dir: string) => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', pnpm_config_store_dir: join(dir, '.store'), CI: 'true', YARN_ENABLE_TELEMETRY: 'false', YARN_ENABLE_GLOBAL_CACHE: 'false' });
  const commands: [string[], RegExp][] = [
    [['npm', 'install', '--help'], /npm install/],
    [['npm', 'i', '-h'], /npm install/],
    [['npm', 'install', '-H'], /npm install/],
    [['npm', '--version'], /^\d+\.\d+\.\d+$/m],
    [['npm', 'install', '--version'], /^\d+\.\d+\.\d+$/m],
    [['npm', 'install', '--versions'], /npm: '\d+\.\d+\.\d+'/],
    [[PNPM, 'install', '--help'], /pnpm install/],
    [[PNPM, 'add', '-h', 'left-pad'], /pnpm add/],
    [[process.execPath, YARN, 'add', '--help'], /yarn add/],
    [[PYTHON, '-m', 'pip', 'install', '--help'], /pip install \[options\]/],
    [[PYTHON, '-m', 'pip', 'download', '-h'], /pip download \[options\]/],
  ];
  for (const [command, shown] of commands) {
    it(`${command.map((w) => w.split('/').pop()).join(' ')}: exit 0, no package asked for, nothing installed`, async () => {
      const dir = await project({ 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'left-pad': '^1.3.0' } }) });
      const asked = reg.requests.length;
      const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', index.simpleUrl, '--', ...command], { cwd: dir, env: npmEnv(dir), timeoutMs: 120_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(shown);
      expect(r.stderr).toContain('served 0 package version(s), refused 0');
      expect(reg.requests.length).toBe(asked);
      for (const f of ['node_modules', 'package-lock.json', 'pnpm-lock.yaml']) expect(await exists(join(dir, f)), f).toBe(false);
    });
  }
});

describe('firewall run: npm help flags beside other words are checked like an install', () => {
  // Only help flags and the verb are read as help (js-client-words.ts): npm prints its usage here too, yet nothing
  // is taken on trust. npm's resolution before the install writes no lockfile to judge, so the run stops (exit 2).
  const commands: string[][] = [
    ['npm', 'i', '-h', 'left-pad'],
    ['npm', 'add', '--usage', 'left-pad'],
    ['npm', 'install', 'left-pad', '-?'],
    ['npm', '--loglevel', 'warn', 'install', '-v'],
  ];
  for (const command of commands) {
    it(`${command.join(' ')}: not run (exit 2), nothing installed`, async () => {
      const dir = await project({ 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'left-pad': '^1.3.0' } }) });
      const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--', ...command], { cwd: dir, env: { HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_update_notifier: 'false' }, timeoutMs: 120_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain('npm wrote no lockfile when resolving the install before running it');
      for (const f of ['node_modules', 'package-lock.json']) expect(await exists(join(dir, f)), f).toBe(false);
    });
  }
});

describe('npmAnswersWithoutRunning', () => {
  it('reads only what npm 11 itself reads as usage or version', () => {
    for (const args of [['install', '--help'], ['-h', 'ci'], ['install', '-H'], ['add', '--usage'], ['install', '-v'], ['i', '--version'], ['install', '--versions'], ['--version'], ['-v'], ['i', '-h', '--help']]) {
      expect(npmAnswersWithoutRunning(args), args.join(' ')).toBe(true);
    }
  });
  it('fails closed: any word but the verb and exact help or version flags (a spec, another option, an abbreviation, --, false) is not help', () => {
    for (const args of [['install'], ['install', 'x', '-?'], ['--save', 'install', '--help'], ['install', '--usage', 'true'], ['install', '-h', '--no-usag'], ['install', '-h', '--usa', 'false'], ['install', '-?', '--no-usa'], ['install', '--usage', '--usag=false'], ['install', '--he'], ['install', '-h', 'git+file:///x'], ['install', '-h', '--'], ['install', '-h', '-'], ['install', '--', '--help'], ['install', '--usage', 'false'], ['install', '--help', '--no-usage'], ['install', '-h', '--usage=false'], ['install', '--fetch-timeout', '-h'], ['install', '--browser', '--help'], ['install', '--some-unknown', '-h'], ['install', '-gh'], ['install', 'help']]) {
      expect(npmAnswersWithoutRunning(args), args.join(' ')).toBe(false);
    }
  });
});
