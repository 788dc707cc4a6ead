import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';

/**
 * Ways an install used to go around `sscs firewall run` with exit 0 (reproduced with real npm, pnpm and yarn 4):
 * the job's NPM_CONFIG_REGISTRY (npm reads npm_config_* in any case, and firewall run set only the lower-case
 * one), a scoped registry in upper case, `--registry` on the command line, an .npmrc that moves npm's user
 * configuration, and yarn berry rc files outside the project's own .yarnrc.yml (YARN_RC_FILENAME, a parent
 * folder, the home folder). EVIL is a second registry holding the same names; it must see no request.
 */
const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));
const POLICY = 'version: 1\nrules:\n  - id: no-bad\n    match: bad-a\n    action: deny\n    reason: known bad\n  - id: no-acme\n    match: { scope: acme }\n    action: deny\n    reason: frozen scope\n';

let reg: NpmRegistry;
let evil: NpmRegistry;
let base: string;

beforeAll(async () => {
  [reg, evil] = await Promise.all([startNpmRegistry(), startNpmRegistry()]);
  for (const r of [reg, evil]) {
    await r.publish({ name: 'bad-a', version: '1.0.0' });
    await r.publish({ name: '@acme/bad', version: '1.0.0' });
  }
  base = await mkdtemp(join(tmpdir(), 'sscs-fw-around-'));
}, 60_000);
afterAll(async () => {
  await Promise.all([reg?.close(), evil?.close()]);
});

async function project(deps: Record<string, string>, files: Record<string, string> = {}, parent = base): Promise<string> {
  const dir = await mkdtemp(join(parent, 'app-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: deps }));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

const npmEnv = (dir: string): Record<string, string> => ({ HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
const yarnEnv = (home: string): Record<string, string> => ({ HOME: home, YARN_ENABLE_MIRROR: 'false', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_NPM_MINIMAL_AGE_GATE: '0', YARN_NODE_LINKER: 'node-modules', YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_ENABLE_TELEMETRY: 'false' });

const run = (dir: string, command: string[], env: Record<string, string>) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--data-dir', join(dir, 'fw'), '--', ...command], { cwd: dir, env, timeoutMs: 120_000 });

const evilSeen = (since: number) => evil.requests.slice(since).map((r) => r.path);

describe('firewall run: client settings in the environment cannot route around the firewall', () => {
  it('NPM_CONFIG_REGISTRY in upper case: npm still asks the firewall, which refuses bad-a (exit 1)', async () => {
    const dir = await project({ 'bad-a': '^1.0.0' });
    const since = evil.requests.length;
    // A job's lower-case npm_config_registry comes first in its environment, the upper-case one after it: npm
    // takes the last spelling it meets, and the firewall's value used to replace the first one in place.
    const r = await run(dir, ['npm', 'install'], { npm_config_registry: `${reg.url}/`, ...npmEnv(dir), NPM_CONFIG_REGISTRY: `${evil.url}/` });
    expect(evilSeen(since)).toEqual([]);
    expect(r.stderr).toContain('bad-a@1.0.0: deny by no-bad');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(existsSync(join(dir, 'node_modules/bad-a'))).toBe(false);
  });

  it('a scoped registry in upper case (NPM_CONFIG_@ACME:REGISTRY) and a proxy are not the install\'s', async () => {
    const dir = await project({ '@acme/bad': '^1.0.0' });
    const since = evil.requests.length;
    const r = await run(dir, ['npm', 'install'], { ...npmEnv(dir), 'NPM_CONFIG_@ACME:REGISTRY': `${evil.url}/`, NPM_CONFIG_PROXY: evil.url, HTTP_PROXY: evil.url });
    expect(evilSeen(since)).toEqual([]);
    expect(r.stderr).toContain('@acme/bad@1.0.0: deny by no-acme');
    expect(r.exitCode, r.stderr).toBe(1);
  });

  it('pnpm with PNPM_CONFIG_REGISTRY and NPM_CONFIG_REGISTRY in upper case still asks the firewall', async () => {
    const dir = await project({ 'bad-a': '^1.0.0' });
    const since = evil.requests.length;
    const r = await run(dir, [PNPM, 'install', '--reporter=append-only'], { npm_config_registry: `${reg.url}/`, pnpm_config_registry: `${reg.url}/`, HOME: dir, CI: 'true', pnpm_config_minimum_release_age: '0', pnpm_config_store_dir: join(dir, '.store'), PNPM_CONFIG_REGISTRY: `${evil.url}/`, NPM_CONFIG_REGISTRY: `${evil.url}/` });
    expect(evilSeen(since)).toEqual([]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(existsSync(join(dir, 'node_modules/bad-a'))).toBe(false);
  });

  it('an .npmrc that moves npm\'s user configuration to a file naming another registry for a scope', async () => {
    const dir = await project({ '@acme/bad': '^1.0.0' }, { 'elsewhere.npmrc': `@acme:registry=${evil.url}/\n` });
    await writeFile(join(dir, '.npmrc'), `userconfig=${join(dir, 'elsewhere.npmrc')}\n`);
    const since = evil.requests.length;
    // npm reads the project's .npmrc as such only when it is not also the user's (HOME elsewhere).
    const r = await run(dir, ['npm', 'install'], { ...npmEnv(dir), HOME: await mkdtemp(join(base, 'home-')) });
    expect(evilSeen(since)).toEqual([]);
    expect(r.exitCode, r.stderr).toBe(1);
  });

  it('a scoped registry in the user\'s ~/.npmrc must have an upstream in the firewall (exit 2)', async () => {
    const dir = await project({ '@acme/bad': '^1.0.0' });
    const home = await mkdtemp(join(base, 'home-'));
    await writeFile(join(home, '.npmrc'), `@acme:registry=${evil.url}/\n`);
    const r = await run(dir, ['npm', 'install'], { ...npmEnv(dir), HOME: home });
    expect(r.stderr).toContain(`${join(home, '.npmrc')} sends @acme to ${evil.url}/, but the firewall has no upstream for @acme`);
    expect(r.exitCode).toBe(2);
  });
});

describe('firewall run: options on the install command line that route fetches', () => {
  for (const option of [['--registry', 'EVIL/'], ['--registry=EVIL/'], ['--@acme:registry=EVIL/'], ['--reg', 'EVIL/'], ['--userconfig=x'], ['--https-proxy=EVIL']]) {
    it(`refuses npm install ${option.join(' ').replace('EVIL', 'http://evil')} before anything runs (exit 2)`, async () => {
      const dir = await project({ 'bad-a': '^1.0.0' });
      const since = evil.requests.length;
      const r = await run(dir, ['npm', 'install', ...option.map((o) => o.replace('EVIL', evil.url))], npmEnv(dir));
      expect(r.stderr).toContain(`the install command sets '${option[0]!.split('=')[0]}', which would decide where the client fetches packages from`);
      expect(r.exitCode).toBe(2);
      expect(evilSeen(since)).toEqual([]);
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    });
  }

  it('refuses it inside a shell command too, and lets the install\'s other options through', async () => {
    const dir = await project({});
    const r = await run(dir, ['sh', '-c', `npm install "--registry=${evil.url}/"`], npmEnv(dir));
    expect(r.exitCode).toBe(2);
    const ok = await run(dir, ['npm', 'install', '--global-style', '--no-audit', '--prefer-online', '--omit=dev'], npmEnv(dir));
    expect(ok.exitCode, ok.stderr).toBe(0);
  });
});

describe('firewall run: yarn berry rc files beyond the project\'s .yarnrc.yml', () => {
  const SCOPE = () => `npmScopes:\n  acme:\n    npmRegistryServer: "${evil.url}"\n`;

  async function yarnProject(parent = base): Promise<string> {
    const dir = await project({ '@acme/bad': '^1.0.0' }, { 'yarn.lock': '' }, parent);
    return dir;
  }
  const expectRefused = async (r: Awaited<ReturnType<typeof run>>, file: string, since: number, dir: string) => {
    expect(r.stderr).toContain(`${file} sends @acme to ${evil.url}, around the firewall`);
    expect(r.exitCode).toBe(2);
    expect(evilSeen(since)).toEqual([]);
    expect(existsSync(join(dir, 'node_modules/@acme/bad'))).toBe(false);
  };

  it('YARN_RC_FILENAME names another rc file in the project (exit 2)', async () => {
    const dir = await yarnProject();
    await writeFile(join(dir, '.yarnrc-ci.yml'), SCOPE());
    const since = evil.requests.length;
    const r = await run(dir, [process.execPath, YARN, 'install'], { ...yarnEnv(dir), YARN_RC_FILENAME: '.yarnrc-ci.yml' });
    await expectRefused(r, join(dir, '.yarnrc-ci.yml'), since, dir);
  });

  it('an rc file in a parent folder (exit 2)', async () => {
    const parent = await mkdtemp(join(base, 'parent-'));
    await writeFile(join(parent, '.yarnrc.yml'), SCOPE());
    const dir = await yarnProject(parent);
    const since = evil.requests.length;
    const r = await run(dir, [process.execPath, YARN, 'install'], yarnEnv(dir));
    await expectRefused(r, join(parent, '.yarnrc.yml'), since, dir);
  });

  it('the home folder\'s .yarnrc.yml (exit 2)', async () => {
    const home = await mkdtemp(join(base, 'home-'));
    await writeFile(join(home, '.yarnrc.yml'), SCOPE());
    const dir = await yarnProject();
    const since = evil.requests.length;
    const r = await run(dir, [process.execPath, YARN, 'install'], yarnEnv(home));
    await expectRefused(r, join(home, '.yarnrc.yml'), since, dir);
  });

  it('a proxy in an rc file (exit 2)', async () => {
    const dir = await yarnProject();
    await writeFile(join(dir, '.yarnrc.yml'), `httpProxy: "${evil.url}"\n`);
    const r = await run(dir, [process.execPath, YARN, 'install'], yarnEnv(dir));
    expect(r.stderr).toContain('.yarnrc.yml sets httpProxy');
    expect(r.exitCode).toBe(2);
  });
});

describe('firewall run: the firewall\'s secrets stay out of the install', () => {
  it('no SSCS_* setting or secret and no PG* connection variable reaches the install command', async () => {
    const dir = await project({});
    const secrets: Record<string, string> = {
      PGPASSWORD: 'pg-secret-1', PGPASSFILE: '/secret/pgpass-2', PGHOST: 'db.secret-3', PGUSER: 'replica-secret-4', PGSERVICEFILE: '/secret/service-5',
      SSCS_FIREWALL_WEBHOOK_SECRET: 'webhook-secret-6', sscs_firewall_database: 'postgres://replica:pw-secret-7@db/x', SSCS_FIREWALL_UPSTREAM_TOKEN: 'upstream-secret-8',
      SSCS_FIREWALL_ADMIN_TOKEN_FILE: join(base, 'admin-token-secret-10'),
    };
    await writeFile(secrets.SSCS_FIREWALL_ADMIN_TOKEN_FILE!, 'admin-secret-9-0123456789abcdef0123456789abcdef\n');
    const r = await run(dir, ['sh', '-c', 'env'], { ...npmEnv(dir), ...secrets });
    expect(r.exitCode, r.stderr).toBe(0);
    // The install did get the firewall's own settings, so the command's environment is the one shown.
    expect(r.stdout).toMatch(/^npm_config_registry=http:\/\/127\.0\.0\.1:\d+\/$/m);
    expect(r.stdout).toMatch(/^SSCS_FIREWALL_REGISTRY=/m);
    expect(r.stdout + r.stderr).not.toContain('admin-secret-9');
    for (const [k, v] of Object.entries(secrets)) {
      expect(r.stdout + r.stderr, k).not.toContain(v);
      expect(r.stdout, k).not.toMatch(new RegExp(`^${k}=`, 'mi'));
    }
  });
});
