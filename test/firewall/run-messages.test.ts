/**
 * What `sscs firewall run` says to a user who got something wrong: report paths checked before anything runs,
 * one clean line when the command cannot start, the option or file the user wrote named as written, and a
 * --help that lists every client it points at the firewall. No upstream is reached: each case stops before the
 * install fetches anything, or runs a command that fetches nothing.
 */
import { describe, expect, it } from 'vitest';
import { access, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

/** Nothing listens on the discard port: a run that asked the upstream anything would fail. */
const UPSTREAM = 'http://127.0.0.1:9';
/** An install stand-in that leaves a mark, so a test sees whether it ran. */
const MARK = [process.execPath, '-e', "require('fs').writeFileSync('install-ran', '')"];

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-run-msg-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'msg', version: '1.0.0', private: true }));
  await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules: []\n');
  return dir;
}
const exists = (path: string) => access(path).then(() => true, () => false);
const run = (dir: string, args: string[], command: string[]) => runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', UPSTREAM, ...args, '--', ...command], { cwd: dir, env: { HOME: dir } });

describe('firewall run: report paths are checked before anything runs', () => {
  const cases: [string, (dir: string) => Promise<string[]>, RegExp][] = [
    ['a --junit path under a regular file', async (dir) => (await writeFile(join(dir, 'somefile'), ''), ['--junit', 'somefile/x.xml']), /^sscs: error: --junit somefile\/x\.xml: cannot write the report there: somefile is a file, not a folder$/m],
    ['an --output that is a folder', async (dir) => (await mkdir(join(dir, 'out')), ['--output', 'out']), /^sscs: error: --output out: cannot write the report there: out is a folder, not a file$/m],
    ['a --gitlab-report deep under a file', async (dir) => (await writeFile(join(dir, 'f'), ''), ['--gitlab-report', 'f/a/b/gl.json']), /^sscs: error: --gitlab-report f\/a\/b\/gl\.json: cannot write the report there: f is a file, not a folder$/m],
    ['two reports in one file', async () => ['--output', 'r.json', '--junit', './r.json'], /^sscs: error: --junit \.\/r\.json names the same file as --output r\.json: one report would replace the other$/m],
    ['a report over the policy file', async () => ['--output', './policy.yml'], /^sscs: error: --output \.\/policy\.yml names the same file as --policy policy\.yml: the report would replace it$/m],
    ['an empty --junit (an unset variable in the job)', async () => ['--junit', ''], /^sscs: error: --junit is empty: name the file to write, or leave the option out$/m],
  ];
  for (const [name, args, message] of cases) {
    it(`refuses ${name} with exit 2 before the install runs`, async () => {
      const dir = await project();
      const r = await run(dir, await args(dir), MARK);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('running');
      expect(await exists(join(dir, 'install-ran'))).toBe(false);
    });
  }

  it('creates a missing folder of a report, as every sscs report does', async () => {
    const dir = await project();
    const r = await run(dir, ['--junit', 'reports/new/firewall.xml', '--output', join(dir, 'abs/report.json')], MARK);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await exists(join(dir, 'install-ran'))).toBe(true);
    expect(await readFile(join(dir, 'reports/new/firewall.xml'), 'utf8')).toContain('<testsuites');
    expect(JSON.parse(await readFile(join(dir, 'abs/report.json'), 'utf8'))).toMatchObject({ packages: [] });
  });
});

describe('firewall run: messages', () => {
  it('a command that does not exist: one clean line, exit 2', async () => {
    const dir = await project();
    const r = await run(dir, [], ['no-such-install-command']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('sscs: error: cannot run no-such-install-command: not found (no such program on PATH');
    expect(r.stderr).not.toMatch(/\\x0a|Command failed with|spawn /);
  });

  it('a command that is not executable: permission denied, exit 2', async () => {
    const dir = await project();
    const r = await run(dir, [], ['./policy.yml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('sscs: error: cannot run ./policy.yml: permission denied (not an executable file)\n');
  });

  it('an install killed by a signal: one line naming the signal, exit 2', async () => {
    const dir = await project();
    const r = await run(dir, [], [process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^sscs: error: `.*` was stopped by SIGKILL \(Forced termination\)$/m);
  });

  it('names the command it runs as shell words that can be pasted', async () => {
    const dir = await project();
    const r = await run(dir, [], ['node', '-e', "console.log('it ran')"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/; running node -e 'console\.log\('\\''it ran'\\''\)'\n/);
  });

  it('pip -r /dev/stdin names /dev/stdin and what it is, not where it leads', async () => {
    const dir = await project();
    const r = await run(dir, [], ['pip', 'install', '-r', '/dev/stdin']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('sscs: error: /dev/stdin: "/dev/stdin" is not a regular file of the project (it is a character device)');
    expect(r.stderr).not.toContain('/dev/null');
  });

  it('pip --no-index --find-links names --find-links, the option that adds a source', async () => {
    const dir = await project();
    for (const command of [['pip', 'install', '--no-index', '--find-links', './wheels', 'tiny-lib'], ['pip', 'install', '--trusted-host', 'h', '--no-index', '-f', './wheels', 'tiny-lib']]) {
      const r = await run(dir, [], command);
      expect(r.exitCode).toBe(2);
      expect(r.stderr, command.join(' ')).toMatch(/^sscs: error: <command line>: the command line names a package source \((--find-links|-f: pip's --find-links)\): the install would fetch from it around the firewall$/m);
    }
    const alone = await run(dir, [], ['pip', 'install', '--no-index', 'tiny-lib']);
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain("the command line turns pip's index off (--no-index): pip would then install only from local files, which the firewall never sees");
  });

  it('a requirements file with --no-index and --find-links on one line names --find-links', async () => {
    const dir = await project();
    await writeFile(join(dir, 'requirements.txt'), 'tiny-lib==1.0\n--no-index --find-links ./wheels\n');
    const r = await run(dir, [], ['pip', 'install', '-r', 'requirements.txt']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('sscs: error: requirements.txt:2: names a package source (--find-links)');
  });

  it('a secret the install prints in two writes is redacted all the same', async () => {
    const dir = await project();
    const token = 'glpat-quickstart-0123456789';
    const halves = "const t = process.env.MY_TOKEN; process.stdout.write('token ' + t.slice(0, 9)); setTimeout(() => process.stdout.write(t.slice(9) + ' end\\n'), 300);";
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', UPSTREAM, '--', process.execPath, '-e', halves], { cwd: dir, env: { HOME: dir, MY_TOKEN: token } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('token [REDACTED] end\n');
    expect(r.stdout + r.stderr).not.toContain(token.slice(0, 9));
    expect(r.stdout + r.stderr).not.toContain(token.slice(9));
  });

  it('--help names every client it points at the firewall, and the exit codes', async () => {
    const r = await runCli(['firewall', 'run', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Run an install (npm, pnpm, yarn, pip, pipenv, uv) behind the firewall and report what it refused');
    for (const word of ['PIP_INDEX_URL', 'PIPENV_PYPI_MIRROR', 'UV_DEFAULT_INDEX', 'a poetry command that resolves or downloads packages', 'Exit 2: bad usage or input']) expect(r.stdout).toContain(word);
  });
});

/**
 * Poetry reads its sources from pyproject.toml and none of the PIP_* variables: before this check, `firewall run --
 * poetry install` exited 0 having fetched from pypi.org around the firewall. Each refused form stops before
 * anything runs (the stand-in `poetry` on PATH would leave a mark).
 */
describe('firewall run: poetry', () => {
  async function poetryProject(): Promise<string> {
    const dir = await project();
    await mkdir(join(dir, 'bin'));
    await writeFile(join(dir, 'bin', 'poetry'), "#!/bin/sh\ntouch install-ran\n", { mode: 0o755 });
    return dir;
  }
  const runPoetry = (dir: string, command: string[]) => runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', UPSTREAM, '--', ...command], { cwd: dir, env: { HOME: dir, PATH: `${join(dir, 'bin')}:${process.env.PATH}` } });
  const refused: [string, string[], string][] = [
    ['poetry install', ['poetry', 'install'], 'install'],
    ['poetry by its path, with options first', ['/usr/bin/poetry', '--no-ansi', '-C', '.', 'install', '--no-root'], 'install'],
    ['poetry add', ['poetry', 'add', 'requests'], 'add'],
    ['poetry update', ['poetry', 'update'], 'update'],
    ['poetry lock', ['poetry', 'lock', '--no-update'], 'lock'],
    ['poetry sync (poetry 2)', ['poetry', 'sync'], 'sync'],
    ['poetry remove', ['poetry', 'remove', 'requests'], 'remove'],
    ['poetry self add', ['poetry', 'self', 'add', 'poetry-plugin-export'], 'self'],
    ['poetry debug resolve', ['poetry', 'debug', 'resolve'], 'debug resolve'],
    ['poetry export (it locks when poetry.lock is missing)', ['poetry', 'export', '-f', 'requirements.txt', '--output', 'requirements.txt'], 'export'],
    ['-C naming a folder called run', ['poetry', '-C', 'run', 'install'], 'install'],
    ['a verb poetry 1.3 does not have (a plugin)', ['poetry', 'bundle', 'venv', 'out'], 'bundle'],
    ['poetry install after env', ['env', 'POETRY_VIRTUALENVS_IN_PROJECT=true', 'poetry', 'install'], 'install'],
    ['poetry install inside sh -c', ['sh', '-c', 'poetry install --no-root && echo done'], 'install'],
    ['poetry install through timeout', ['timeout', '600', 'poetry', 'install'], 'install'],
    ['python3 -m poetry install', ['python3', '-m', 'poetry', 'install'], 'install'],
    ['poetry install inside poetry run', ['poetry', 'run', 'poetry', 'update'], 'update'],
  ];
  for (const [name, command, verb] of refused) {
    it(`refuses ${name} with exit 2, naming it and a way that works, before anything runs`, async () => {
      const dir = await poetryProject();
      const r = await runPoetry(dir, command);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain(`'poetry ${verb}'`);
      expect(r.stderr).toContain('around the firewall');
      expect(r.stderr).toContain("sscs firewall run -- pip install -r requirements.txt");
      expect(r.stderr).toContain('poetry source add --default');
      expect(r.stderr).not.toContain('running');
      expect(await exists(join(dir, 'install-ran'))).toBe(false);
    });
  }

  it("poetry show --latest (it asks the sources) is refused; poetry show and poetry --version run", async () => {
    const dir = await poetryProject();
    const latest = await runPoetry(dir, ['poetry', 'show', '--latest']);
    expect(latest.exitCode, latest.stderr).toBe(2);
    expect(latest.stderr).toContain("'poetry show --latest' asks the sources");
    expect(await exists(join(dir, 'install-ran'))).toBe(false);
    for (const command of [['poetry', 'show', '--tree'], ['poetry', '--version'], ['poetry', 'env', 'info']]) {
      const r = await runPoetry(dir, command);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    expect(await exists(join(dir, 'install-ran'))).toBe(true);
  });

  it('poetry run pip install -r requirements.txt is still read as pip: its sources are checked', async () => {
    const dir = await poetryProject();
    await writeFile(join(dir, 'requirements.txt'), 'tiny-lib==1.0.0\n--find-links https://example.com/wheels/\n');
    for (const command of [['poetry', 'run', 'pip', 'install', '-r', 'requirements.txt'], ['python3', '-m', 'poetry', '--no-ansi', 'run', 'pip', 'install', '-r', 'requirements.txt']]) {
      const r = await runPoetry(dir, command);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('sscs: error: requirements.txt:2: names a package source (--find-links)');
    }
    expect(await exists(join(dir, 'install-ran'))).toBe(false);
  });
});
