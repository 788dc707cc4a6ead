/**
 * Help that is not help (review of firewall run, finding 1): `npm install -h --no-usag git+file://...` was read as
 * a help request, so the checks before the install (the command line's git and URL specs, npm's resolution) were
 * skipped; npm 11 expands `--no-usag` (nopt's unique prefix) to `--no-usage`, so it really installed the denied
 * git dependency and ran its postinstall. A command is now npm help only when every word but the verb is an exact
 * help or version flag: each spelling below is checked like an install, and the git dependency is refused up front.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { commitGitRepo } from '../support/git-repo.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { npmEnv } from '../support/verdaccio.js';

let reg: NpmRegistry;
let base: string;
let repoUrl: string;

beforeAll(async () => {
  reg = await startNpmRegistry();
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-help-spellings-'));
  const repo = join(base, 'evilrepo');
  await mkdir(repo);
  // The postinstall leaves a marker beside the project it is installed into (INIT_CWD): each test has its own.
  await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'evilrepo', version: '1.0.0', scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(require(\'path\').join(process.env.INIT_CWD, \'postinstall-ran\'), \'x\')"' } }));
  await writeFile(join(repo, 'index.js'), 'module.exports = 1;\n');
  repoUrl = await commitGitRepo(repo);
}, 60_000);
afterAll(async () => {
  await reg?.close();
});

const POLICY = 'version: 1\nrules:\n  - id: registry-only\n    when: { source: [git, url] }\n    action: deny\n    reason: only registry packages\n';

describe('firewall run: npm help flags beside other words are not help', () => {
  const spellings: string[][] = [
    ['install', '-h', '--no-usag'],
    ['install', '-h', '--usa', 'false'],
    ['install', '-?', '--no-usa'],
    ['install', '--usage', '--usag=false'],
    ['i', '--help', '--no-help'],
  ];
  for (const words of spellings) {
    it(`npm ${words.join(' ')} GIT-URL: the git dependency is refused before npm runs; nothing installed, no postinstall`, async () => {
      const dir = await mkdtemp(join(base, 'app-'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
      await writeFile(join(dir, 'policy.yml'), POLICY);
      const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', 'npm', ...words, repoUrl], {
        cwd: dir,
        env: npmEnv(reg.url, dir),
        timeoutMs: 120_000,
      });
      expect(r.stderr, r.stdout + r.stderr).toContain('sscs firewall: not running `npm');
      expect(r.stderr).toContain(`a git dependency from ${repoUrl} (the install command line): deny by registry-only`);
      expect(r.exitCode).toBe(1);
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      expect(existsSync(join(dir, 'postinstall-ran'))).toBe(false);
    }, 150_000);
  }
});
