import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
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
