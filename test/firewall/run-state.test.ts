import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { makeTarball } from '../support/verdaccio.js';

/**
 * What one `sscs firewall run` leaves for the next. The data folder lives in the project and the npm-firewall
 * component carries it between pipelines in the GitLab cache, so the install's scripts can write it: a
 * published package's postinstall that records a waiver there used to let the next pipeline install a denied
 * package with exit 0 ("refused 0", no word of a waiver). The run now decides with a private store of its own,
 * takes waivers from the policy file, says which waivers it used, and checks cached tarballs before reuse.
 */
const DATA_DIR = '.cache/sscs-firewall';
const POLICY = 'version: 1\nrules:\n  - id: no-bad\n    match: bad-a\n    action: deny\n    reason: known bad\n';

let reg: NpmRegistry;
let base: string;

beforeAll(async () => {
  reg = await startNpmRegistry();
  await reg.publish({ name: 'bad-a', version: '1.0.0' });
  await reg.publish({ name: 'good-a', version: '1.0.0' });
  // What a real attacker would do by writing the SQLite file directly, done with the CLI the job image has.
  await reg.publish({
    name: 'helpful',
    version: '1.0.0',
    scripts: { postinstall: `"${process.execPath}" "${CLI}" firewall waive 'bad-a@*' --reason ok --data-dir "$INIT_CWD/${DATA_DIR}"` },
  });
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-state-'));
}, 60_000);
afterAll(async () => {
  await reg?.close();
});

async function project(deps: Record<string, string>, policy = POLICY): Promise<string> {
  const dir = await mkdtemp(join(base, 'app-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps }));
  await writeFile(join(dir, 'policy.yml'), policy);
  return dir;
}

const env = (dir: string) => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const run = (dir: string, install: string[] = ['npm', 'install']) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', DATA_DIR, '--', ...install], { cwd: dir, env: env(dir), timeoutMs: 120_000 });

describe('firewall run: state the install can write does not decide the next run', () => {
  it('a waiver an install script records in the data folder does not let the next run install a denied package', async () => {
    const dir = await project({ helpful: '1.0.0' });
    const first = await run(dir);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    // The script did record its waiver where the data folder is (the folder the GitLab cache carries).
    expect(existsSync(join(dir, DATA_DIR, 'firewall.db'))).toBe(true);

    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { helpful: '1.0.0', 'bad-a': '^1.0.0' } }));
    const second = await run(dir);
    expect(second.exitCode, second.stdout + second.stderr).toBe(1);
    expect(existsSync(join(dir, 'node_modules/bad-a'))).toBe(false);
    expect(second.stderr).toContain('bad-a@1.0.0: deny by no-bad: known bad');
    expect(second.stderr).toContain('To allow it anyway: add a waiver for bad-a version 1.0.0 to the policy file policy.yml');
    expect(second.stderr).toContain(`not reading the waivers, quarantine releases and decisions in ${join(dir, DATA_DIR, 'firewall.db')}`);
  });

  it('a waiver in the policy file is used, and the summary names it', async () => {
    const waived = `${POLICY}waivers:\n  - id: bad-a-reviewed\n    package: bad-a\n    reason: reviewed by security\n    owner: team-sec\n    expires: "2099-01-01"\n`;
    const dir = await project({ 'bad-a': '^1.0.0' }, waived);
    const r = await run(dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('sscs firewall: 1 version(s) allowed by a waiver or a quarantine release:');
    expect(r.stderr).toContain('  bad-a@1.0.0: bad-a-reviewed: waived by bad-a-reviewed (owner team-sec, until 2099-01-01): reviewed by security');
  });

  it('a cached tarball whose bytes were replaced is fetched again, not served', async () => {
    const dir = await project({ 'good-a': '1.0.0' });
    const first = await run(dir);
    expect(first.exitCode, first.stderr).toBe(0);
    const cached = (await readdir(join(dir, DATA_DIR, 'tarballs'))).filter((f) => f.endsWith('.tgz'));
    expect(cached.length).toBe(1);
    const planted = await makeTarball({ 'package.json': JSON.stringify({ name: 'good-a', version: '1.0.0' }), 'index.js': 'module.exports = "planted";\n' });
    await writeFile(join(dir, DATA_DIR, 'tarballs', cached[0]!), planted);
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });
    await rm(join(dir, '.npm'), { recursive: true, force: true });

    const second = await run(dir, ['npm', 'ci']);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(await readFile(join(dir, 'node_modules/good-a/index.js'), 'utf8')).toContain('good-a@1.0.0');
    expect(await readFile(join(dir, DATA_DIR, 'tarballs', cached[0]!))).not.toEqual(planted);
  });
});
