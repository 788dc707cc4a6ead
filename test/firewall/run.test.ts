import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';

const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-run-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'run', version: '1.0.0', private: true, dependencies: { 'good-a': '^1.0.0' } }));
  await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: hold-new\n    match: "pkg:npm/good-a@1.1.0"\n    action: quarantine\n');
  return dir;
}

const version = async (dir: string) => (JSON.parse(await readFile(join(dir, 'node_modules/good-a/package.json'), 'utf8')) as { version: string }).version;

describe('sscs firewall run', () => {
  let v: Verdaccio;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.seedVersions('good-a', ['1.0.0', '1.1.0']);
  });
  afterAll(async () => v?.close());

  it('points pnpm at the firewall through the environment alone', async () => {
    const dir = await project();
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--', PNPM, 'install', '--reporter=append-only'], {
      cwd: dir,
      env: { HOME: dir, pnpm_config_minimum_release_age: '0', pnpm_config_store_dir: join(dir, '.store'), CI: 'true' },
    });
    expect(r.stderr).toContain('served 1 package version(s), refused 0');
    expect(r.exitCode).toBe(0);
    expect(await version(dir)).toBe('1.0.0');
  });

  it('points yarn 4 at the firewall over plain http', async () => {
    const dir = await project();
    await writeFile(join(dir, 'yarn.lock'), '');
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--', process.execPath, YARN, 'install'], {
      cwd: dir,
      env: { HOME: dir, YARN_ENABLE_MIRROR: 'false', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_NPM_MINIMAL_AGE_GATE: '0', YARN_NODE_LINKER: 'node-modules', YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_ENABLE_TELEMETRY: 'false' },
    });
    expect(r.stderr).toContain('served 1 package version(s), refused 0');
    expect(r.exitCode).toBe(0);
    expect(await version(dir)).toBe('1.0.0');
  });

  it('exits 2 when the command fails on its own, and 2 for a missing command', async () => {
    const dir = await project();
    const failed = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--', process.execPath, '-e', 'process.exit(3)'], { cwd: dir });
    expect(failed.exitCode).toBe(2);
    expect(failed.stderr).toContain('exited with 3 (the firewall refused nothing)');
    const missing = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url], { cwd: dir });
    expect(missing.exitCode).toBe(2);
  });
});

describe('sscs firewall run tells which version was refused', () => {
  let v: Verdaccio;
  let integrity: Record<string, string>;
  const POLICY = 'version: 1\nrules:\n  - id: deny-bad-release\n    match: "pkg:npm/good-a@1.1.0"\n    action: deny\n    reason: known bad release\n  - id: no-nightlies\n    match: nightly-pkg\n    action: deny\n';
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.seedVersions('good-a', ['1.0.0', '1.1.0']);
    await v.seedVersions('nightly-pkg', ['1.0.0', '2.0.0-nightly.20260101']);
    const docs = await Promise.all(['good-a', 'nightly-pkg'].map(async (n) => (await (await fetch(`${v.url}/${n}`)).json()) as { versions: Record<string, { dist: { integrity: string } }> }));
    integrity = Object.fromEntries(docs.flatMap((d, i) => Object.entries(d.versions).map(([ver, m]) => [`${['good-a', 'nightly-pkg'][i]}@${ver}`, m.dist.integrity])));
  });
  afterAll(async () => v?.close());

  /** A project whose lockfile (no `resolved`, as npm writes with omit-lockfile-registry-resolved) locks `deps`. */
  async function lockedProject(deps: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-run-locked-'));
    const ranges = Object.fromEntries(Object.keys(deps).map((n) => [n, '*']));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'run', version: '1.0.0', private: true, dependencies: ranges }));
    const packages: Record<string, unknown> = { '': { name: 'run', version: '1.0.0', dependencies: ranges } };
    for (const [n, ver] of Object.entries(deps)) packages[`node_modules/${n}`] = { version: ver, integrity: integrity[`${n}@${ver}`], license: 'MIT' };
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'run', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
    await writeFile(join(dir, 'policy.yml'), POLICY);
    return dir;
  }
  const npmEnvFor = (dir: string) => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });

  it('npm ci with a denied locked version: exit 1, the version, the rule and the way out, in every report', async () => {
    const dir = await lockedProject({ 'good-a': '1.1.0' });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--output', 'report.json', '--junit', 'junit.xml', '--gitlab-report', 'gl.json', '--', 'npm', 'ci'], { cwd: dir, env: npmEnvFor(dir) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (locked). To allow it anyway: add a waiver for good-a version 1.1.0 to the policy file policy.yml');
    expect(r.stderr).toContain('`npm ci` failed: the firewall refused good-a@1.1.0');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { packages: { name: string; version: string; decision: string; rule: string; direct: boolean }[] };
    expect(report.packages).toContainEqual(expect.objectContaining({ name: 'good-a', version: '1.1.0', decision: 'deny', rule: 'deny-bad-release', direct: true }));
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toMatch(/good-a@1\.1\.0[\s\S]*deny-bad-release/);
    expect(await readFile(join(dir, 'gl.json'), 'utf8')).toMatch(/good-a[\s\S]*1\.1\.0[\s\S]*deny-bad-release/);
  });

  it('npm ci cannot go around the firewall through a lockfile that names the upstream itself', async () => {
    const dir = await lockedProject({ 'good-a': '1.1.0' });
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8'));
    lock.packages['node_modules/good-a'].resolved = `${v.url}/good-a/-/good-a-1.1.0.tgz`;
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify(lock));
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--', 'npm', 'ci'], { cwd: dir, env: npmEnvFor(dir) });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('good-a@1.1.0 is denied by rule deny-bad-release');
  });

  it('fails the job when npm installs a denied locked version from its own cache', async () => {
    // npm takes a locked tarball from its cache by integrity without asking any registry, so the install
    // succeeds; the up-front decision still refuses the version, and the job must fail on it.
    const dir = await lockedProject({ 'good-a': '1.1.0' });
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8'));
    lock.packages['node_modules/good-a'].resolved = `${v.url}/good-a/-/good-a-1.1.0.tgz`;
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify(lock));
    await writeFile(join(dir, 'allow.yml'), 'version: 1\ndefault_action: allow\nrules: []\n');
    const warm = await runCli(['firewall', 'run', '--policy', 'allow.yml', '--upstream', v.url, '--data-dir', 'fw-warm', '--', 'npm', 'ci'], { cwd: dir, env: npmEnvFor(dir) });
    expect(warm.exitCode, warm.stderr).toBe(0);
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--data-dir', 'fw data', '--junit', 'junit.xml', '--', 'npm', 'ci'], { cwd: dir, env: npmEnvFor(dir) });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('the firewall refused good-a@1.1.0, yet `npm ci` succeeded');
    // The way out is the policy file: the run reads no waiver from its data folder, which the install can write.
    expect(r.stderr).toContain('To allow it anyway: add a waiver for good-a version 1.1.0 to the policy file policy.yml');
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toMatch(/good-a@1\.1\.0[\s\S]*deny-bad-release/);
  });

  it('names the locked version, not the newest nightly, when every version is refused', async () => {
    const dir = await lockedProject({ 'nightly-pkg': '1.0.0' });
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--', 'npm', 'ci'], { cwd: dir, env: npmEnvFor(dir) });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('no version of nightly-pkg is allowed. nightly-pkg@1.0.0 is denied by rule no-nightlies');
    expect(r.stdout).not.toContain('nightly-pkg@2.0.0-nightly');
    expect(r.stderr).toContain('nightly-pkg@1.0.0: deny by no-nightlies: matches rule no-nightlies (locked).');
  });

  it('reports what the install adds beyond its lockfile like a project without one', async () => {
    const dir = await lockedProject({ 'nightly-pkg': '1.0.0' });
    await writeFile(join(dir, 'policy.yml'), POLICY.replace('match: nightly-pkg', 'match: other-pkg'));
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--', 'npm', 'install', 'good-a@1.1.0'], { cwd: dir, env: npmEnvFor(dir) });
    expect(r.stdout).toContain('ETARGET');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (filtered from a packument the install fetched).');
  });

  it('without a lockfile, reports the versions filtered from what the install fetched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-run-unlocked-'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'run', version: '1.0.0', private: true, dependencies: { 'good-a': '1.1.0' } }));
    await writeFile(join(dir, 'policy.yml'), POLICY);
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', v.url, '--output', 'report.json', '--', 'npm', 'install'], { cwd: dir, env: npmEnvFor(dir) });
    expect(r.stdout).toContain('ETARGET');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('filtered 1 version(s) from the packuments the install fetched');
    expect(r.stderr).toContain('good-a@1.1.0: deny by deny-bad-release: known bad release: matches rule deny-bad-release (filtered from a packument the install fetched).');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { packages: { name: string; version: string; decision: string }[] };
    expect(report.packages).toContainEqual(expect.objectContaining({ name: 'good-a', version: '1.1.0', decision: 'deny' }));
  });
});
