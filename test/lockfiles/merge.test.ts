import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { fixture, ids, sorted } from './support.js';

describe('several inputs', () => {
  it('merge into one entry per name@version, with every source', async () => {
    const npm = fixture('npm-v3', 'package-lock.json');
    const pnpm = fixture('pnpm-v9', 'pnpm-lock.yaml');
    const g = await readDependencyInputs([npm, pnpm]);
    expect(g.sources).toEqual([npm, pnpm]);
    expect(g.packages).toHaveLength(24);
    for (const p of g.packages) expect(p.sources).toEqual([npm, pnpm]);
    // npm has supports-color dev-only; pnpm links it into debug as a peer in production: prod wins.
    expect(g.packages.find((p) => p.name === 'supports-color')).toMatchObject({ dev: false });
  });

  it('merge a monorepo’s lockfiles into the union of their packages', async () => {
    const a = await readDependencyInputs(['package-lock.json'], { cwd: REPO_ROOT });
    const b = await readDependencyInputs([fixture('yarn-berry', 'yarn.lock')]);
    const g = await readDependencyInputs(['package-lock.json', fixture('yarn-berry', 'yarn.lock')], { cwd: REPO_ROOT });
    expect(sorted(ids(g))).toEqual(sorted([...ids(a), ...ids(b)]));
    const shared = g.packages.find((p) => p.sources.length === 2);
    expect(shared?.sources).toEqual(['package-lock.json', fixture('yarn-berry', 'yarn.lock')]);
  });

  it('report a name@version whose integrity differs between inputs', async () => {
    const text = await readFile(fixture('npm-v3', 'package-lock.json'), 'utf8');
    const ms = /"node_modules\/ms": \{[^}]*"integrity": "(sha512-[^"]+)"/.exec(text)![1]!;
    const dir = await mkdtemp(join(tmpdir(), 'sscs-merge-'));
    const tampered = join(dir, 'package-lock.json');
    await writeFile(tampered, text.replace(ms, `sha512-${Buffer.alloc(64, 1).toString('base64')}`));
    const g = await readDependencyInputs([fixture('npm-v3', 'package-lock.json'), tampered]);
    expect(g.warnings).toEqual([expect.stringMatching(/^ms@2\.1\.3: integrity differs between .*npm-v3\/package-lock\.json and .*package-lock\.json$/)]);
    expect(g.packages.find((p) => p.name === 'ms' && p.version === '2.1.3')?.integrity).toBe(ms);
  });
});
