import { describe, expect, it } from 'vitest';
import { purl } from '../../helper/src/deps/model.js';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { originOf, withoutCredentials } from '../../helper/src/lockfiles/source.js';
import { fixture } from './support.js';

const FILES = {
  'npm v3': 'sources/npm-v3/package-lock.json',
  'npm v1': 'sources/npm-v1/package-lock.json',
  'pnpm v9': 'sources/pnpm-v9/pnpm-lock.yaml',
  'yarn berry': 'sources/yarn-berry/yarn.lock',
  'yarn classic': 'sources/yarn-v1/yarn.lock',
};

const kinds = async (file: string) => {
  const g = await readDependencyInputs([fixture(file)]);
  return { g, by: Object.fromEntries(g.packages.map((p) => [p.name, p.source])) };
};

describe('sources other than the registry', () => {
  // Written by npm 11, pnpm 10 and yarn 4 / yarn 1 from one project: a registry package (ms), a git dependency
  // with the name and version of a registry package (is-number@7.0.0), a tarball URL, a tarball file, and
  // local folders (file:, link:, portal:, pnpm's file: with a peer suffix).
  for (const [client, file] of Object.entries(FILES)) {
    it(`${client}: records git, url and file sources, and keeps local folders out of the packages`, async () => {
      const { g, by } = await kinds(file);
      expect(by).toEqual({ ms: 'registry', 'is-number': 'git', tarpkg: 'url', vendored: 'file' });
      // Every one is reached from the root (yarn berry binds path dependencies with a `::locator=` key).
      expect(g.packages.every((p) => p.direct && !p.extraneous), JSON.stringify(g.packages)).toBe(true);
      expect(g.warnings ?? []).toEqual([]);
      const git = g.packages.find((p) => p.name === 'is-number')!;
      expect(git.resolved).toMatch(/^git\+(?:file|http):\/\/.*43a954bd51446506c01a8d39156746d0fca270ca$/);
    });
  }

  it('npm v3 git+ssh and a tarball URL, as public lockfiles record them', async () => {
    const { g, by } = await kinds('sources/npm-v3-github/package-lock.json');
    expect(by).toEqual({ 'is-number': 'git', 'left-pad': 'url', ms: 'registry' });
    expect(purl(g.packages.find((p) => p.name === 'is-number')!)).toBe(
      'pkg:npm/is-number@7.0.0?vcs_url=git%2Bssh%3A%2F%2Fgit%40github.com%2Fexample%2Fis-number.git%2343a954bd51446506c01a8d39156746d0fca270ca',
    );
    expect(purl(g.packages.find((p) => p.name === 'left-pad')!)).toBe('pkg:npm/left-pad@1.3.0?download_url=https%3A%2F%2Fexample.com%2Ftarballs%2Fleft-pad-1.3.0.tgz');
  });

  it('never merges a git dependency into the registry package of the same name and version', async () => {
    const g = await readDependencyInputs([fixture('sources/npm-v3-github/package-lock.json'), fixture('npm-v3/package-lock.json')]);
    const isNumber = g.packages.filter((p) => p.name === 'is-number' && p.version === '7.0.0');
    expect(isNumber.map((p) => p.source).sort()).toEqual(['git', 'registry']);
  });

  it("pnpm 11+: reads both documents of a lockfile, the env lockfile's package manager as a dev package", async () => {
    // Shaped like pnpm/pnpm's own pnpm-lock.yaml: an env document (packageManagerDependencies), then the project's.
    const g = await readDependencyInputs([fixture('sources/pnpm-env/pnpm-lock.yaml')]);
    expect(g.packages.map((p) => [p.name, p.version, p.direct, p.dev])).toEqual([
      ['ms', '2.1.3', true, false],
      ['pnpm', '11.0.0', true, true],
    ]);
    expect(g.warnings ?? []).toEqual([]);
  });

  it('drops credentials from a git or tarball location, keeping ssh\'s git user', () => {
    expect(withoutCredentials('git+https://ghp_token123@github.com/u/r.git#abc')).toBe('git+https://github.com/u/r.git#abc');
    expect(withoutCredentials('https://user:pw@host/x.tgz')).toBe('https://host/x.tgz');
    expect(withoutCredentials('git+ssh://git@github.com/u/r.git#abc')).toBe('git+ssh://git@github.com/u/r.git#abc');
  });

  it.each([
    ['^1.2.3', 'registry'],
    ['npm:other@1.0.0', 'registry'],
    ['https://registry.npmjs.org/ms/-/ms-2.1.3.tgz', 'registry'],
    ['https://gitlab.example/api/v4/projects/1/packages/npm/@acme/w/-/@acme/w-1.0.0.tgz', 'registry'],
    ['http://127.0.0.1:4873/@acme%2fw/-/w-1.0.0.tgz', 'registry'],
    ['https://evil.example/ms/-/ms-2.1.3.tgz#for-another-name', 'url'],
    ['https://example.com/x.tgz', 'url'],
    ['git+ssh://git@github.com/u/r.git#abc', 'git'],
    ['github:u/r', 'git'],
    ['u/r#v1', 'git'],
    ['https://github.com/u/r.git#commit=abc', 'git'],
    ['https://codeload.github.com/u/r/tar.gz/abc', 'git'],
    ['file:vendor/x-1.0.0.tgz', 'file'],
    ['file:./lib', 'local'],
    ['link:../x', 'local'],
    ['portal:./p', 'local'],
  ])('originOf(%s) is %s', (spec, kind) => {
    expect(originOf(spec, spec.includes('evil') ? 'other' : undefined)).toBe(kind);
  });
});
