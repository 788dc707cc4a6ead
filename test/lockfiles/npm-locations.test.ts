import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonCanonicalLocation } from '../../helper/src/lockfiles/npm-locations.js';
import { runCli } from '../support/cli.js';
import { npmInstall } from '../support/npm-clients.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { npmEnv } from '../support/verdaccio.js';

/**
 * npm places a `packages` entry at resolve(root, key) (arborist load-virtual.js), so a key spelled otherwise than
 * npm writes it still installs its package. Such keys used to be read as local folders and dropped, so a denied
 * package passed `policy check` with "0 packages". Each spelling is run through the real `npm ci` first, to show
 * npm installs the package, then through `sscs policy check`, which must refuse the key (exit 2) naming it.
 */
const SPELLINGS = ['node_modules/x/node_modules/../../ms', 'node_modules/ms/', 'node_modules//ms', 'node_modules/./ms'];

let reg: NpmRegistry;
let project: string;
let lock: Record<string, any>;

beforeAll(async () => {
  reg = await startNpmRegistry();
  await reg.publish({ name: 'ms', version: '2.1.3' });
  const r = await npmInstall(reg.url, { ms: '2.1.3' });
  expect(r.exitCode, r.output).toBe(0);
  project = r.dir;
  lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  writeFileSync(join(project, 'deny-ms.yml'), 'version: 1\nrules:\n  - id: no-ms\n    match: pkg:npm/ms\n    action: deny\n');
}, 180_000);
afterAll(() => reg?.close());

/** The project's real lockfile with ms's key spelled `key`. */
function respell(key: string): void {
  const { 'node_modules/ms': entry, ...rest } = lock.packages;
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ ...lock, packages: { ...rest, [key]: entry } }, null, 2));
}

describe('package-lock keys npm would read as another location', () => {
  it('npm ci installs ms from a key spelled node_modules/x/node_modules/../../ms, and policy check refuses that key', async () => {
    const key = SPELLINGS[0]!;
    respell(key);
    const ci = await execa('npm', ['ci', '--ignore-scripts'], { cwd: project, env: npmEnv(reg.url, project), extendEnv: false, reject: false, all: true, timeout: 120_000 });
    expect(ci.exitCode, String(ci.all)).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'node_modules/ms/package.json'), 'utf8')).version).toBe('2.1.3');

    const r = await runCli(['policy', 'check', 'package-lock.json', '--offline', '--policy', 'deny-ms.yml'], { cwd: project, env: { HOME: project } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`packages[${JSON.stringify(key)}]`);
    expect(r.stderr).toContain('npm reads it as "node_modules/ms"');
    expect(r.stdout).not.toContain('passed');
  }, 180_000);

  it.each(SPELLINGS.slice(1))('refuses the key %s (exit 2, naming it)', async (key) => {
    respell(key);
    const r = await runCli(['policy', 'check', 'package-lock.json', '--offline', '--policy', 'deny-ms.yml'], { cwd: project, env: { HOME: project } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`packages[${JSON.stringify(key)}]`);
  });

  it('firewall run refuses the lockfile before running the install, which could take ms from its cache', async () => {
    const key = SPELLINGS[0]!;
    respell(key);
    const r = await runCli(['firewall', 'run', '--policy', 'deny-ms.yml', '--upstream', reg.url, '--data-dir', join(project, 'fw'), '--', process.execPath, '-e', "require('fs').writeFileSync('ran', '')"], { cwd: project, env: { HOME: project } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`packages[${JSON.stringify(key)}]`);
    expect(existsSync(join(project, 'ran'))).toBe(false);
  });

  it('fails closed on a dependency the lockfile does not lock (npm install would resolve it unchecked)', async () => {
    const { 'node_modules/ms': _gone, ...rest } = lock.packages;
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ ...lock, packages: rest }));
    const r = await runCli(['policy', 'check', 'package-lock.json', '--offline', '--policy', 'deny-ms.yml'], { cwd: project, env: { HOME: project } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('1 dependency is declared but not locked');
    expect(r.stderr).toContain('ms (needed by the root) in package-lock.json');
    // Listing what the lockfile holds still works, with the warning.
    const deps = await runCli(['deps', 'package-lock.json'], { cwd: project, env: { HOME: project } });
    expect(deps.exitCode).toBe(0);
    expect(deps.stderr).toContain('1 dependency is not in the lockfile: ms (needed by the root)');
  });

  it('refuses a key outside the project that no link points at, and one inside node_modules that names no package', async () => {
    for (const [key, says] of [['../ms', 'outside the project folder'], ['node_modules/@scope', 'names no package folder'], ['node_modules/..', 'project root']] as const) {
      respell(key);
      const r = await runCli(['deps', 'package-lock.json'], { cwd: project, env: { HOME: project } });
      expect(r.exitCode, `${key}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(says);
    }
  });

  it('keeps reading the canonical key, and a file: link to a sibling folder with what npm installs there', async () => {
    respell('node_modules/ms');
    const ok = await runCli(['policy', 'check', 'package-lock.json', '--offline', '--policy', 'deny-ms.yml'], { cwd: project, env: { HOME: project } });
    expect(ok.exitCode, ok.stderr).toBe(1);
    expect(ok.stdout).toContain('pkg:npm/ms@2.1.3');
    const sibling = {
      ...lock,
      packages: {
        ...lock.packages,
        '': { ...lock.packages[''], dependencies: { ...lock.packages[''].dependencies, lib: 'file:../lib' } },
        '../lib': { version: '1.0.0', dependencies: { ms: '2.1.3' } },
        '../lib/node_modules/ms': lock.packages['node_modules/ms'],
        'node_modules/lib': { resolved: '../lib', link: true },
      },
    };
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(sibling));
    const r = await runCli(['deps', 'package-lock.json', '--format', 'json'], { cwd: project, env: { HOME: project } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).packages.map((p: { name: string }) => p.name)).toEqual(['ms']);
  });

  it('says what is wrong with each spelling', () => {
    expect(nonCanonicalLocation('node_modules/ms')).toBeUndefined();
    expect(nonCanonicalLocation('packages/a/node_modules/@s/b')).toBeUndefined();
    expect(nonCanonicalLocation('../lib')).toBeUndefined();
    expect(nonCanonicalLocation('node_modules\\ms')).toContain('backslash');
    expect(nonCanonicalLocation('/abs/node_modules/ms')).toContain('absolute');
    expect(nonCanonicalLocation('node_modules/.')).toContain('npm reads it as "node_modules"');
  });
});
