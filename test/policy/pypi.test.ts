import { describe, expect, it } from 'vitest';
import { evaluate } from '../../helper/src/policy/index.js';
import { compileMatchSpec, compileWaiverMatch, PatternError } from '../../helper/src/policy/match.js';
import type { PackageFacts, PackageRef, Policy } from '../../helper/src/policy/types.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const py = (name: string, version = '1.0.0'): PackageRef => ({ ecosystem: 'pypi', name, version });
const npm = (name: string, version = '1.0.0'): PackageRef => ({ ecosystem: 'npm', name, version });
const old = (over: Partial<PackageFacts> = {}): PackageFacts => ({ metadataAvailable: true, publishedAt: new Date('2024-01-01T00:00:00Z'), hasInstallScripts: false, license: 'MIT', ...over });

describe('policy patterns for pkg:pypi', () => {
  it('matches a pypi purl pattern on the PEP 503 name, in any spelling, and on pypi only', () => {
    const m = compileMatchSpec('pkg:pypi/Zope.Interface');
    expect(m(py('zope-interface'))).toBe(true);
    expect(m(py('zope_interface'))).toBe(true);
    expect(m(npm('zope-interface'))).toBe(false);
  });

  it('reads the range as a PEP 440 specifier', () => {
    const m = compileMatchSpec('pkg:pypi/requests@>=2.30,<2.32');
    expect(m(py('requests', '2.31.0'))).toBe(true);
    expect(m(py('requests', '2.32.3'))).toBe(false);
    expect(m(py('requests', '2.31.0rc1'))).toBe(true);
    expect(compileMatchSpec('pkg:pypi/requests@2.31')(py('requests', '2.31.0'))).toBe(true);
  });

  it('refuses a range that is no PEP 440 specifier', () => {
    expect(() => compileMatchSpec('pkg:pypi/requests@^2.0')).toThrow(PatternError);
    expect(() => compileMatchSpec('pkg:pypi/requests@^2.0')).toThrow('PEP 440');
  });

  it('applies a bare glob to every ecosystem, each with its own name form and range grammar', () => {
    const m = compileMatchSpec({ name: 'torch*', version: '>=2' });
    expect(m(py('torchvision', '2.1'))).toBe(true);
    expect(m(npm('torchjs', '2.0.0'))).toBe(true);
    const semverOnly = compileMatchSpec({ name: 'left-pad', version: '^1.2' });
    expect(semverOnly(npm('left-pad', '1.3.0'))).toBe(true);
    expect(semverOnly(py('left-pad', '1.3.0'))).toBe(false);
    expect(() => compileMatchSpec({ name: 'x', version: 'not a range' })).toThrow('neither');
  });

  it('field form with ecosystem pypi', () => {
    const m = compileMatchSpec({ ecosystem: 'pypi', name: 'Django', version: '<5' });
    expect(m(py('django', '4.2.11'))).toBe(true);
    expect(m(py('django', '5.0'))).toBe(false);
    expect(m(npm('Django', '4.0.0'))).toBe(false);
    expect(compileMatchSpec({ ecosystem: 'pypi', scope: 'x' })(py('x'))).toBe(false);
  });

  it('a waiver range follows its pattern ecosystem', () => {
    const w = compileWaiverMatch('pkg:pypi/urllib3', '==1.26.*');
    expect(w(py('urllib3', '1.26.18'))).toBe(true);
    expect(w(py('urllib3', '2.0.0'))).toBe(false);
  });
});

describe('policy engine on PyPI packages', () => {
  const policy: Policy = {
    version: 1,
    rules: [
      { id: 'no-crypto-squat', match: 'pkg:pypi/crypto*', action: 'deny' },
      { id: 'young', when: { published_within: '48h' }, action: 'quarantine' },
      { id: 'sdist-only', match: { ecosystem: 'pypi' }, when: { install_scripts: true }, action: 'warn' },
      { id: 'squat', when: { typosquat: true }, action: 'deny' },
    ],
    waivers: [{ package: 'pkg:pypi/cryptography', version: '>=42', reason: 'vetted', owner: 'sec', expires: '2027-01-01' }],
  };

  it.each([
    ['a pattern deny', py('cryptofoo'), old(), 'deny', 'no-crypto-squat'],
    ['a waiver with a PEP 440 range', py('cryptography', '42.0.5'), old(), 'allow', 'waivers[0]'],
    ['the waiver does not cover an older version', py('cryptography', '41.0.7'), old(), 'deny', 'no-crypto-squat'],
    ['the age gate', py('requests', '2.32.3'), old({ publishedAt: new Date(NOW.getTime() - 3_600_000) }), 'quarantine', 'young'],
    ['install-time code (sdist only) warns', py('pycrypto', '2.6.1'), old({ hasInstallScripts: true }), 'warn', 'sdist-only'],
    ['a typosquat', py('reqeusts', '1.0'), old({ typosquatOf: ['requests'] }), 'deny', 'squat'],
    ['the malicious feed', py('requests', '2.32.3'), old({ maliciousIds: ['MAL-2024-1'] }), 'deny', 'malicious-feed'],
  ])('%s', (_name, pkg, facts, action, rule) => {
    const d = evaluate(policy, pkg, facts, NOW);
    expect({ action: d.action, rule: d.rule }).toEqual({ action, rule });
  });
});
