import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../helper/src/errors.js';
import { parseNpmPurl } from '../../helper/src/lockfiles/cyclonedx.js';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { fixture, ids } from './support.js';

const SBOMS = ['npm-sbom-1.5.json', 'cyclonedx-npm-1.4.json', 'cyclonedx-npm-1.6.json'];

async function sbomVariant(name: string, edit: (doc: Record<string, unknown>) => void): Promise<string> {
  const doc = JSON.parse(await readFile(fixture('cyclonedx', 'npm-sbom-1.5.json'), 'utf8')) as Record<string, unknown>;
  edit(doc);
  const file = join(await mkdtemp(join(tmpdir(), 'sscs-cdx-')), name);
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}

describe('CycloneDX SBOMs', () => {
  for (const sbom of SBOMS) {
    it(`reads ${sbom} as the lockfile it was made from`, async () => {
      const g = await readDependencyInputs([fixture('cyclonedx', sbom)]);
      const lock = await readDependencyInputs([fixture('npm-v3', 'package-lock.json')]);
      // An SBOM does not mark workspaces: the workspace shows up as a package (kept, so a policy still sees it).
      expect(ids(g).filter((id) => id !== 'fixture-util@0.1.0')).toEqual(ids(lock));
      expect(ids(g, (p) => p.dev)).toEqual(ids(lock, (p) => p.dev));
      expect(g.packages.find((p) => p.name === 'ms' && p.version === '2.0.0')).toMatchObject({ alias: 'my-ms', direct: true, resolved: 'https://registry.npmjs.org/ms/-/ms-2.0.0.tgz' });
      expect(g.packages.find((p) => p.name === '@isaacs/string-locale-compare')).toMatchObject({ direct: true, dev: false });
      expect(g.packages.find((p) => p.name === 'is-number')).toMatchObject({ direct: true, optional: true });
      expect(g.packages.find((p) => p.name === 'color-name')).toMatchObject({ dev: true, path: ['chalk', 'ansi-styles', 'color-convert', 'color-name'] });
      expect(g.warnings).toBeUndefined();
    });
  }

  it('turns SHA-512 hashes into the same integrity the lockfile records', async () => {
    const g = await readDependencyInputs([fixture('cyclonedx', 'npm-sbom-1.5.json')]);
    const lock = await readDependencyInputs([fixture('npm-v3', 'package-lock.json')]);
    const integrity = (x: typeof g) => x.packages.filter((p) => p.integrity).map((p) => `${p.name}@${p.version} ${p.integrity}`);
    expect(integrity(g)).toEqual(integrity(lock));
  });

  it('reads components nested inside other components', async () => {
    const file = await sbomVariant('nested.cdx.json', (doc) => {
      const list = doc.components as Record<string, unknown>[];
      const inner = list.findIndex((c) => c.name === 'js-tokens');
      const [tokens] = list.splice(inner, 1);
      list.find((c) => c.name === 'loose-envify')!.components = [tokens];
    });
    expect(await readFile(file, 'utf8')).not.toMatch(/^ {4}\{\n {6}"bom-ref": "js-tokens/m);
    const g = await readDependencyInputs([file]);
    expect(g.packages.find((p) => p.name === 'js-tokens')).toMatchObject({ version: '4.0.0', dev: false, integrity: expect.stringMatching(/^sha512-/) });
    expect(g.packages.find((p) => p.name === 'js-tokens')?.path.slice(-2)).toEqual(['loose-envify', 'js-tokens']);
  });

  it('without a dependency graph, takes what nothing depends on as direct and says so', async () => {
    const file = await sbomVariant('bom.json', (doc) => {
      delete doc.dependencies;
    });
    const g = await readDependencyInputs([file]);
    expect(g.packages.every((p) => p.direct)).toBe(true);
    expect(g.warnings?.[0]).toMatch(/no dependency graph from metadata\.component/);
  });

  it('refuses spec versions it does not know, naming the field and line', async () => {
    const file = await sbomVariant('old.cdx.json', (doc) => {
      doc.specVersion = '1.2';
    });
    const e = await readDependencyInputs([file]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect(e).toMatchObject({ code: 'UNSUPPORTED_VERSION', where: { file, field: 'specVersion', line: 4 } });
  });

  it('parses npm purls, scoped and encoded', () => {
    expect(parseNpmPurl('pkg:npm/%40isaacs/string-locale-compare@1.1.0')).toEqual({ name: '@isaacs/string-locale-compare', version: '1.1.0' });
    expect(parseNpmPurl('pkg:npm/ms@2.0.0?vcs_url=x#lib')).toEqual({ name: 'ms', version: '2.0.0' });
    expect(parseNpmPurl('pkg:npm/react@18.3.0-canary%2B1')).toEqual({ name: 'react', version: '18.3.0-canary+1' });
    expect(parseNpmPurl('pkg:npm/noversion')).toBeUndefined();
  });
});
