import { describe, expect, it } from 'vitest';
import { purl } from '../../helper/src/deps/model.js';
import { parsePurl, PurlError } from '../../helper/src/deps/purl.js';
import { ecosystemOf, ecosystemOfOsv, ecosystemOfPurlType } from '../../helper/src/ecosystems/index.js';
import { pep503 } from '../../helper/src/ecosystems/pypi.js';

const PEP440 = ecosystemOf('pypi').versioning;

describe('PyPI names (PEP 503)', () => {
  it.each([
    ['Friendly-Bard', 'friendly-bard'],
    ['friendly.bard', 'friendly-bard'],
    ['friendly_bard', 'friendly-bard'],
    ['FrIeNdLy-._.-bArD', 'friendly-bard'],
    ['zope.interface', 'zope-interface'],
    ['PyYAML', 'pyyaml'],
  ])('normalises %s to %s', (name, normal) => {
    expect(pep503(name)).toBe(normal);
    expect(ecosystemOf('pypi').normalizeName(name)).toBe(normal);
  });

  it('keeps npm names as published', () => {
    expect(ecosystemOf('npm').normalizeName('JSONStream')).toBe('JSONStream');
  });

  it.each(['-lead', 'trail_', 'has space', '', 'a/b', 'x'.repeat(215)])('refuses %j as a project name', (name) => {
    expect(ecosystemOf('pypi').isName(name)).toBe(false);
  });
});

describe('pypi purls (purl spec, pypi type)', () => {
  it('writes the normalised name', () => {
    expect(purl({ ecosystem: 'pypi', name: 'zope.interface', version: '6.1' })).toBe('pkg:pypi/zope-interface@6.1');
    expect(purl({ ecosystem: 'pypi', name: 'torch', version: '2.1.0+cpu' })).toBe('pkg:pypi/torch@2.1.0%2Bcpu');
  });

  it('writes where a VCS package comes from, and no version when the input pins none', () => {
    expect(purl({ ecosystem: 'pypi', name: 'pkg-one', version: '', source: 'git', resolved: 'git+https://github.com/o/r@41b95ec' })).toBe(
      'pkg:pypi/pkg-one?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fo%2Fr%4041b95ec',
    );
  });

  it('reads any spelling of a name as the normalised project', () => {
    expect(parsePurl('pkg:pypi/Django@5.0').packageName).toBe('django');
    expect(parsePurl('pkg:pypi/zope_interface@6.1').packageName).toBe('zope-interface');
    expect(parsePurl('pkg:pypi/ruamel.yaml@0.18.6?repository_url=https://example.test/simple').packageName).toBe('ruamel-yaml');
  });

  it.each([
    ['pkg:pypi/ns/requests@2.0', 'no namespace'],
    ['pkg:pypi/-bad@1', 'not a PyPI project name'],
    ['pkg:PyPI/requests@1', 'must be lowercase'],
  ])('refuses %s', (text, message) => {
    expect(() => parsePurl(text)).toThrow(PurlError);
    expect(() => parsePurl(text)).toThrow(message);
  });

  it('maps purl types and OSV ecosystem names to adapters', () => {
    expect(ecosystemOfPurlType('pypi')?.id).toBe('pypi');
    expect(ecosystemOfPurlType('maven')).toBeUndefined();
    expect(ecosystemOfOsv('PyPI')?.id).toBe('pypi');
    expect(ecosystemOfOsv('pypi')?.id).toBe('pypi');
    expect(ecosystemOfOsv('npm')?.id).toBe('npm');
  });
});

describe('PyPI versions (PEP 440)', () => {
  it('orders pre, post, dev releases and epochs', () => {
    const sorted = ['1.0.post1', '1.0', '1.0rc1', '1.0.dev0', '1!0.1', '0.9', '1.0a2'].sort((a, b) => PEP440.compare(a, b)!);
    expect(sorted).toEqual(['0.9', '1.0.dev0', '1.0a2', '1.0rc1', '1.0', '1.0.post1', '1!0.1']);
  });

  it('treats 1.0 and 1.0.0 as the same release', () => {
    expect(PEP440.equals('1.0', '1.0.0')).toBe(true);
    expect(PEP440.equals('1.0', '1.0.1')).toBe(false);
  });

  it.each([
    ['>=2,<3', '2.31.0', true],
    ['>=2,<3', '3.0', false],
    ['~=1.4', '1.9.2', true],
    ['~=1.4', '2.0', false],
    ['==1.2.*', '1.2.9', true],
    ['1.0', '1.0.0', true],
    ['>=1.0', '2.0rc1', true],
    ['!=1.5', '1.5.0', false],
  ])('%s matches %s: %s', (range, version, expected) => {
    expect(PEP440.range(range)!(version)).toBe(expected);
  });

  it('refuses what is not a specifier', () => {
    expect(PEP440.range('^1.2')).toBeUndefined();
    expect(PEP440.range('latest')).toBeUndefined();
  });
});

describe('PyPI version normal form (PEP 440 "Normalization", as packaging.version.Version prints it)', () => {
  it.each([
    ['02.0', '2.0'],
    ['2.0-post1', '2.0.post1'],
    ['2.0-1', '2.0.post1'],
    ['1.0RC1', '1.0rc1'],
    ['v1.0', '1.0'],
    ['1!2.0', '1!2.0'],
    ['1.0+Local.A', '1.0+local.a'],
    ['2.0.0', '2.0.0'],
    ['not a version', 'not a version'],
  ])('%s is %s', (given, normal) => {
    expect(PEP440.normalize(given)).toBe(normal);
  });

  it('leaves npm versions as published', () => {
    expect(ecosystemOf('npm').versioning.normalize('v1.0.0')).toBe('v1.0.0');
  });
});
