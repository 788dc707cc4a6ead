import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockFolders } from '../../helper/src/firewall/client-folders.js';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';

/**
 * The versions `firewall run` checks before the install are the ones the install will use: the lockfile of the
 * folder the client works in (`npm --prefix sub ci` installs sub/package-lock.json), not the working folder's. The
 * sharpest case is npm's cache: a locked tarball in it is installed by its integrity without any request, so only
 * the check up front can refuse it.
 */
const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));
const POLICY = 'version: 1\nrules:\n  - id: deny-bad-release\n    match: "pkg:npm/good-a@1.1.0"\n    action: deny\n    reason: known bad release\n';
const ALLOW = 'version: 1\ndefault_action: allow\nrules: []\n';

let reg: NpmRegistry;
let base: string;
let integrity: Record<string, string>;

beforeAll(async () => {
  reg = await startNpmRegistry();
  // Published long ago: yarn 4 holds back versions younger than its npmMinimalAgeGate.
  for (const version of ['1.0.0', '1.1.0']) await reg.publish({ name: 'good-a', version, publishedAt: new Date(Date.UTC(2025, 0, 1)) });
  const doc = (await (await fetch(`${reg.url}/good-a`)).json()) as { versions: Record<string, { dist: { integrity: string } }> };
  integrity = Object.fromEntries(Object.entries(doc.versions).map(([v, m]) => [v, m.dist.integrity]));
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-folders-'));
}, 60_000);
afterAll(async () => {
  await reg?.close();
  await rm(base, { recursive: true, force: true });
});

/** package.json and a package-lock.json (as npm writes it without `resolved`) locking good-a at VERSION, in FOLDER. */
async function lockedIn(folder: string, version: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const deps = { 'good-a': '*' };
  await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps }));
  const packages = { '': { name: 'app', version: '1.0.0', dependencies: deps }, 'node_modules/good-a': { version, integrity: integrity[version], license: 'MIT' } };
  await writeFile(join(folder, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
}

/** A project whose own lockfile locks good-a@ROOT and whose folder `sub` locks good-a@SUB. */
async function twoLocks(root: string, sub: string): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await lockedIn(dir, root);
  await lockedIn(join(dir, 'sub'), sub);
  await writeFile(join(dir, 'policy.yml'), POLICY);
  await writeFile(join(dir, 'allow.yml'), ALLOW);
  return dir;
}

const npmEnv = (dir: string): Record<string, string> => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, command: string[], policy = 'policy.yml', extra: string[] = []) =>
  runCli(['firewall', 'run', '--policy', policy, '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), ...extra, '--', ...command], { cwd: dir, env: npmEnv(dir), timeoutMs: 120_000 });
const installed = async (folder: string) => (JSON.parse(await readFile(join(folder, 'node_modules/good-a/package.json'), 'utf8')) as { version: string }).version;

describe("firewall run checks the lockfile of the folder npm installs (--prefix)", () => {
  for (const spelling of [['--prefix', 'sub', 'ci'], ['ci', '--prefix=sub'], ['-C', 'sub', 'ci']]) {
    it(`npm ${spelling.join(' ')}: sub's denied locked version is refused up front (locked), though the working folder's lockfile is clean`, async () => {
      const dir = await twoLocks('1.0.0', '1.1.0');
      const r = await run(dir, ['npm', ...spelling], 'policy.yml', ['--output', 'report.json']);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked).');
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { sources: string[]; packages: { name: string; version: string }[] };
      expect(report.sources).toContain('sub/package-lock.json');
      expect(report.sources).not.toContain('package-lock.json');
      expect(report.packages.map((p) => `${p.name}@${p.version}`)).toEqual(['good-a@1.1.0']);
    }, 120_000);
  }

  it('npm --prefix sub ci from a warm npm cache: the denied version npm takes from its cache still fails the job', async () => {
    const dir = await twoLocks('1.0.0', '1.1.0');
    // With `resolved` (the upstream's URL), npm takes the tarball from its cache by integrity, asking nobody.
    const lock = JSON.parse(await readFile(join(dir, 'sub/package-lock.json'), 'utf8'));
    lock.packages['node_modules/good-a'].resolved = `${reg.url}/good-a/-/good-a-1.1.0.tgz`;
    await writeFile(join(dir, 'sub/package-lock.json'), JSON.stringify(lock));
    const warm = await run(dir, ['npm', '--prefix', 'sub', 'ci'], 'allow.yml');
    expect(warm.exitCode, warm.stderr).toBe(0);
    await rm(join(dir, 'sub/node_modules'), { recursive: true, force: true });
    const since = reg.requests.length;
    const r = await run(dir, ['npm', '--prefix', 'sub', 'ci']);
    // npm asked no registry for the tarball: only the check up front knew what it installed.
    expect(reg.requests.slice(since).filter((q) => q.path.endsWith('.tgz'))).toEqual([]);
    expect(await installed(join(dir, 'sub'))).toBe('1.1.0');
    expect(r.stderr).toContain('the firewall refused good-a@1.1.0, yet `npm --prefix sub ci` succeeded');
    expect(r.exitCode, r.stderr).toBe(1);
  }, 120_000);

  it("npm --prefix sub ci does not refuse what only the working folder's lockfile locks", async () => {
    const dir = await twoLocks('1.1.0', '1.0.0');
    const r = await run(dir, ['npm', '--prefix', 'sub', 'ci']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await installed(join(dir, 'sub'))).toBe('1.0.0');
    expect(r.stderr).not.toContain('good-a@1.1.0');
  }, 120_000);

  it('npm ci without --prefix still checks the working folder\'s lockfile', async () => {
    const dir = await twoLocks('1.1.0', '1.0.0');
    const r = await run(dir, ['npm', 'ci']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked).');
  }, 120_000);

  it('npm ci in a workspace member folder checks the workspace root\'s lockfile, which npm installs', async () => {
    const dir = await mkdtemp(join(base, 'ws-'));
    await lockedIn(dir, '1.1.0');
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, workspaces: ['packages/*'] }));
    await mkdir(join(dir, 'packages/a'), { recursive: true });
    await writeFile(join(dir, 'packages/a/package.json'), JSON.stringify({ name: 'a', version: '1.0.0' }));
    await writeFile(join(dir, 'packages/a/policy.yml'), POLICY);
    const r = await run(join(dir, 'packages/a'), ['npm', 'ci']);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked).');
    expect(r.exitCode, r.stderr).toBe(1);
  }, 120_000);
});

describe('firewall run checks the lockfile of the folder pnpm and yarn install (-C, --cwd)', () => {
  /** sub's lockfile, written by CLIENT itself through the firewall under the allow-all policy, locks good-a@1.1.0. */
  async function clientLocked(client: string[], folder: string[]): Promise<string> {
    const dir = await twoLocks('1.0.0', '1.0.0');
    await rm(join(dir, 'sub/package-lock.json'));
    await writeFile(join(dir, 'sub/package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'good-a': '1.1.0' } }));
    // yarn berry takes sub as a project of its own only with a yarn.lock there (else the root's package.json is it).
    if (folder[0] === '--cwd') await writeFile(join(dir, 'sub/yarn.lock'), '');
    const first = await run(dir, [...client, ...folder, 'install'], 'allow.yml');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    await rm(join(dir, 'sub/node_modules'), { recursive: true, force: true });
    return dir;
  }

  it("pnpm -C sub install --frozen-lockfile: sub/pnpm-lock.yaml's denied version is refused up front (locked)", async () => {
    const dir = await clientLocked([PNPM, '--store-dir', 'store'], ['-C', 'sub']);
    const r = await run(dir, [PNPM, '--store-dir', 'store', '-C', 'sub', 'install', '--frozen-lockfile'], 'policy.yml', ['--output', 'report.json']);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked).');
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { sources: string[] };
    expect(report.sources).toContain('sub/pnpm-lock.yaml');
  }, 180_000);

  it("yarn --cwd sub install: sub/yarn.lock's denied version is refused up front (locked)", async () => {
    const dir = await clientLocked(['node', YARN], ['--cwd', 'sub']);
    const r = await run(dir, ['node', YARN, '--cwd', 'sub', 'install', '--immutable'], 'policy.yml', ['--output', 'report.json']);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked).');
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { sources: string[] };
    expect(report.sources).toContain('sub/yarn.lock');
  }, 180_000);
});

describe("firewall run reads sh -c 'cd DIR && COMMAND' as COMMAND run in DIR", () => {
  it("sh -c 'cd sub && npm ci': sub's denied locked version is refused up front (locked)", async () => {
    const dir = await twoLocks('1.0.0', '1.1.0');
    const r = await run(dir, ['sh', '-c', 'cd sub && npm ci']);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked).');
    expect(r.exitCode, r.stderr).toBe(1);
  }, 120_000);

  it("sh -c 'cd sub && npm ci' installs sub's lockfile and is not refused for the working folder's", async () => {
    const dir = await twoLocks('1.1.0', '1.0.0');
    const r = await run(dir, ['sh', '-c', 'cd sub && npm ci']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await installed(join(dir, 'sub'))).toBe('1.0.0');
  }, 120_000);

  it("sh -c 'cd sub && npm install': sub/.npmrc's scope sent around the firewall is refused before anything runs (exit 2)", async () => {
    const evil = await startNpmRegistry();
    try {
      await evil.publish({ name: '@evil/x', version: '1.0.0' });
      const dir = await twoLocks('1.0.0', '1.0.0');
      await writeFile(join(dir, 'sub/.npmrc'), `@evil:registry=${evil.url}/\n`);
      const r = await run(dir, ['sh', '-c', 'cd sub && npm install @evil/x']);
      expect(evil.requests).toEqual([]);
      expect(r.stderr).toContain(`${join(dir, 'sub', '.npmrc')} sends @evil to ${evil.url}/, but the firewall has no upstream for @evil`);
      expect(r.exitCode).toBe(2);
    } finally {
      await evil.close();
    }
  }, 120_000);

  it("sh -c 'cd sub && pip install -r requirements.txt': sub's requirements file is the one checked (exit 2 for its source)", async () => {
    const dir = await twoLocks('1.0.0', '1.0.0');
    await writeFile(join(dir, 'sub/requirements.txt'), '--index-url http://127.0.0.1:9/simple/\nsix==1.16.0\n');
    const r = await run(dir, ['sh', '-c', 'cd sub && pip install -r requirements.txt']);
    expect(r.stderr).toContain('sub/requirements.txt:1: names a package source (--index-url)');
    expect(r.exitCode).toBe(2);
  }, 60_000);

  it("sh -c 'command export npm_config_registry=URL && npm install' is refused: command runs the builtin all the same (exit 2)", async () => {
    const evil = await startNpmRegistry();
    try {
      await evil.publish({ name: 'good-a', version: '1.1.0', publishedAt: new Date(Date.UTC(2025, 0, 1)) });
      const dir = await twoLocks('1.0.0', '1.0.0');
      for (const script of [`command export npm_config_registry=${evil.url}/ && npm install good-a@1.1.0`, `exec command cd sub && npm ci`]) {
        const r = await run(dir, ['sh', '-c', script]);
        expect(r.stderr, script).toMatch(/runs the shell builtin 'export'|cd comes after another command, or through exec or command/);
        expect(r.exitCode, script).toBe(2);
      }
      expect(evil.requests).toEqual([]);
    } finally {
      await evil.close();
    }
  }, 60_000);

  for (const [script, message] of [
    ['cd ../outside && npm ci', "`cd ../outside` goes through '..'"],
    ['cd $X && npm ci', 'cd takes its folder from a variable'],
    ['cd sub; npm ci', "cd is joined to the next command by something other than '&&'"],
    ['cd sub && npm ci && curl -fsS http://127.0.0.1:9/x', 'cd is followed by 2 commands'],
  ]) {
    it(`sh -c '${script}' is refused before anything runs (exit 2)`, async () => {
      const dir = await twoLocks('1.0.0', '1.0.0');
      const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--', 'sh', '-c', script], { cwd: dir, env: { ...npmEnv(dir), X: 'sub' }, timeoutMs: 60_000 });
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("firewall run reads a change of folder only as the whole shell string 'cd DIR && COMMAND'");
      expect(r.exitCode).toBe(2);
      await expect(readFile(join(dir, 'sub/node_modules/good-a/package.json'))).rejects.toThrow();
    }, 60_000);
  }
});

describe('lockFolders: which folders the install takes its lockfiles from', () => {
  it('names the folder of each client as it works, and the working folder for any other program', async () => {
    const dir = await mkdtemp(join(base, 'unit-'));
    await lockedIn(join(dir, 'a'), '1.0.0');
    await lockedIn(join(dir, 'b'), '1.0.0');
    await writeFile(join(dir, 'pnpm-workspace.yaml'), 'packages: [b]\n');
    const env = { HOME: dir };
    const folders = (argv: string[], cwd?: string) => lockFolders(dir, [{ argv, env, ...(cwd ? { cwd } : {}) }]);
    expect(await folders(['npm', '--prefix', 'a', '--prefix=b', 'ci'])).toEqual([join(dir, 'b')]);
    expect(await folders(['node', '/opt/npm/bin/npm-cli.js', 'ci', '-C', 'a'])).toEqual([join(dir, 'a')]);
    expect(await folders(['npm', 'ci'], join(dir, 'a'))).toEqual([join(dir, 'a')]);
    expect(await folders(['pnpm', '--dir', 'b', 'install'])).toEqual([join(dir, 'b'), dir]);
    expect(await folders(['yarn', '--cwd', 'a', 'install'])).toEqual([join(dir, 'a')]);
    // A client's name among another program's words is not that client.
    await mkdir(join(dir, 'py'));
    await writeFile(join(dir, 'package.json'), '{}');
    expect(await folders(['pip', 'install', 'npm'], join(dir, 'py'))).toEqual([join(dir, 'py')]);
    expect(await folders(['make', 'npm', '--prefix', 'b'])).toEqual([dir]);
    // A wrapper's folder is its command's.
    expect(await lockFolders(dir, [{ argv: ['timeout', '60', 'npm', '--prefix', 'a', 'ci'], env, wraps: true }, { argv: ['npm', '--prefix', 'a', 'ci'], env }])).toEqual([join(dir, 'a')]);
  });
});
