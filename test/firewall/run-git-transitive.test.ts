import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { commitGitRepo } from '../support/git-repo.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';

/**
 * Git dependencies the up-front check of `sscs firewall run` could not see used to install with exit 0 under a
 * policy that denies git sources (no lockfile): a registry package's own git dependency, one a workspace member
 * declares, and a git spec on the install's command line. npm install now resolves first (scripts off) and each
 * is judged before anything runs; whatever still comes in is found in the lockfile after the install.
 */
let reg: NpmRegistry;
let base: string;
let repoUrl: string;
let marker: string;

const git = (args: string[], cwd: string) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd } });
const POLICY = 'version: 1\nrules:\n  - id: registry-only\n    when: { source: [git, url, file] }\n    action: deny\n    reason: only registry packages\n';

beforeAll(async () => {
  reg = await startNpmRegistry();
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-git-deep-'));
  marker = join(base, 'prepare-ran');
  const repo = join(base, 'gitpkg');
  await mkdir(repo);
  // Its prepare script is what npm runs when it fetches a git dependency: it must not run for a denied one.
  await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'gitpkg', version: '1.0.0', scripts: { prepare: `node -e "require('fs').writeFileSync('${marker}', '')"` } }));
  await writeFile(join(repo, 'index.js'), 'module.exports = 1;\n');
  repoUrl = await commitGitRepo(repo);
  await reg.publish({ name: 'wrapper', version: '1.0.0', dependencies: { gitpkg: repoUrl } });
  await reg.publish({ name: 'plain', version: '1.0.0' });
}, 60_000);
afterAll(async () => {
  await reg?.close();
});

async function project(pkg: Record<string, unknown>, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, ...pkg }));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), text);
  }
  return dir;
}

const env = (dir: string) => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, install: string[]) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', ...install], { cwd: dir, env: env(dir), timeoutMs: 120_000 });

describe('firewall run: git dependencies beyond the project\'s own package.json', () => {
  it('a registry package\'s own git dependency: npm install is refused before it runs, no script ran (exit 1)', async () => {
    const dir = await project({ dependencies: { wrapper: '1.0.0' } });
    const r = await run(dir, ['npm', 'install']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('sscs firewall: not running `npm install`');
    expect(r.stderr).toMatch(/gitpkg@1\.0\.0: a git dependency from git\+file:\/\/\S+ \(package-lock\.json\): deny by registry-only/);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(marker)).toBe(false);
    // The resolution's lockfile is not left behind: the project had none.
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(false);
  });

  it('after a -- (npm install -- wrapper): the resolution still runs first, and the git dependency is refused (exit 1)', async () => {
    // The resolution's own options used to follow the --, where npm read them as package specs and failed: the
    // install then ran, prepare and all, and only the check after it failed the job.
    const dir = await project({});
    const r = await run(dir, ['npm', 'install', '--', 'wrapper']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('sscs firewall: not running `npm install -- wrapper`');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('a workspace member\'s git dependency is refused before npm install runs (exit 1)', async () => {
    const dir = await project({ workspaces: ['packages/*'] }, { 'packages/w/package.json': JSON.stringify({ name: 'w', version: '1.0.0', dependencies: { gitpkg: repoUrl } }) });
    const r = await run(dir, ['npm', 'install']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(`gitpkg: a git dependency from ${repoUrl} (packages/w/package.json dependencies): deny by registry-only`);
    expect(existsSync(marker)).toBe(false);
  });

  it('a git spec on the command line is refused before npm install runs (exit 1)', async () => {
    const dir = await project({});
    const r = await run(dir, ['npm', 'install', repoUrl]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(`${repoUrl}: a git dependency from ${repoUrl} (the install command line): deny by registry-only`);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('an install run through a shell is checked after it, by the lockfile it wrote: the job fails (exit 1)', async () => {
    const dir = await project({ dependencies: { wrapper: '1.0.0' } });
    const r = await run(dir, ['sh', '-c', 'npm install --ignore-scripts']);
    expect(r.stderr).toContain("`sh -c 'npm install --ignore-scripts'` installed 1 dependency from outside the registry that the policy does not allow");
    expect(r.stderr).toMatch(/gitpkg@1\.0\.0: a git dependency from git\+file:\/\/\S+ \(node_modules\/\.package-lock\.json\): deny by registry-only/);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
  });

  it('workspaces and registry packages alone pass under the same policy, and the lockfile is npm install\'s own', async () => {
    const dir = await project({ workspaces: ['packages/*'], dependencies: { plain: '1.0.0' } }, { 'packages/w/package.json': JSON.stringify({ name: 'w', version: '1.0.0', dependencies: { plain: '1.0.0' } }) });
    const r = await run(dir, ['npm', 'install']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(existsSync(join(dir, 'node_modules/plain/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(true);
  });
});
