import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmConfigFiles } from '../../helper/src/firewall/project-scopes.js';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';

/**
 * The .npmrc files `firewall run` reads must be the ones the client reads, read as the client reads them (review 5,
 * F9 and F1): a scope the client would fetch from EVIL is refused (exit 2) before anything runs. EVIL stands for an
 * outside registry holding the same names: a request there is a fetch around the firewall.
 */
const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));
const POLICY = 'version: 1\nmode: enforce\ndefault_action: allow\nrules: []\n';

let reg: NpmRegistry;
let evil: NpmRegistry;
let base: string;

beforeAll(async () => {
  [reg, evil] = await Promise.all([startNpmRegistry(), startNpmRegistry()]);
  for (const r of [reg, evil]) await r.publish({ name: '@evil/x', version: '1.0.0' });
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-npmrc-'));
}, 60_000);
afterAll(async () => {
  await Promise.all([reg?.close(), evil?.close()]);
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), text);
  }
  return dir;
}

const pkg = (deps: Record<string, string> = {}) => JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps });
const npmEnv = (dir: string): Record<string, string> => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, command: string[], env: Record<string, string> = npmEnv(dir)) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', ...command], { cwd: dir, env, timeoutMs: 120_000 });
const evilSeen = (since: number) => evil.requests.slice(since).map((r) => r.path);

describe('firewall run reads .npmrc as npm does (F9)', () => {
  for (const [spelling, line] of [
    ['a double-quoted key', (u: string) => `"@evil:registry" = ${u}/\n`],
    ['a single-quoted key and value', (u: string) => `'@evil:registry' = '${u}/'\n`],
    ['a line after a lone CR', (u: string) => `fund=false\r@evil:registry=${u}/\n`],
  ] as const) {
    it(`refuses a scope sent around the firewall by ${spelling}`, async () => {
      const dir = await project({ 'package.json': pkg({ '@evil/x': '1.0.0' }), '.npmrc': line(evil.url) });
      const since = evil.requests.length;
      const r = await run(dir, ['npm', 'install']);
      expect(evilSeen(since)).toEqual([]);
      expect(r.stderr).toContain(`.npmrc sends @evil to ${evil.url}/, but the firewall has no upstream for @evil`);
      expect(r.exitCode).toBe(2);
    }, 60_000);
  }
});

describe('firewall run reads the .npmrc of the folder the client works in (F1)', () => {
  const sub = () => project({ 'package.json': pkg(), 'sub/package.json': pkg({ '@evil/x': '1.0.0' }), 'sub/.npmrc': `@evil:registry=${evil.url}/\n` });
  for (const spelling of [['--prefix', 'sub'], ['--prefix=sub'], ['-C', 'sub'], ['--prefi', 'sub'], ['--C=sub']]) {
    it(`npm install ${spelling.join(' ')}: sub/.npmrc's scope is refused (exit 2)`, async () => {
      const dir = await sub();
      const since = evil.requests.length;
      const r = await run(dir, ['npm', 'install', ...spelling]);
      expect(evilSeen(since)).toEqual([]);
      expect(r.stderr).toContain(`${join(dir, 'sub', '.npmrc')} sends @evil to ${evil.url}/, but the firewall has no upstream for @evil`);
      expect(r.exitCode).toBe(2);
    }, 60_000);
  }

  it('npm ci -gC sub (a -C nopt may read among other short options) is refused (exit 2)', async () => {
    const dir = await sub();
    const r = await run(dir, ['npm', 'install', '-gC', 'sub']);
    expect(r.stderr).toContain('combines -C with other short options in `-gC`');
    expect(r.exitCode).toBe(2);
  }, 60_000);

  it('a scope the firewall routes is sent through it: npm install --prefix sub fetches @evil/x from the firewall only', async () => {
    const dir = await sub();
    const since = evil.requests.length;
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--upstream', `@evil=${reg.url}`, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', 'npm', 'install', '--prefix', 'sub'], { cwd: dir, env: npmEnv(dir), timeoutMs: 120_000 });
    expect(evilSeen(since)).toEqual([]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'sub/node_modules/@evil/x/package.json'), 'utf8')).version).toBe('1.0.0');
  }, 120_000);

  it('in a workspace folder npm reads the workspace root\'s .npmrc: its scope is refused (exit 2)', async () => {
    const dir = await project({ 'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'] }), '.npmrc': `@evil:registry=${evil.url}/\n`, 'packages/a/package.json': pkg({ '@evil/x': '1.0.0' }), 'packages/a/policy.yml': POLICY });
    const r = await run(join(dir, 'packages/a'), ['npm', 'install']);
    expect(r.stderr).toContain(`${join(dir, '.npmrc')} sends @evil to ${evil.url}/`);
    expect(r.exitCode).toBe(2);
  }, 60_000);

  it('pnpm -C sub and pnpm --dir=sub: sub/.npmrc is read (exit 2)', async () => {
    const dir = await sub();
    for (const spelling of [['-C', 'sub'], ['--dir=sub']]) {
      const r = await run(dir, [PNPM, ...spelling, 'install']);
      expect(r.stderr).toContain(`${join(dir, 'sub', '.npmrc')} sends @evil to ${evil.url}/`);
      expect(r.exitCode).toBe(2);
    }
  }, 60_000);

  it('yarn --cwd sub: sub/.yarnrc.yml is read (exit 2)', async () => {
    const dir = await project({ 'package.json': pkg(), 'sub/package.json': pkg({ '@evil/x': '1.0.0' }), 'sub/.yarnrc.yml': `npmScopes:\n  evil:\n    npmRegistryServer: "${evil.url}"\n` });
    const r = await run(dir, ['node', YARN, '--cwd', 'sub', 'install']);
    expect(r.stderr).toContain(`${join(dir, 'sub', '.yarnrc.yml')} sends @evil to ${evil.url}`);
    expect(r.exitCode).toBe(2);
  }, 60_000);

  it("yarn --cwd sub: a yarn 1 project there (no .yarnrc.yml, a v1 yarn.lock) is judged as yarn 1, though the working folder is yarn 4's (exit 2)", async () => {
    // yarn 1 takes a scope's registry from .npmrc over the environment: routing @evil through the firewall does not reach it.
    const dir = await project({ 'package.json': pkg(), '.yarnrc.yml': 'nodeLinker: node-modules\n', 'yarn.lock': '__metadata:\n  version: 8\n', 'sub/package.json': pkg({ '@evil/x': '1.0.0' }), 'sub/yarn.lock': '# yarn lockfile v1\n', 'sub/.npmrc': `@evil:registry=${evil.url}/\n` });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--upstream', `@evil=${evil.url}`, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', 'yarn', '--cwd', 'sub', 'install'], { cwd: dir, env: npmEnv(dir), timeoutMs: 60_000 });
    expect(r.stderr).toContain(`${join(dir, 'sub', '.npmrc')} sends @evil to ${evil.url}/, and yarn 1 takes that over the environment, around the firewall`);
    expect(r.exitCode).toBe(2);
  }, 60_000);

  it('env -u HOME npm ...: npm reads the user configuration firewall run read (the account\'s home, not unset)', async () => {
    expect(npmConfigFiles({}).userconfig).toBe(join(userInfo().homedir, '.npmrc'));
    const dir = await project({ 'package.json': pkg() });
    const r = await run(dir, ['env', '-u', 'HOME', 'npm', 'config', 'get', 'userconfig']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(userInfo().homedir, '.npmrc'));
  }, 60_000);
});
