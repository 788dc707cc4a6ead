import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { PNPM, fixture, flattenPnpmList, ids, runOffline, sorted } from './support.js';

const pnpmList = async (dir: string, extra: string[] = []) =>
  flattenPnpmList(await runOffline(PNPM, ['list', '-r', '--lockfile-only', '--depth', 'Infinity', '--json', '--offline', ...extra], dir));

describe('pnpm lockfiles', () => {
  it('reads v9 as pnpm list does, dev and prod included', async () => {
    const g = await readDependencyInputs([fixture('pnpm-v9', 'pnpm-lock.yaml')]);
    expect(sorted(ids(g))).toEqual(await pnpmList(fixture('pnpm-v9')));
    expect(sorted(ids(g, (p) => !p.dev))).toEqual(await pnpmList(fixture('pnpm-v9'), ['--prod']));
  });

  it('reads v6 as pnpm 8 listed it when the fixture was made', async () => {
    const g = await readDependencyInputs([fixture('pnpm-v6', 'pnpm-lock.yaml')]);
    expect(sorted(ids(g))).toEqual(flattenPnpmList(readFileSync(fixture('pnpm-v6', 'pnpm8-list.json'), 'utf8')));
    expect(sorted(ids(g, (p) => !p.dev))).toEqual(flattenPnpmList(readFileSync(fixture('pnpm-v6', 'pnpm8-list-prod.json'), 'utf8')));
  });

  it('strips peer suffixes and resolves aliases to the real package', async () => {
    for (const v of ['pnpm-v6', 'pnpm-v9']) {
      const g = await readDependencyInputs([fixture(v, 'pnpm-lock.yaml')]);
      expect(g.packages.find((p) => p.name === 'react-dom')).toMatchObject({ version: '18.2.0', direct: true, dev: false, integrity: expect.stringMatching(/^sha512-/) });
      expect(g.packages.find((p) => p.name === 'ms' && p.version === '2.0.0')).toMatchObject({ alias: 'my-ms', direct: true });
      expect(g.packages.find((p) => p.name === 'is-number')).toMatchObject({ direct: true, optional: true });
      expect(g.packages.find((p) => p.name === 'color-name')).toMatchObject({ dev: true, path: ['chalk', 'ansi-styles', 'color-convert', 'color-name'] });
      expect(g.packages.find((p) => p.name === 'debug' && p.version === '2.6.9')).toMatchObject({ direct: true, path: ['debug'] });
      expect(g.warnings).toBeUndefined();
    }
  });
});

describe('pnpm workspaces', () => {
  it('follows link: to another importer without counting the workspace as a package', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-pnpm-link-'));
    await cp(fixture('pnpm-v9'), dir, { recursive: true });
    const text = await readFile(join(dir, 'pnpm-lock.yaml'), 'utf8');
    const linked = text.replace('  .:\n    dependencies:\n', "  .:\n    dependencies:\n      fixture-util:\n        specifier: workspace:*\n        version: link:packages/util\n");
    expect(linked).not.toBe(text);
    await writeFile(join(dir, 'pnpm-lock.yaml'), linked);
    const g = await readDependencyInputs([join(dir, 'pnpm-lock.yaml')]);
    expect(g.warnings).toBeUndefined();
    expect(g.packages.some((p) => p.name === 'fixture-util' || p.name === 'packages/util')).toBe(false);
    expect(g.packages.find((p) => p.name === 'debug' && p.version === '2.6.9')).toMatchObject({ direct: true, path: ['debug'] });
  });
});
