import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { runWayOut } from '../../helper/src/firewall/run-report.js';

/**
 * What npm prints of the firewall's 403 under `sscs firewall run`. npm shows the body's `error` to the user, and
 * it used to say `sscs firewall waive NAME@VERSION`, which writes a store this mode does not read (run.ts
 * privateState): the job log's own lines said to add a waiver to the policy file. The 403 now gives the same way
 * out as the run's summary; `firewall serve` keeps the CLI's (clients.test.ts). Text the upstream controls (a
 * deprecation message) reaches npm's output escaped: no terminal escape, no forged line.
 */
const ESC = '\u001b';
const POLICY = 'version: 1\nrules:\n  - id: no-two\n    match: "pkg:npm/two-c@2.0.0"\n    action: deny\n  - id: no-bad\n    match: bad-a\n    action: deny\n    reason: known bad\n  - id: no-deprecated\n    when: { deprecated: true }\n    action: deny\n';

let reg: NpmRegistry;
beforeAll(async () => {
  reg = await startNpmRegistry();
  await reg.publish({ name: 'bad-a', version: '1.0.0' });
  await reg.publish({ name: 'two-c', version: '1.0.0' });
  await reg.publish({ name: 'two-c', version: '2.0.0' });
  await reg.publish({ name: 'old-b', version: '1.0.0', deprecated: `gone${ESC}[2J${ESC}]0;owned\u0007\nnpm error fake line` });
}, 60_000);
afterAll(async () => {
  await reg?.close();
});

async function project(deps: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-block-msg-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps }));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  return dir;
}
const env = (dir: string) => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, install = ['npm', 'install']) => runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--', ...install], { cwd: dir, env: env(dir), timeoutMs: 120_000 });

describe('firewall run: the 403 npm prints', () => {
  it('names the way out that works in this mode (a waiver in the policy file), not sscs firewall waive', async () => {
    const dir = await project({ 'bad-a': '^1.0.0' });
    const r = await run(dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    // npm's own error lines, from the 403's body.
    const npm = r.stdout.split('\n').filter((l) => l.startsWith('npm error')).join('\n');
    expect(npm).toContain('sscs firewall: no version of bad-a is allowed. bad-a@1.0.0 is denied by rule no-bad: known bad: matches rule no-bad.');
    expect(npm).toContain('To allow it anyway: add a waiver for bad-a version 1.0.0 to the policy file policy.yml');
    expect(r.stdout + r.stderr).not.toContain('sscs firewall waive');
  });

  it('names it for a refused tarball too (a lockfile pins the denied version, with its tarball URL, of a package that has an allowed one)', async () => {
    const dir = await project({ 'two-c': '2.0.0' });
    const doc = (await (await fetch(`${reg.url}/two-c`)).json()) as { versions: Record<string, { dist: { integrity: string } }> };
    const packages = { '': { name: 'app', version: '1.0.0', dependencies: { 'two-c': '2.0.0' } }, 'node_modules/two-c': { version: '2.0.0', resolved: `${reg.url}/two-c/-/two-c-2.0.0.tgz`, integrity: doc.versions['2.0.0']!.dist.integrity } };
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
    const r = await run(dir, ['npm', 'ci']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    const npm = r.stdout.split('\n').filter((l) => l.startsWith('npm error')).join('\n');
    expect(npm).toMatch(/GET \S+\/two-c\/-\/two-c-2\.0\.0\.tgz - sscs firewall: two-c@2\.0\.0 is denied by rule no-two: matches rule no-two\. To allow it anyway: add a waiver for two-c version 2\.0\.0 to the policy file policy\.yml$/m);
    expect(r.stdout + r.stderr).not.toContain('sscs firewall waive');
  });

  it('escapes what the upstream wrote (a deprecation message with terminal escapes and a newline)', async () => {
    const dir = await project({ 'old-b': '^1.0.0' });
    const r = await run(dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all).toContain('old-b@1.0.0 is denied by rule no-deprecated: deprecated: gone\\x1b[2J\\x1b]0;owned\\x07\\x0anpm error fake line.');
    expect(all).not.toContain(ESC);
    expect(all).not.toContain('\u0007');
    expect(all).not.toMatch(/^npm error fake line/m);
  });
});

describe('firewall run: the way out with a shared database', () => {
  const deny = { action: 'deny' as const, rule: 'r', reason: 'x' };
  const pkg = { ecosystem: 'npm' as const, name: 'bad-a', version: '1.0.0' };
  it("is the CLI's waive on that database (--database as given; nothing more from SSCS_FIREWALL_DATABASE), else the policy file", () => {
    expect(runWayOut('policy.yml', { flag: 'postgres://fw@db:5432/fw' })(pkg, deny)).toBe(' To allow it anyway: sscs firewall waive bad-a@1.0.0 --database postgres://fw@db:5432/fw --reason "..." (or add a waiver to the policy file)');
    expect(runWayOut('policy.yml', {})(pkg, deny)).toBe(' To allow it anyway: sscs firewall waive bad-a@1.0.0 --reason "..." (or add a waiver to the policy file)');
    expect(runWayOut('my policy.yml', undefined)(pkg, deny)).toBe(' To allow it anyway: add a waiver for bad-a version 1.0.0 to the policy file my policy.yml');
  });
});
