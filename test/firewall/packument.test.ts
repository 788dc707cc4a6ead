import { describe, expect, it } from 'vitest';
import { filterPackument, fixDistTags } from '../../helper/dist/firewall/packument.js';
import { parseRoute } from '../../helper/dist/firewall/route.js';
import { expectedDigest } from '../../helper/dist/firewall/integrity.js';
import { factsFromPackument, lacksFacts, readPackument } from '../../helper/dist/registry/packument.js';

const UP = 'http://up.example:4873';
const doc = () => ({
  name: 'p',
  'dist-tags': { latest: '2.0.0', next: '3.0.0-rc.1', legacy: '1.0.0' },
  time: { created: 't', modified: 't', '1.0.0': '2020-01-01T00:00:00Z', '1.5.0': '2020-02-01T00:00:00Z', '2.0.0': '2020-03-01T00:00:00Z', '3.0.0-rc.1': '2020-04-01T00:00:00Z' },
  versions: Object.fromEntries(['1.0.0', '1.5.0', '2.0.0', '3.0.0-rc.1'].map((v) => [v, { name: 'p', version: v, dist: { tarball: `${UP}/p/-/p-${v}.tgz`, integrity: 'sha512-AAAA' } }])),
});

describe('packument filter', () => {
  it('removes blocked versions and their time entries, moves tags down, rewrites tarballs to the firewall', () => {
    const blocked = new Set(['2.0.0', '3.0.0-rc.1']);
    const d = doc();
    const r = filterPackument(d, {
      meta: readPackument(d, 'p', UP).meta,
      decide: (version: string) => (blocked.has(version) ? { action: 'quarantine', rule: 'r', reason: 'x' } : { action: 'allow', rule: 'default', reason: 'ok' }),
      localPath: (url: string) => (url.startsWith(UP) ? url.slice(UP.length) : undefined),
      publicBase: 'http://fw:1',
    });
    const out = JSON.parse(r.body.toString());
    expect(Object.keys(out.versions)).toEqual(['1.0.0', '1.5.0']);
    expect(Object.keys(out.time)).toEqual(['created', 'modified', '1.0.0', '1.5.0']);
    // next pointed at a prerelease: it may move to a release below it; latest never moves to a prerelease.
    expect(out['dist-tags']).toEqual({ latest: '1.5.0', next: '1.5.0', legacy: '1.0.0' });
    expect(out.versions['1.5.0'].dist.tarball).toBe('http://fw:1/p/-/p-1.5.0.tgz');
    expect(r.tarballs.get('/p/-/p-2.0.0.tgz')).toMatchObject({ version: '2.0.0', integrity: 'sha512-AAAA' });
    expect(r.allowed).toBe(2);
  });

  it('drops a tag when nothing below it is allowed', () => {
    const tags = { latest: '1.0.0' };
    fixDistTags(tags, ['2.0.0']);
    expect(tags).toEqual({});
  });
});

describe('registry facts from a hostile packument', () => {
  it('reads version keys such as __proto__ and constructor as versions, and a missing one as no metadata', () => {
    const raw = JSON.parse('{"name":"p","versions":{"__proto__":{"version":"__proto__","license":"MIT"},"1.0.0":null},"time":{"__proto__":"2020-01-01T00:00:00Z"}}');
    const { meta, skipped } = readPackument(raw, 'p', UP);
    expect(skipped).toEqual([{ version: '1.0.0', why: 'the version entry is null' }]);
    expect(factsFromPackument(meta, '__proto__')).toMatchObject({ metadataAvailable: true, license: 'MIT', publishedAt: new Date('2020-01-01T00:00:00Z') });
    expect(factsFromPackument(meta, 'constructor')).toMatchObject({ metadataAvailable: false });
    expect(factsFromPackument(meta, 'toString')).toMatchObject({ metadataAvailable: false });
  });

  it("does not take the abbreviated form's silence for a fact", () => {
    const abbreviated = { name: 'p', versions: { '1.0.0': { version: '1.0.0', dist: {} }, '1.1.0': { version: '1.1.0', hasInstallScript: true, dist: {} } } };
    const { meta } = readPackument(abbreviated, 'p', 'https://registry.npmjs.org/', 'abbreviated');
    expect(factsFromPackument(meta, '1.0.0').hasInstallScripts).toBeUndefined();
    expect(factsFromPackument(meta, '1.0.0').hasProvenance).toBeUndefined();
    expect(factsFromPackument(meta, '1.1.0').hasInstallScripts).toBe(true);
    expect(lacksFacts(meta, ['install_scripts', 'license', 'provenance', 'published_within', 'deprecated'])).toEqual(['install_scripts', 'license', 'provenance', 'published_within']);
    const full = readPackument(abbreviated, 'p', 'https://registry.npmjs.org/', 'full').meta;
    expect(factsFromPackument(full, '1.0.0')).toMatchObject({ hasInstallScripts: false, hasProvenance: false });
    expect(lacksFacts(full, ['install_scripts'])).toEqual([]);
  });
});

describe('request targets', () => {
  it.each([
    ['/@scope%2fname', { kind: 'packument', name: '@scope/name' }],
    ['/@scope%2Fname', { kind: 'packument', name: '@scope/name' }],
    ['/%40scope%2fname', { kind: 'packument', name: '@scope/name' }],
    ['/@scope/name', { kind: 'packument', name: '@scope/name' }],
    ['/@scope/name/-/name-1.0.0.tgz', { kind: 'tarball', name: '@scope/name', path: '/@scope/name/-/name-1.0.0.tgz' }],
    ['/@scope%2fname/-/name-1.0.0.tgz', { kind: 'tarball', name: '@scope/name', path: '/@scope/name/-/name-1.0.0.tgz' }],
    ['/@scope/name/-/@scope/name-1.0.0.tgz', { kind: 'tarball', name: '@scope/name', path: '/@scope/name/-/@scope/name-1.0.0.tgz' }],
    ['/-/v1/search?text=x', { kind: 'search', query: 'text=x' }],
  ])('parses %s', (target, route) => {
    expect(parseRoute('GET', target)).toEqual(route);
  });

  it.each(['http://evil/x', '//evil/x', '/a/../b', '/%2e%2e', '/a%00b', '/@a/b/c', '/.hidden', '/a/-/../../x.tgz', '/a/-/@../x.tgz', '/a/-/@s/../x.tgz'])('refuses %s', (target) => {
    expect(parseRoute('GET', target).kind).toBe('refused');
  });

  it('refuses writes', () => {
    expect(parseRoute('PUT', '/pkg')).toMatchObject({ kind: 'refused', status: 405 });
  });
});

describe('integrity', () => {
  it('takes the strongest hash of an SRI string, and the sha1 shasum only without one', () => {
    expect(expectedDigest('sha1-AAAA sha512-BBBB', undefined)).toMatchObject({ algorithm: 'sha512', digest: 'BBBB' });
    expect(expectedDigest(undefined, 'a'.repeat(40))).toMatchObject({ algorithm: 'sha1' });
    expect(expectedDigest('md5-xx', undefined)).toBeUndefined();
  });
});
