import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { NPM, fixture, flattenNpmLs, ids, runOffline, sorted } from './support.js';

const npmLs = async (dir: string, extra: string[] = []) =>
  flattenNpmLs(await runOffline(NPM, ['ls', '--all', '--json', '--package-lock-only', ...extra], dir));

describe('npm lockfiles', () => {
  for (const [name, file] of [
    ['npm-v1', 'package-lock.json'],
    ['npm-v2', 'package-lock.json'],
    ['npm-v3', 'package-lock.json'],
    ['shrinkwrap', 'npm-shrinkwrap.json'],
  ] as const) {
    it(`reads ${name}/${file} as npm ls does`, async () => {
      const g = await readDependencyInputs([fixture(name, file)]);
      expect(sorted(ids(g))).toEqual(await npmLs(fixture(name)));
      // npm ls --omit=dev lists what production needs: exactly the packages not marked dev. Loading a v1
      // lockfile, npm recomputes the flags and keeps a workspace's devDependencies (has-flag) in production,
      // where the lockfile itself marks it dev; we keep the lockfile's word, so v1 may only list fewer.
      const prod = await npmLs(fixture(name), ['--omit=dev']);
      if (name === 'npm-v1') expect(prod).toEqual(expect.arrayContaining(sorted(ids(g, (p) => !p.dev))));
      else expect(sorted(ids(g, (p) => !p.dev))).toEqual(prod);
      expect(g.warnings).toBeUndefined();
    });
  }

  it('reads the project’s own package-lock.json as npm ls does', async () => {
    const g = await readDependencyInputs(['package-lock.json'], { cwd: REPO_ROOT });
    expect(g.packages.length).toBeGreaterThan(300);
    expect(sorted(ids(g))).toEqual(await npmLs(REPO_ROOT));
    expect(sorted(ids(g, (p) => !p.dev))).toEqual(await npmLs(REPO_ROOT, ['--omit=dev']));
    for (const p of g.packages) {
      expect(p.integrity, `${p.name}@${p.version}`).toMatch(/^sha(512|1)-/);
      expect(p.path.at(-1)).toBe(p.name);
    }
  });

  it('evaluates an alias as the real package and keeps the alias name', async () => {
    const g = await readDependencyInputs([fixture('npm-v3', 'package-lock.json')]);
    const ms = g.packages.find((p) => p.name === 'ms' && p.version === '2.0.0');
    expect(ms).toMatchObject({ alias: 'my-ms', direct: true, dev: false, path: ['ms'], resolved: 'https://registry.npmjs.org/ms/-/ms-2.0.0.tgz' });
    expect(g.packages.some((p) => p.name === 'my-ms')).toBe(false);
  });

  it('treats workspaces as roots: their dependencies are direct, their devDependencies dev', async () => {
    const g = await readDependencyInputs([fixture('npm-v3', 'package-lock.json')]);
    expect(g.packages.find((p) => p.name === 'fixture-util')).toBeUndefined();
    expect(g.packages.find((p) => p.name === 'debug' && p.version === '2.6.9')).toMatchObject({ direct: true, dev: false, path: ['debug'] });
    expect(g.packages.find((p) => p.name === 'has-flag')).toMatchObject({ direct: true, dev: true });
  });

  it('gives one shortest path, flags optional and dev, and records the source file', async () => {
    const g = await readDependencyInputs([fixture('npm-v2', 'package-lock.json')]);
    expect(g.packages.find((p) => p.name === 'color-name')).toMatchObject({
      direct: false,
      dev: true,
      path: ['chalk', 'ansi-styles', 'color-convert', 'color-name'],
      sources: [fixture('npm-v2', 'package-lock.json')],
      integrity: expect.stringMatching(/^sha512-/),
    });
    expect(g.packages.find((p) => p.name === 'is-number')).toMatchObject({ direct: true, dev: false, optional: true });
  });

  it('reads v1 the same as v3 for the same project', async () => {
    const v1 = await readDependencyInputs([fixture('npm-v1', 'package-lock.json')]);
    const v3 = await readDependencyInputs([fixture('npm-v3', 'package-lock.json')]);
    const view = (g: typeof v1) => g.packages.map(({ name, version, direct, dev, optional, alias, integrity }) => ({ name, version, direct, dev, optional, alias, integrity }));
    expect(view(v1)).toEqual(view(v3));
  });
});

describe('npm lockfile shapes the fixtures lack', () => {
  const write = async (doc: unknown) => {
    const file = join(await mkdtemp(join(tmpdir(), 'sscs-npm-shape-')), 'package-lock.json');
    await writeFile(file, JSON.stringify(doc, null, 2));
    return file;
  };

  it('marks bundled dependencies, which no registry serves on their own', async () => {
    const file = await write({
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { host: '^1.0.0' } },
        'node_modules/host': { version: '1.0.0', integrity: 'sha512-aG9zdA==', dependencies: { inner: '^2.0.0' }, bundleDependencies: ['inner'] },
        'node_modules/host/node_modules/inner': { version: '2.0.0', inBundle: true },
      },
    });
    const g = await readDependencyInputs([file]);
    expect(g.packages).toEqual([
      { ecosystem: 'npm', name: 'host', version: '1.0.0', integrity: 'sha512-aG9zdA==', direct: true, dev: false, path: ['host'], sources: [file], source: 'registry' },
      { ecosystem: 'npm', name: 'inner', version: '2.0.0', direct: false, dev: false, bundled: true, path: ['host', 'inner'], sources: [file], source: 'registry' },
    ]);
  });

  it('reads a hidden lockfile without a root entry, saying every top-level package counts as direct', async () => {
    const file = await write({
      lockfileVersion: 3,
      packages: {
        'node_modules/a': { version: '1.0.0', dependencies: { b: '1' } },
        'node_modules/b': { version: '1.0.0', dev: true },
        'node_modules/c': { version: '1.0.0', dependencies: { missing: '1' } },
      },
    });
    const g = await readDependencyInputs([file]);
    expect(g.packages.map((p) => [p.name, p.direct, p.dev])).toEqual([['a', true, false], ['b', true, true], ['c', true, false]]);
    expect(g.warnings).toEqual([`${file}: no root entry: every top-level package counted as a direct dependency`, `${file}: 1 dependency is not in the lockfile: missing (needed by node_modules/c)`]);
  });

  it('keeps packages nothing reaches, marked extraneous', async () => {
    const file = await write({
      lockfileVersion: 2,
      packages: { '': { dependencies: { a: '1' } }, 'node_modules/a': { version: '1.0.0' }, 'node_modules/stray': { version: '6.6.6', extraneous: true } },
    });
    const g = await readDependencyInputs([file]);
    expect(g.packages.find((p) => p.name === 'stray')).toMatchObject({ extraneous: true, direct: false, path: ['stray'] });
    expect(g.warnings?.[0]).toMatch(/1 package\(s\) listed but not reachable/);
  });
});
