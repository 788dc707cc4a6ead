/**
 * How firewall run reads an install command before it runs (helper/src/firewall/install-command.ts): which commands
 * it finds inside wrappers, and what it refuses. The end-to-end runs with real npm and pip are in run-wrappers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { invocations, leadingEnv } from '../../helper/src/firewall/install-command.js';

const governs = (name: string) => /^npm_config_registry$|^PIP_INDEX_URL$|^HOME$|^XDG_CONFIG_HOME$/i.test(name);
const read = (command: string[], env: Record<string, string> = { HOME: '/h' }) => invocations(command, env, governs).map((i) => i.argv);
const refusal = (command: string[], env: Record<string, string> = {}) => {
  try {
    const top = leadingEnv(command, env);
    invocations(top.run, top.env, governs);
    return 'read';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};

describe('install command: what runs', () => {
  it('an interpreter\'s -m pip in every spelling is pip', () => {
    for (const py of [['python3', '-m', 'pip'], ['python3', '-mpip'], ['python', '-I', '-m', 'pip'], ['python3.11', '-Im', 'pip'], ['/venv/bin/python', '-W', 'ignore', '-X', 'dev', '-m', 'pip'], ['pypy3', '-Wignore', '-Esm', 'pip.__main__'], ['python3', '--check-hash-based-pycs', 'never', '-m', 'pip']]) {
      expect(read([...py, 'install', '-f', 'w']), py.join(' ')).toEqual([['pip', 'install', '-f', 'w']]);
    }
    expect(read(['python3', '-m', 'uv', 'pip', 'install'])).toEqual([['uv', 'pip', 'install']]);
    // Read as the client itself, as by its own name: its `run CMD` is CMD too (at 222d85a, -m pipenv's CMD was not read).
    expect(read(['python3', '-m', 'pipenv', 'run', 'pip', 'install', '-f', 'w'])).toEqual([['pipenv', 'run', 'pip', 'install', '-f', 'w'], ['pip', 'install', '-f', 'w']]);
    expect(read(['python3', '-m', 'poetry', 'run', 'pip', 'install', '-f', 'w'])).toEqual([['poetry', 'run', 'pip', 'install', '-f', 'w'], ['pip', 'install', '-f', 'w']]);
    // Not pip: another script, whose arguments are its own.
    expect(read(['python3', 'setup.py', '-m', 'x'])).toEqual([['python3', 'setup.py', '-m', 'x']]);
    // pip run as a script path (review F8): its __main__.py, its package folder, a zip app.
    for (const script of ['/v/lib/python3.11/site-packages/pip/__main__.py', '/v/lib/python3.11/site-packages/pip/', 'pip.pyz', './pip-23.2.pyz']) {
      expect(read(['python3', '-I', script, 'download', '-i', 'u', 'six']), script).toEqual([['pip', 'download', '-i', 'u', 'six']]);
    }
  });

  it('a leading env is applied: its command runs, with -i, -u and assignments in the job\'s environment', () => {
    // GNU env reads no option after an assignment: `-u` is then the command, as env would run it.
    expect(leadingEnv(['env', 'A=1', '-u', 'B', 'npm', 'ci'], { B: 'x', C: 'y' })).toEqual({ run: ['-u', 'B', 'npm', 'ci'], env: { A: '1', B: 'x', C: 'y' } });
    expect(leadingEnv(['env', '-u', 'B', 'A=1', 'npm', 'ci'], { B: 'x', C: 'y' })).toEqual({ run: ['npm', 'ci'], env: { C: 'y', A: '1' } });
    expect(leadingEnv(['/usr/bin/env', '-i', 'A=1', 'env', '--unset=A', '--', 'B=2', 'npm', 'ci'], { C: 'y' })).toEqual({ run: ['npm', 'ci'], env: { B: '2' } });
    expect(leadingEnv(['env', '-iuC', 'npm', 'ci'], { C: 'y' }).env).toEqual({});
    expect(leadingEnv(['env'], { C: 'y' })).toEqual({ run: ['env'], env: { C: 'y' } });
  });

  it('reads programs named as arguments of another, and a shell string word by word', () => {
    expect(read(['timeout', '60', 'python3', '-m', 'pip', 'install'])).toEqual([['timeout', '60', 'python3', '-m', 'pip', 'install'], ['pip', 'install']]);
    expect(read(['pipenv', 'run', 'pip', 'install', '-f', 'w'])).toEqual([['pipenv', 'run', 'pip', 'install', '-f', 'w'], ['pip', 'install', '-f', 'w']]);
    expect(read(['npm', 'exec', '--', 'sh', '-c', 'pip3.11 install x'])).toEqual([['npm', 'exec', '--', 'sh', '-c', 'pip3.11 install x'], ['pip3.11', 'install', 'x']]);
    expect(read(['sh', '-ec', 'npm ci && "$HOME/venv/bin/pip" install -r r.txt'])).toEqual([['npm', 'ci'], ['/h/venv/bin/pip', 'install', '-r', 'r.txt']]);
    expect(read(['bash', '-o', 'pipefail', '-c', 'exec env X=1 python3 -m pip install'])).toEqual([['pip', 'install']]);
    // An install client's words are not commands: a folder named env is a folder.
    expect(read(['pip', 'install', '--target', 'env', '--no-deps', 'x'])).toEqual([['pip', 'install', '--target', 'env', '--no-deps', 'x']]);
    expect(read(['npm', 'install', '--prefix', 'env', '--omit=dev'])).toEqual([['npm', 'install', '--prefix', 'env', '--omit=dev']]);
  });
});

describe('install command: wrappers read through only by their own option tables (review F3, F6)', () => {
  it('timeout, nice, nohup, stdbuf, time, ionice, setsid, chronic: their option values are skipped', () => {
    const pip = ['pip', 'install', 'x'];
    for (const w of [['timeout', '-s', 'KILL', '-k5', '--preserve-status', '60'], ['timeout', '--signal=TERM', '--kill', '9', '1m'], ['nice', '-n', '5'], ['nice', '-10'], ['nice', '--adj', '3'], ['nohup'], ['stdbuf', '-oL', '-e', '0'], ['time', '-f', '%e', '-o', 'log', '-a'], ['ionice', '-c', '3'], ['setsid', '-w'], ['chronic', '-e'], ['timeout', '--', '5']]) {
      expect(read([...w, ...pip]).at(-1), w.join(' ')).toEqual(pip);
    }
    // A value that names a program is a value: timeout's signal, stdbuf's mode.
    expect(read(['timeout', '-s', 'pip', '60', 'npm', 'ci']).at(-1)).toEqual(['npm', 'ci']);
  });

  it('npm\'s verb is found with npm\'s option table, so an option value does not hide exec', () => {
    expect(read(['npm', '--loglevel', 'warn', 'exec', '--', 'pip', 'install', 'x']).at(-1)).toEqual(['pip', 'install', 'x']);
    expect(read(['npm', '--prefix', '.', 'x', '--package', 'pip', 'pip', 'install']).at(-1)).toEqual(['pip', 'install']);
    expect(read(['npx', '--yes', 'pip', 'install']).at(-1)).toEqual(['pip', 'install']);
    // npm drops the first `--` after the command: both readings are checked.
    expect(read(['npm', 'exec', 'pip', '--', 'download', '-i', 'u']).slice(1)).toEqual([['pip', '--', 'download', '-i', 'u'], ['pip', 'download', '-i', 'u']]);
    expect(read(['corepack', 'pnpm@9.1.0', 'dlx', 'pip', 'install']).at(-1)).toEqual(['pip', 'install']);
    expect(read(['uv', 'run', 'python', '-m', 'pip', 'install']).at(-1)).toEqual(['pip', 'install']);
    // Ordinary installs and builds are read as they are, nothing refused.
    for (const c of [['npm', 'ci'], ['npm', 'run', 'build'], ['npm', '--loglevel', 'exec', 'ci'], ['pip', 'install', '-r', 'requirements.txt'], ['python3', '-m', 'pip', 'install', '.'], ['sh', '-c', 'npm ci && npm run build'], ['sh', '-c', 'echo "pip install" && which pip && pip install x'], ['node', 'build.js', '--user', 'admin'], ['make', 'all'], ['corepack', 'enable']]) {
      expect(() => read(c), c.join(' ')).not.toThrow();
    }
  });
});

describe('install command: what is refused (exit 2)', () => {
  const cases: [string[], RegExp, Record<string, string>?][] = [
    [['env', '-S', 'npm ci'], /env's -S splits a string into the command/],
    [['timeout', '9', 'env', '-i', 'npm', 'ci'], /runs env -i further in than a leading env/],
    [['sh', '-c', 'PIP_INDEX_URL=http://x pip install y'], /sets PIP_INDEX_URL further in than a leading env/],
    [['sh', '-c', 'NPM_CONFIG_REGISTRY=x npm ci'], /sets NPM_CONFIG_REGISTRY further in/],
    [['xargs', 'env', '-u', 'npm_config_registry', 'npm', 'ci'], /names env in an argument of xargs, which firewall run does not read through/],
    [['bash', '-l', '-c', 'npm ci'], /starts bash with -l, which reads startup files/],
    [['sh', '-i', '-c', 'npm ci'], /starts sh with -i/],
    [['bash', '--rcfile', 'x', '-c', 'npm ci'], /starts bash with --rcfile/],
    [['zsh', '-c', 'npm ci'], /runs a zsh string, which firewall run does not read/],
    [['bash', '-c', 'npm ci'], /runs bash with BASH_FUNC_npm%% in its environment/, { 'BASH_FUNC_npm%%': '() { echo; }' }],
    [['sh', '-c', 'cd sub; npm ci'], /cd is joined to the next command by something other than '&&'/],
    // `command` and `exec` run the builtin all the same: read through to it.
    [['sh', '-c', 'command export npm_config_registry=http://127.0.0.1:9999/ && npm ci'], /runs the shell builtin 'export'/],
    [['sh', '-c', 'exec command set -a'], /runs the shell builtin 'set'/],
    [['sh', '-c', 'command cd sub && npm ci'], /cd comes after another command, or through exec or command/],
    [['sh', '-c', 'source ./env.sh; npm ci'], /runs the shell builtin 'source'/],
    [['sh', '-c', 'exec -a x npm ci'], /runs `exec -a`/],
    [['sh', '-c', 'npm ci $(cat opts)'], /cannot read the shell command exactly/],
    [['sudo', 'npm', 'ci'], /runs sudo, which starts the command as another user/],
    [['timeout', '60', 'docker', 'run', 'node', 'npm', 'ci'], /runs docker, which starts the command/],
    [['npx', '-c', 'npm ci "--regis"try=x'], /runs a shell string through npx/],
    [['npm', 'exec', '--call=npm ci'], /runs a shell string through npm/],
    // review F3, F6, F8: a program that adds words to a command, or runs a string, is not read through.
    [['xargs', '-a', 'args.txt', 'pip', 'download', 'six'], /names pip in an argument of xargs/],
    [['sh', '-c', 'cat args.txt | xargs npm install'], /names npm in an argument of xargs/],
    [['find', '.', '-name', 'r.txt', '-exec', 'pip', 'install', '-r', '{}', '+'], /names pip in an argument of find/],
    [['parallel', 'pip', 'download', ':::', 'six'], /names pip in an argument of parallel/],
    [['flock', '/tmp/lock', '-c', 'pip download -i http://127.0.0.1:9999/simple/ six'], /names pip in an argument of flock/],
    [['script', '-qc', 'npm install', '/dev/null'], /names npm in an argument of script/],
    [['watch', 'python3', '-m', 'pip', 'install', 'x'], /names python3 in an argument of watch/],
    [['timeout', '9', 'su', '-c', 'pip install x'], /runs su, which starts the command as another user/],
    [['node', '-e', 'require("child_process").execSync("npm install --registry=http://x/")'], /names npm in an argument of node/],
    [['python3', '-c', 'import runpy; runpy.run_module("pip", run_name="__main__")', 'download', 'six'], /names pip in an argument of python3/],
    [['python3', 'get-deps.py', 'download', '-i', 'http://127.0.0.1:9999/simple/', 'six'], /passes -i to python3, which firewall run does not read/],
    [['./get-deps', 'install', '--index-url=http://127.0.0.1:9999/simple/', 'six'], /passes --index-url to get-deps/],
    [['./get-deps', 'install', '--extra', 'http://127.0.0.1:9999/simple/', 'six'], /passes --extra to get-deps/],
    [['./deps', 'install', '--registry', 'http://127.0.0.1:9999/'], /passes --registry to deps/],
    [['npm', '--loglevel', 'warn', 'exec', '-c', 'pip download six'], /runs a shell string through npm/],
    [['npm', 'exec', 'xargs', '--', 'pip', 'download'], /names pip in an argument of xargs/],
    [['npm', '--prefix', '.', 'x', '--call=pip download six'], /runs a shell string through npm/],
    [['pnpm', '--filter', 'a', 'exec', '--shell-mode', 'pip download six'], /runs a shell string through pnpm/],
    [['timeout', '--help', 'npm', 'ci'], /gives timeout's option --help, which firewall run does not read/],
    [['ionice', '-p', '1', 'npm', 'ci'], /gives ionice's option -p/],
    [['sh', '-c', 'HOME=/tmp/other yarn install'], /sets HOME further in than a leading env: it decides where the install fetches from or which client configuration it reads/],
    [['sh', '-c', 'env XDG_CONFIG_HOME=/tmp/x pnpm install'], /sets XDG_CONFIG_HOME further in/],
  ];
  for (const [command, message, env] of cases) {
    it(command.join(' '), () => {
      const r = refusal(command, env);
      expect(r).toMatch(/^USAGE: sscs firewall run: /);
      expect(r).toMatch(message);
    });
  }
  it('wrappers nested deeper than 8 levels', () => {
    let command = ['npm', 'ci'];
    for (let i = 0; i < 10; i++) command = ['sh', '-c', command.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')];
    expect(refusal(command)).toMatch(/wraps commands in each other more than 8 deep/);
  });
});
