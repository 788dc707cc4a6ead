/**
 * `sscs firewall run -- COMMAND` judges the command as it will run, however it is wrapped (review F2, F5): a
 * leading `env` is applied by firewall run (its assignments filtered like the job's own environment), an
 * interpreter's `-m pip` and versioned pip names are read as pip, a `sh -c` string is read word for word, and what
 * cannot be read exactly (env -S, env -i further in, shell substitutions) is refused with exit 2 before anything
 * runs. Real npm against two local registries (EVIL holds the same names and must see no request); Debian's pip
 * 23.0.1 in a venv against a local index, with a folder of wheels holding the denied release.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { pipEnv, pipFreeze, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const POLICY = 'version: 1\nrules:\n  - id: no-bad\n    match: bad-a\n    action: deny\n    reason: known bad\n  - id: deny-bad-tiny\n    match: "pkg:pypi/tiny-lib@==1.0.0"\n    action: deny\n    reason: known bad release\n';
const OLD = new Date(Date.now() - 90 * 86_400_000);

let reg: NpmRegistry;
let evil: NpmRegistry;
let index: PypiIndex;
let base: string;
let home: string; // a venv of Debian's python3 with pip 23.0.1, and a folder of wheels beside the index
beforeAll(async () => {
  [reg, evil, index] = await Promise.all([startNpmRegistry(), startNpmRegistry(), startPypiIndex()]);
  for (const r of [reg, evil]) await r.publish({ name: 'bad-a', version: '1.0.0' });
  index.publish({ name: 'tiny-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD });
  index.publish({ name: 'tiny-lib', version: '1.1.0', kinds: ['wheel'], uploadedAt: OLD });
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-wrappers-'));
  home = await venv();
  await mkdir(join(home, 'wheels'));
  await writeFile(join(home, 'wheels', 'tiny_lib-1.0.0-py3-none-any.whl'), index.file('tiny_lib-1.0.0-py3-none-any.whl')!.bytes);
  await symlink(join(home, 'venv', 'bin', 'pip'), join(home, 'venv', 'bin', 'pip-3.11'));
}, 180_000);
afterAll(async () => {
  await Promise.all([reg?.close(), evil?.close(), index?.close()]);
});

async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'bad-a': '^1.0.0' } }));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

const npmEnv = (dir: string): Record<string, string> => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, command: string[], env: Record<string, string>, extra: string[] = []) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--data-dir', join(dir, 'fw'), ...extra, '--', ...command], { cwd: dir, env, timeoutMs: 180_000 });
const evilSeen = (since: number) => evil.requests.slice(since).map((r) => r.path);

describe('firewall run: env before the install command', () => {
  it('env npm_config_registry=EVIL npm install: firewall run applies env, so npm still asks the firewall (exit 1)', async () => {
    const dir = await project();
    const since = evil.requests.length;
    const r = await run(dir, ['env', `npm_config_registry=${evil.url}/`, 'npm', 'install'], npmEnv(dir));
    expect(evilSeen(since)).toEqual([]);
    expect(r.stderr).toContain('bad-a@1.0.0: deny by no-bad');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(existsSync(join(dir, 'node_modules/bad-a'))).toBe(false);
  });

  it('env -i clears the job\'s environment, not the firewall\'s settings (exit 1)', async () => {
    const dir = await project();
    const since = evil.requests.length;
    const r = await run(dir, ['env', '-i', `PATH=${process.env.PATH}`, `NPM_CONFIG_REGISTRY=${evil.url}/`, ...Object.entries(npmEnv(dir)).map(([k, v]) => `${k}=${v}`), 'npm', 'install'], {});
    expect(evilSeen(since)).toEqual([]);
    expect(r.stderr).toContain('bad-a@1.0.0: deny by no-bad');
    expect(r.exitCode, r.stderr).toBe(1);
  });

  it('env -S and env -C are refused (exit 2), naming what to write instead', async () => {
    const dir = await project();
    for (const [command, what] of [[['env', '-S', 'npm install'], "env's -S splits a string into the command"], [['env', '--split-string=npm install'], "env's --split-string=npm install splits"], [['env', '-C', '/tmp', 'npm', 'install'], "env's -C runs the command in another folder"]] as const) {
      const r = await run(dir, [...command], npmEnv(dir));
      expect(r.stderr).toContain(what);
      expect(r.stderr).toContain('Write env NAME=VALUE... COMMAND first on the install command line');
      expect(r.exitCode).toBe(2);
    }
  });

  it('env -i or a routing variable further in, where firewall run cannot apply it, is refused (exit 2)', async () => {
    const dir = await project();
    const since = evil.requests.length;
    const cases: [string[], string][] = [
      [['timeout', '120', 'env', '-i', `PATH=${process.env.PATH}`, 'npm', 'install'], 'runs env -i further in than a leading env'],
      [['sh', '-c', 'env -i npm install'], 'runs env -i further in than a leading env'],
      [['sh', '-c', `npm_config_registry=${evil.url}/ npm install`], 'sets npm_config_registry further in than a leading env'],
      [['nice', 'env', `NPM_CONFIG_REGISTRY=${evil.url}/`, 'npm', 'install'], 'sets NPM_CONFIG_REGISTRY further in'],
      [['sh', '-c', 'env -u npm_config_registry npm install'], 'sets npm_config_registry further in'],
    ];
    for (const [command, message] of cases) {
      const r = await run(dir, command, npmEnv(dir));
      expect(r.stderr, command.join(' ')).toContain(message);
      expect(r.exitCode, command.join(' ')).toBe(2);
    }
    expect(evilSeen(since)).toEqual([]);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});

describe('firewall run: a sh -c string is read word for word', () => {
  it('an option spelled with shell quotes is the option (exit 2)', async () => {
    const dir = await project();
    const since = evil.requests.length;
    for (const script of [`npm install --regis"try"=${evil.url}/`, `npm install '--registry' ${evil.url}/`, `npm install --re\\gistry=${evil.url}/`, `true && npm install "--@acme:registry=${evil.url}/"`]) {
      const r = await run(dir, ['sh', '-c', script], npmEnv(dir));
      expect(r.stderr, script).toMatch(/the install command sets '--(?:registry|@acme:registry)', which would decide where the client fetches packages from/);
      expect(r.exitCode, script).toBe(2);
    }
    expect(evilSeen(since)).toEqual([]);
  });

  it('what it cannot read exactly is refused (exit 2) with what to write instead; a plain one runs', async () => {
    const dir = await project();
    for (const script of ['npm install $(echo --registry=x)', 'npm install `echo x`', 'npm install --reg*', 'export X=1; npm install']) {
      const r = await run(dir, ['sh', '-c', script], npmEnv(dir));
      expect(r.stderr, script).toMatch(/sscs firewall run: cannot read the shell command exactly|runs the shell builtin/);
      expect(r.stderr, script).toMatch(/Give the install command as words/);
      expect(r.stderr, script).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.exitCode, script).toBe(2);
    }
    // `cd DIR && COMMAND` is read (and its other forms refused): run-folders.test.ts, change-folder.test.ts.
    const ok = await run(dir, ['bash', '-c', 'npm install --no-audit "--omit=dev" >/dev/null 2>&1; echo "installed in $HOME"'], npmEnv(dir));
    expect(ok.stderr).toContain('bad-a@1.0.0: deny by no-bad');
    expect(ok.exitCode).toBe(1);
  });

  it('a shell started with startup code in its environment (BASH_ENV) is refused (exit 2)', async () => {
    const dir = await project({ 'evil.sh': `export npm_config_registry=${evil.url}/\n` });
    const r = await run(dir, ['bash', '-c', 'npm install'], { ...npmEnv(dir), BASH_ENV: join(dir, 'evil.sh') });
    expect(r.stderr).toContain('runs bash with BASH_ENV in its environment');
    expect(r.exitCode).toBe(2);
  });
});

describe('firewall run: pip however it is started', () => {
  const py = () => join(home, 'venv', 'bin', 'python3');
  const cases = (): [string, string[]][] => [
    ['python3 -mpip', [py(), '-mpip', 'install', '-f', join(home, 'wheels'), 'tiny-lib==1.0.0']],
    ['python3 -I -m pip', [py(), '-I', '-m', 'pip', 'install', '--index-url', index.simpleUrl, 'tiny-lib==1.0.0']],
    ['python3 -W ignore -Em pip', [py(), '-W', 'ignore', '-Em', 'pip', 'install', '--find-link', join(home, 'wheels'), 'tiny-lib==1.0.0']],
    ['pip3.11', [join(home, 'venv', 'bin', 'pip3.11'), 'install', '--find-links', join(home, 'wheels'), 'tiny-lib==1.0.0']],
    ['pip-3.11', [join(home, 'venv', 'bin', 'pip-3.11'), 'install', '--pypi-url', index.simpleUrl, 'tiny-lib==1.0.0']],
    ['sh -c python3 -m pip', ['sh', '-c', `${py()} -m pip install --extra-index-url=${index.simpleUrl} tiny-lib==1.0.0`]],
    ['env ... python3 -m pip', ['env', 'PIP_NO_INPUT=1', py(), '-m', 'pip', 'install', '-qf', join(home, 'wheels'), 'tiny-lib==1.0.0']],
  ];
  it('a source on the command line is refused (exit 2) before pip runs', async () => {
    for (const [name, command] of cases()) {
      const dir = await project();
      const r = await run(dir, command, pipEnv(home));
      expect(r.stderr, name).toMatch(/<command line>: the command line names a package source/);
      expect(r.exitCode, name).toBe(2);
    }
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });

  it('env PIP_FIND_LINKS=wheels is dropped like the job\'s own: pip asks only the firewall, which refuses 1.0.0 (exit 1)', async () => {
    const dir = await project();
    const r = await run(dir, ['env', `PIP_FIND_LINKS=${join(home, 'wheels')}`, `PIP_EXTRA_INDEX_URL=${index.simpleUrl}`, join(home, 'venv', 'bin', 'pip'), 'install', 'tiny-lib==1.0.0'], pipEnv(home));
    expect(r.stdout + r.stderr).toMatch(/No matching distribution found for tiny-lib==1\.0\.0/);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });
});

describe('firewall run: uv\'s configuration file (review F5)', () => {
  /** A stand-in uv that prints the settings uv would read (uv itself is not installable here). */
  async function fakeUv(): Promise<string> {
    const bin = await mkdtemp(join(base, 'bin-'));
    await writeFile(join(bin, 'uv'), '#!/bin/sh\necho "UV_CONFIG_FILE=${UV_CONFIG_FILE-unset} UV_NO_CONFIG=${UV_NO_CONFIG-unset} UV_DEFAULT_INDEX=${UV_DEFAULT_INDEX-unset}"\n');
    await chmod(join(bin, 'uv'), 0o755);
    return bin;
  }
  it('uv --config-file FILE is refused (uv reads it over UV_NO_CONFIG), before uv runs (exit 2)', async () => {
    const bin = await fakeUv();
    const dir = await project({ 'uv.toml': `[[index]]\nurl = "${index.simpleUrl}"\ndefault = true\n` });
    for (const command of [['uv', '--config-file', 'uv.toml', 'pip', 'install', 'tiny-lib'], ['uv', 'pip', 'install', '--config-file=uv.toml', 'tiny-lib'], ['sh', '-c', 'uv sync --config-file uv.toml']]) {
      const r = await run(dir, command, { PATH: `${bin}:/usr/bin:/bin`, HOME: dir });
      expect(r.stderr, command.join(' ')).toMatch(/<command line>: the command line names a package source \(--config-file\)/);
      expect(r.stdout).not.toContain('UV_CONFIG_FILE=');
      expect(r.exitCode).toBe(2);
    }
  });
  it('a [tool.uv.sources] git, URL or named-index source (read by uv whatever UV_NO_CONFIG says) is refused (exit 2)', async () => {
    const bin = await fakeUv();
    for (const source of ['{ git = "https://example.invalid/tiny.git" }', `{ url = "${index.filesUrl}/x.whl" }`, '{ index = "raw" }', '[{ index = "raw", marker = "sys_platform == \'linux\'" }, { path = "./t" }]']) {
      const dir = await project({ 'pyproject.toml': `[project]\nname = "app"\nversion = "1"\ndependencies = ["tiny-lib"]\n\n[tool.uv.sources]\ntiny-lib = ${source}\n\n[[tool.uv.index]]\nname = "raw"\nurl = "${index.simpleUrl}"\nexplicit = true\n` });
      const r = await run(dir, ['uv', 'sync'], { PATH: `${bin}:/usr/bin:/bin`, HOME: dir });
      expect(r.stderr, source).toMatch(/pyproject\.toml: \[tool\.uv\.sources\] takes "tiny-lib" from a (?:git source|url source|named index)/);
      expect(r.exitCode, source).toBe(2);
    }
    const sub = await project({ 'pyproject.toml': '[project]\nname = "app"\nversion = "1"\n' });
    await mkdir(join(sub, 'svc'));
    await writeFile(join(sub, 'svc', 'pyproject.toml'), '[project]\nname = "svc"\nversion = "1"\n\n[tool.uv.sources]\ntiny-lib = { git = "https://example.invalid/t.git" }\n');
    for (const command of [['uv', '--directory', 'svc', 'sync'], ['uv', 'sync', '--project=svc'], ['env', 'UV_PROJECT=svc', 'uv', 'sync']]) {
      const r = await run(sub, command, { PATH: `${bin}:/usr/bin:/bin`, HOME: sub });
      expect(r.stderr, command.join(' ')).toMatch(/svc\/pyproject\.toml: \[tool\.uv\.sources\] takes "tiny-lib" from a git source/);
      expect(r.exitCode, command.join(' ')).toBe(2);
    }
    const local = await project({ 'pyproject.toml': '[project]\nname = "app"\nversion = "1"\n\n[tool.uv.sources]\nlib = { path = "./lib", editable = true }\nmember = { workspace = true }\n' });
    expect((await run(local, ['uv', 'sync'], { PATH: `${bin}:/usr/bin:/bin`, HOME: local })).exitCode).toBe(0);
  });

  it('UV_CONFIG_FILE from the job or a leading env never reaches uv, which gets UV_NO_CONFIG=1 and the firewall', async () => {
    const bin = await fakeUv();
    const dir = await project();
    const r = await run(dir, ['env', 'UV_CONFIG_FILE=/tmp/evil-uv.toml', 'uv', 'pip', 'install', 'tiny-lib'], { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, UV_CONFIG_FILE: '/tmp/evil-uv.toml' });
    expect(r.stdout).toMatch(/UV_CONFIG_FILE=unset UV_NO_CONFIG=1 UV_DEFAULT_INDEX=http:\/\/127\.0\.0\.1:\d+\/simple\//);
    expect(r.exitCode, r.stderr).toBe(0);
    const nested = await run(dir, ['sh', '-c', 'UV_CONFIG_FILE=/tmp/evil-uv.toml uv sync'], { PATH: `${bin}:/usr/bin:/bin`, HOME: dir });
    expect(nested.stderr).toContain('sets UV_CONFIG_FILE further in than a leading env');
    expect(nested.exitCode).toBe(2);
  });
});
