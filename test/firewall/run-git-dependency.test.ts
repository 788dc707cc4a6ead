import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { commitGitRepo } from '../support/git-repo.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { npmEnv } from '../support/verdaccio.js';

/**
 * A git dependency behind `sscs firewall run`: npm clones it with git, never asking the firewall, so an install
 * that succeeds used to install a dependency the policy denies (exit 0). The lockfile (or, without one,
 * package.json) names it before the install: a denied one stops the run before npm starts.
 */
let reg: NpmRegistry;
let base: string;
let repoUrl: string;

beforeAll(async () => {
  reg = await startNpmRegistry();
  await reg.publish({ name: 'gitpkg', version: '0.9.0', publishedAt: new Date(Date.now() - 90 * 86_400_000) });
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-git-'));
  const repo = join(base, 'gitpkg');
  await mkdir(repo);
  await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'gitpkg', version: '1.0.0' }));
  await writeFile(join(repo, 'index.js'), 'module.exports = 1;\n');
  repoUrl = await commitGitRepo(repo);
}, 60_000);
afterAll(async () => {
  await reg?.close();
});

const POLICIES: Record<string, string> = {
  'registry-only.yml': 'version: 1\nrules:\n  - id: registry-only\n    when: { source: [git, url, file] }\n    action: deny\n    reason: only registry packages\n',
  'warn-git.yml': 'version: 1\nrules:\n  - id: git-noted\n    when: { source: [git] }\n    action: warn\n    reason: a git dependency\n',
};

async function project(lockfile: boolean): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { gitpkg: repoUrl } }));
  for (const [f, text] of Object.entries(POLICIES)) await writeFile(join(dir, f), text);
  if (lockfile) {
    const i = await execa('npm', ['install', '--package-lock-only', '--ignore-scripts'], { cwd: dir, env: npmEnv(reg.url, dir), extendEnv: false, reject: false, all: true, timeout: 120_000 });
    expect(i.exitCode, String(i.all)).toBe(0);
  }
  return dir;
}

const run = (dir: string, policy: string, install: string[]) =>
  runCli(['firewall', 'run', '--policy', policy, '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', 'npm', ...install, '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: npmEnv(reg.url, dir),
    timeoutMs: 120_000,
  });

describe('firewall run: a git dependency', () => {
  it('refuses to run npm ci when the lockfile takes a git dependency the policy denies (exit 1)', async () => {
    const dir = await project(true);
    const r = await run(dir, 'registry-only.yml', ['ci']);
    expect(r.stderr).toContain('sscs firewall: not running `npm ci --ignore-scripts --no-audit --no-fund`');
    expect(r.stderr).toMatch(/gitpkg@1\.0\.0: a git dependency from git\+file:\/\/\S+#[0-9a-f]{40} \(package-lock\.json\): deny by registry-only: only registry packages/);
    expect(r.stderr).toContain('was not run: the project takes gitpkg@1.0.0 (git, deny by registry-only) from outside the registry');
    expect(r.stderr).toContain('add a waiver for it to the policy file');
    expect(r.exitCode).toBe(1);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  }, 150_000);

  it('without a lockfile, refuses npm install by the git spec package.json declares (exit 1)', async () => {
    const dir = await project(false);
    const r = await run(dir, 'registry-only.yml', ['install']);
    expect(r.stderr).toContain(`gitpkg: a git dependency from ${repoUrl} (package.json dependencies): deny by registry-only`);
    expect(r.exitCode).toBe(1);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  }, 150_000);

  it('refuses npm install when package.json now takes from git what a stale lockfile locks from the registry (exit 1)', async () => {
    const dir = await mkdtemp(join(base, 'stale-'));
    for (const [f, text] of Object.entries(POLICIES)) await writeFile(join(dir, f), text);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { gitpkg: '^0.9.0' } }));
    const i = await execa('npm', ['install', '--package-lock-only', '--ignore-scripts'], { cwd: dir, env: npmEnv(reg.url, dir), extendEnv: false, reject: false, all: true, timeout: 120_000 });
    expect(i.exitCode, String(i.all)).toBe(0);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { gitpkg: repoUrl } }));
    const r = await run(dir, 'registry-only.yml', ['install']);
    expect(r.stderr).toContain(`gitpkg: a git dependency from ${repoUrl} (package.json dependencies): deny by registry-only`);
    expect(r.exitCode).toBe(1);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  }, 150_000);

  it('prints a warn decision and runs the install, which takes the dependency around the firewall (exit 0)', async () => {
    const dir = await project(true);
    const r = await run(dir, 'warn-git.yml', ['ci']);
    expect(r.stderr).toMatch(/gitpkg@1\.0\.0 from git\+file:\S+: a git dependency, not from the registry, so the firewall does not serve it; the policy says warn by git-noted/);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(existsSync(join(dir, 'node_modules', 'gitpkg', 'package.json'))).toBe(true);
  }, 150_000);
});
