import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePurl, PurlError } from '../../helper/src/deps/purl.js';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sscs-purl-'));
let n = 0;

/** A CycloneDX 1.5 SBOM (the shape npm sbom writes) with these components under the root app@1.0.0. */
function sbom(components: object[], extra: Record<string, unknown> = {}): string {
  const file = join(dir, `bom-${n++}.cdx.json`);
  const doc = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    metadata: { component: { 'bom-ref': 'app@1.0.0', type: 'application', name: 'app', version: '1.0.0', purl: 'pkg:npm/app@1.0.0' } },
    components,
    dependencies: [{ ref: 'app@1.0.0', dependsOn: components.map((c) => (c as { 'bom-ref': string })['bom-ref']) }],
    ...extra,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}
const component = (ref: string, name: string, version: string, purl: string, group?: string) => ({ 'bom-ref': ref, type: 'library', name, version, purl, ...(group ? { group } : {}) });

describe('purls in SBOMs follow the purl spec', () => {
  it.each([
    ['a scope encoded twice', 'pkg:npm/%2540angular/animations@17.0.0', 'is not an npm scope'],
    ['the legacy unencoded scope', 'pkg:npm/@angular/animations@17.0.0', "the npm scope's '@' must be percent-encoded: pkg:npm/%40angular/animations@17.0.0"],
    ['a type in the wrong case', 'pkg:NPM/%40angular/animations@17.0.0', "the type 'NPM' must be lowercase ('npm')"],
  ])('%s is exit 2 naming the component', async (_what, purl, message) => {
    const file = sbom([component('c1', 'animations', '17.0.0', purl, '@angular')]);
    const r = await runCli(['policy', 'check', file, '--offline', '--format', 'json']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('component @angular/animations@17.0.0');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('components[0].purl');
    expect(r.stdout).toBe('');
  });

  it('fails closed on a component whose purl names no version, as on an unpinned requirement: exit 2 unless --allow-unpinned', async () => {
    const file = sbom([component('c1', 'animations', '17.0.0', 'pkg:npm/%40angular/animations'), component('c2', 'ms', '2.1.3', 'pkg:npm/ms@2.1.3')]);
    const r = await runCli(['policy', 'check', file, '--offline', '--format', 'json']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/1 requirement pins no version, so the installer would choose its version unchecked: pkg:npm\/%40angular\/animations \(components\[0\]\) \(\S+bom-\d+\.cdx\.json:\d+\)/);
    expect(r.stderr).toContain('--allow-unpinned');
    expect(r.stdout).toBe('');
    const allowed = await runCli(['policy', 'check', file, '--offline', '--format', 'json', '--allow-unpinned', '--mode', 'warn']);
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('1 component(s) name no version, so they cannot be checked: pkg:npm/%40angular/animations (components[0])');
    expect((JSON.parse(allowed.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name)).toEqual(['ms']);
  });

  it('reads the canonical form, and a vcs_url or download_url qualifier as the source', async () => {
    const g = await readDependencyInputs([
      sbom([
        component('c1', 'animations', '17.0.0', 'pkg:npm/%40angular/animations@17.0.0', '@angular'),
        component('c2', 'is-number', '7.0.0', 'pkg:npm/is-number@7.0.0?vcs_url=git%2Bssh://git%40github.com/example/is-number.git%23abc'),
        component('c3', 'left-pad', '1.3.0', 'pkg:npm/left-pad@1.3.0?download_url=https://example.com/left-pad-1.3.0.tgz'),
      ]),
    ]);
    expect(g.packages.map((p) => [p.name, p.version, p.source, p.resolved])).toEqual([
      ['@angular/animations', '17.0.0', 'registry', undefined],
      ['is-number', '7.0.0', 'git', 'git+ssh://git@github.com/example/is-number.git#abc'],
      ['left-pad', '1.3.0', 'url', 'https://example.com/left-pad-1.3.0.tgz'],
    ]);
  });

  it('reads an npm name in a purl case-insensitively (lowercase, purl spec npm type), spelled as the component names it', async () => {
    const g = await readDependencyInputs([
      sbom([
        // packageurl-js (cyclonedx-npm) lowercases the purl; the registry name of this legacy package has capitals.
        component('c1', 'JSONStream', '1.3.5', 'pkg:npm/jsonstream@1.3.5'),
        // A purl with capitals and a component name that is the same name in lowercase: one package, not an alias.
        component('c2', 'a', '1.0.0', 'pkg:npm/A@1.0.0'),
        { 'bom-ref': 'c3', type: 'library', version: '4.17.21', purl: 'pkg:npm/LoDash@4.17.21' },
        component('c4', 'my-ms', '2.0.0', 'pkg:npm/ms@2.0.0'),
        component('c5', 'Core', '17.0.0', 'pkg:npm/%40Angular/CORE@17.0.0', '@angular'),
      ]),
    ]);
    expect(g.packages.map((p) => [p.name, p.alias])).toEqual([
      ['@angular/Core', undefined],
      ['JSONStream', undefined],
      ['a', undefined],
      ['lodash', undefined],
      ['ms', 'my-ms'],
    ]);
    // The input's spelling is said where the reading differs from it; a lowercase purl spelled by its component is not.
    expect(g.warnings).toHaveLength(1);
    expect(g.warnings![0]).toContain('3 npm purl(s) spell the name with capitals');
    expect(g.warnings![0]).toContain('pkg:npm/A@1.0.0 (components[1].purl) read as a');
    expect(g.warnings![0]).toContain('pkg:npm/LoDash@4.17.21 (components[2].purl) read as lodash');
    expect(g.warnings![0]).toContain('pkg:npm/%40Angular/CORE@17.0.0 (components[4].purl) read as @angular/Core');
    expect(g.warnings![0]).not.toContain('jsonstream');
  });

  it('reads a pypi name in a purl PEP 503-normalised (purl spec pypi type)', async () => {
    const g = await readDependencyInputs([sbom([component('c1', 'Zope.Interface', '6.0', 'pkg:pypi/Zope.Interface@6.0')])]);
    expect(g.packages.map((p) => [p.ecosystem, p.name, p.alias])).toEqual([['pypi', 'zope-interface', undefined]]);
  });

  it('does not judge the root component when the SBOM lists it in components too', async () => {
    const root = component('pkg:npm/app@1.0.0', 'app', '1.0.0', 'pkg:npm/app@1.0.0');
    const file = sbom([root, component('c1', 'ms', '2.1.3', 'pkg:npm/ms@2.1.3')], {
      dependencies: [{ ref: 'app@1.0.0', dependsOn: ['c1'] }, { ref: 'pkg:npm/app@1.0.0', dependsOn: ['c1'] }],
    });
    const g = await readDependencyInputs([file]);
    expect(g.packages.map((p) => `${p.name}@${p.version}`)).toEqual(['ms@2.1.3']);
    expect(g.packages[0]!.direct).toBe(true);
  });

  it('parsePurl keeps other ecosystems to the general rules only', () => {
    expect(parsePurl('pkg:pypi/Django@4.2')).toMatchObject({ type: 'pypi', name: 'Django', version: '4.2' });
    expect(() => parsePurl('pkg:npm/a/b/c@1')).toThrow(PurlError);
    expect(() => parsePurl('pkg:npm/ms@1.0.0?=1')).toThrow(PurlError);
    expect(parsePurl('pkg:npm/ms@1.0.0?VCS_URL=git%2Bhttps://x/y.git').qualifiers).toEqual({ vcs_url: 'git+https://x/y.git' });
  });
});
