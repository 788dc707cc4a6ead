import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { YARN_BERRY, copyFixture, fixture, ids, runOffline, sorted } from './support.js';

/** yarn 1's `list --json` shows installed folders (an alias under its own name) as `name@version`. */
function flattenYarn1List(json: string): string[] {
  const out = new Set<string>();
  const walk = (trees: { name: string; shadow?: boolean; children?: unknown[] }[]) => {
    for (const t of trees) {
      if (!t.shadow) out.add(t.name);
      walk((t.children ?? []) as typeof trees);
    }
  };
  walk((JSON.parse(json) as { data: { trees: [] } }).data.trees);
  return [...out].sort();
}

describe('yarn lockfiles', () => {
  it('reads berry as yarn info lists it, patches as the package they patch', async () => {
    const dir = await copyFixture('yarn-berry');
    const out = await runOffline(process.execPath, [YARN_BERRY, 'info', '-A', '-R', '--json', '--name-only'], dir, { YARN_CACHE_FOLDER: join(dir, '.cache') });
    const theirs = sorted(
      out.trim().split('\n').map((l) => JSON.parse(l) as string)
        .filter((d) => !d.includes('@workspace:'))
        // `x@patch:x@npm%3A1.0.0#...` is x@1.0.0 patched; `x@npm:1.0.0` is x@1.0.0.
        .map((d) => d.replace(/@patch:.*?%3A([^#]+)#.*$/, '@$1').replace(/@npm:/, '@')),
    );
    const g = await readDependencyInputs([fixture('yarn-berry', 'yarn.lock')]);
    expect(sorted(ids(g))).toEqual(theirs);
    expect(g.packages.find((p) => p.name === 'resolve')).toMatchObject({ version: '1.22.14', direct: true, dev: true });
    expect(g.packages.find((p) => p.name === 'ms' && p.version === '2.0.0')).toMatchObject({ alias: 'my-ms', direct: true, dev: false });
    expect(g.packages.some((p) => p.name === 'fixture-app' || p.name === 'fixture-util')).toBe(false);
    expect(g.warnings).toBeUndefined();
  });

  it('reads classic as yarn 1 listed it when the fixture was made', async () => {
    const g = await readDependencyInputs([fixture('yarn-v1', 'yarn.lock')]);
    // yarn 1 lists the workspace folder too; it is first-party code, not a package.
    const workspace = JSON.parse(readFileSync(fixture('yarn-v1', 'packages/util/package.json'), 'utf8')) as { name: string; version: string };
    const listed = flattenYarn1List(readFileSync(fixture('yarn-v1', 'yarn1-list.json'), 'utf8')).filter((x) => x !== `${workspace.name}@${workspace.version}`);
    // yarn 1 shows ms@2.0.0 twice: under its alias my-ms at the top, and as itself below debug@2.6.9.
    const shown = sorted([...g.packages.map((p) => `${p.alias ?? p.name}@${p.version}`), 'ms@2.0.0']);
    expect(shown).toEqual(listed);
    expect(g.packages.find((p) => p.name === 'ms' && p.version === '2.0.0')).toMatchObject({ alias: 'my-ms', integrity: expect.stringMatching(/^sha512-/) });
    expect(g.warnings).toBeUndefined();
  });

  it('tells dev from prod with the package.json, the same as npm does', async () => {
    const npm = await readDependencyInputs([fixture('npm-v3', 'package-lock.json')]);
    for (const f of ['yarn-v1', 'yarn-berry']) {
      const g = await readDependencyInputs([fixture(f, 'yarn.lock')]);
      expect(ids(g, (p) => p.dev)).toEqual(ids(npm, (p) => p.dev));
      expect(ids(g, (p) => p.direct)).toEqual(ids(npm, (p) => p.direct));
    }
  });

  it('says so when no package.json is beside the yarn.lock, and counts everything as prod', async () => {
    for (const f of ['yarn-v1', 'yarn-berry']) {
      const dir = await mkdtemp(join(tmpdir(), 'sscs-yarn-alone-'));
      await copyFile(fixture(f, 'yarn.lock'), join(dir, 'yarn.lock'));
      const g = await readDependencyInputs([join(dir, 'yarn.lock')]);
      expect(g.packages.length).toBe(24);
      expect(g.packages.every((p) => !p.dev)).toBe(true);
      expect(g.warnings?.join('\n')).toMatch(/no package\.json beside the lockfile/);
    }
  });

  it('follows a berry workspace: dependency to the workspace, which is not a package', async () => {
    const dir = await copyFixture('yarn-berry');
    const text = await readFile(join(dir, 'yarn.lock'), 'utf8');
    const linked = text
      .replace('    debug: "npm:^4.3.4"\n    is-number', '    debug: "npm:^4.3.4"\n    fixture-util: "workspace:^"\n    is-number')
      .replace('"fixture-util@workspace:packages/util":', '"fixture-util@workspace:^, fixture-util@workspace:packages/util":');
    expect(linked).not.toBe(text);
    await writeFile(join(dir, 'yarn.lock'), linked);
    const g = await readDependencyInputs([join(dir, 'yarn.lock')]);
    expect(g.warnings).toBeUndefined();
    expect(g.packages.some((p) => p.name.startsWith('fixture-'))).toBe(false);
    expect(g.packages.find((p) => p.name === 'has-flag')).toMatchObject({ direct: true, dev: true });
  });
});
