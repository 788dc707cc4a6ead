import { describe, expect, it } from 'vitest';
import { evaluate, DEFAULT_POLICY } from '../../helper/src/policy/index.js';
import type { Decision, PackageFacts, PackageRef, Policy } from '../../helper/src/policy/types.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const HOUR = 3_600_000;
const pkg = (name: string, version = '1.0.0'): PackageRef => ({ ecosystem: 'npm', name, version });
/** Facts of an old, plain, MIT package with full metadata. */
const plain = (over: Partial<PackageFacts> = {}): PackageFacts => ({
  metadataAvailable: true,
  publishedAt: new Date(NOW.getTime() - 400 * 24 * HOUR),
  hasInstallScripts: false,
  deprecated: false,
  license: 'MIT',
  ...over,
});
const pick = (d: Decision) => ({ action: d.action, rule: d.rule });

describe('policy engine: each condition', () => {
  const cases: { name: string; policy: Policy; facts: PackageFacts; pkg?: PackageRef; expected: { action: string; rule: string } }[] = [
    {
      name: 'published_within quarantines a young version',
      policy: { version: 1, rules: [{ id: 'age', when: { published_within: '48h' }, action: 'quarantine' }] },
      facts: plain({ publishedAt: new Date(NOW.getTime() - 3 * HOUR) }),
      expected: { action: 'quarantine', rule: 'age' },
    },
    {
      name: 'published_within lets an old version through',
      policy: { version: 1, rules: [{ id: 'age', when: { published_within: '48h' }, action: 'quarantine' }] },
      facts: plain({ publishedAt: new Date(NOW.getTime() - 49 * HOUR) }),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'install_scripts: true matches a package with install scripts',
      policy: { version: 1, rules: [{ id: 'scripts', when: { install_scripts: true }, action: 'deny' }] },
      facts: plain({ hasInstallScripts: true }),
      expected: { action: 'deny', rule: 'scripts' },
    },
    {
      name: 'install_scripts: true does not match a package without',
      policy: { version: 1, rules: [{ id: 'scripts', when: { install_scripts: true }, action: 'deny' }] },
      facts: plain(),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'typosquat matches a name close to a popular one',
      policy: { version: 1, rules: [{ id: 'ts', when: { typosquat: true }, action: 'deny' }] },
      facts: plain({ typosquatOf: ['lodash'] }),
      pkg: pkg('lodahs'),
      expected: { action: 'deny', rule: 'ts' },
    },
    {
      name: 'provenance: false matches a version without attestation where the registry offers them',
      policy: { version: 1, rules: [{ id: 'prov', when: { provenance: false }, action: 'warn' }] },
      facts: plain({ hasProvenance: false }),
      expected: { action: 'warn', rule: 'prov' },
    },
    {
      name: 'provenance does not apply where the registry offers no attestations',
      policy: { version: 1, rules: [{ id: 'prov', when: { provenance: false }, action: 'deny' }] },
      facts: plain(),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'deprecated matches a deprecated version',
      policy: { version: 1, rules: [{ id: 'dep', when: { deprecated: true }, action: 'deny' }] },
      facts: plain({ deprecated: 'use something else' }),
      expected: { action: 'deny', rule: 'dep' },
    },
    {
      name: 'license allow list refuses a license outside it',
      policy: { version: 1, rules: [{ id: 'lic', when: { license: { allow: ['MIT', 'ISC'] } }, action: 'deny' }] },
      facts: plain({ license: 'GPL-3.0-only' }),
      expected: { action: 'deny', rule: 'lic' },
    },
    {
      name: 'license allow list accepts a disjunction with an allowed choice',
      policy: { version: 1, rules: [{ id: 'lic', when: { license: { allow: ['MIT'] } }, action: 'deny' }] },
      facts: plain({ license: '(GPL-3.0-only OR MIT)' }),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'license deny list refuses a conjunction that includes a denied license',
      policy: { version: 1, rules: [{ id: 'lic', when: { license: { deny: ['AGPL-3.0-only'] } }, action: 'deny' }] },
      facts: plain({ license: 'MIT AND AGPL-3.0-only' }),
      expected: { action: 'deny', rule: 'lic' },
    },
    {
      name: 'license deny list accepts a disjunction with a way out',
      policy: { version: 1, rules: [{ id: 'lic', when: { license: { deny: ['AGPL-3.0-only'] } }, action: 'deny' }] },
      facts: plain({ license: 'MIT OR AGPL-3.0-only' }),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'a license that is not SPDX is unknown, and fails closed to the rule action',
      policy: { version: 1, rules: [{ id: 'lic', when: { license: { allow: ['MIT'] } }, action: 'deny' }] },
      facts: plain({ license: 'SEE LICENSE IN LICENSE.md' }),
      expected: { action: 'deny', rule: 'lic' },
    },
    {
      name: 'suspicious matches a finding at the severity',
      policy: { version: 1, rules: [{ id: 'sus', when: { suspicious: 'high' }, action: 'quarantine' }] },
      facts: plain({ suspicious: [{ rule: 'obfuscation', severity: 'critical', evidence: 'eval(atob(...))' }] }),
      expected: { action: 'quarantine', rule: 'sus' },
    },
    {
      name: 'suspicious ignores findings below the severity',
      policy: { version: 1, rules: [{ id: 'sus', when: { suspicious: 'high' }, action: 'quarantine' }] },
      facts: plain({ suspicious: [{ rule: 'binary', severity: 'low', evidence: 'x.node' }] }),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'the known-malicious feed denies before any rule, even an allow',
      policy: { version: 1, rules: [{ id: 'trust-all', action: 'allow' }] },
      facts: plain({ maliciousIds: ['MAL-2026-1'] }),
      expected: { action: 'deny', rule: 'malicious-feed' },
    },
    {
      name: 'policy.malicious can choose quarantine instead',
      policy: { version: 1, malicious: 'quarantine' },
      facts: plain({ maliciousIds: ['MAL-2026-1'] }),
      expected: { action: 'quarantine', rule: 'malicious-feed' },
    },
    {
      name: 'all conditions of a rule must hold',
      policy: { version: 1, rules: [{ id: 'both', when: { install_scripts: true, published_within: '7d' }, action: 'deny' }] },
      facts: plain({ hasInstallScripts: true }),
      expected: { action: 'allow', rule: 'default' },
    },
    {
      name: 'default_action applies when no rule matches',
      policy: { version: 1, default_action: 'deny', rules: [{ id: 'ours', match: 'pkg:npm/@corp/*', action: 'allow' }] },
      facts: plain(),
      pkg: pkg('left-pad'),
      expected: { action: 'deny', rule: 'default' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(pick(evaluate(c.policy, c.pkg ?? pkg('some-pkg'), c.facts, NOW))).toEqual(c.expected);
    });
  }

  it('carries `until` for an age-gate quarantine', () => {
    const published = new Date(NOW.getTime() - 10 * HOUR);
    const d = evaluate({ version: 1, rules: [{ id: 'age', when: { published_within: '2d' }, action: 'quarantine' }] }, pkg('x'), plain({ publishedAt: published }), NOW);
    expect(d.until?.toISOString()).toBe(new Date(published.getTime() + 48 * HOUR).toISOString());
    expect(d.reason).toBe(`published 10h ago, less than 2d; old enough at ${d.until!.toISOString()}`);
  });
});

describe('policy engine: matching and order', () => {
  const policy: Policy = {
    version: 1,
    rules: [
      { id: 'corp-allowed', match: { scope: 'corp' }, action: 'allow' },
      { id: 'old-lodash', match: 'pkg:npm/lodash@<4.17.21', action: 'deny', reason: 'prototype pollution' },
      { id: 'scripts', when: { install_scripts: true }, action: 'warn' },
      { id: 'no-colors', match: ['colors', 'pkg:npm/faker@6.6.6'], action: 'deny' },
      { id: 'scripts-deny', when: { install_scripts: true }, action: 'deny' },
    ],
  };
  const table: [string, PackageRef, PackageFacts, { action: string; rule: string }][] = [
    ['first match wins: a scoped allow comes before the install-script deny', pkg('@corp/tool'), plain({ hasInstallScripts: true }), { action: 'allow', rule: 'corp-allowed' }],
    ['purl range matches an old version', pkg('lodash', '4.17.20'), plain(), { action: 'deny', rule: 'old-lodash' }],
    ['purl range does not match a fixed version', pkg('lodash', '4.17.21'), plain(), { action: 'allow', rule: 'default' }],
    ['a list of patterns matches any entry', pkg('colors', '1.4.1'), plain(), { action: 'deny', rule: 'no-colors' }],
    ['a purl without the exact version does not match', pkg('faker', '6.6.5'), plain(), { action: 'allow', rule: 'default' }],
    ['a warn rule does not stop a later deny', pkg('native'), plain({ hasInstallScripts: true }), { action: 'deny', rule: 'scripts-deny' }],
  ];
  for (const [name, p, facts, expected] of table) it(name, () => expect(pick(evaluate(policy, p, facts, NOW))).toEqual(expected));

  it('keeps the warnings met before a deny as notes', () => {
    const d = evaluate(policy, pkg('native'), plain({ hasInstallScripts: true }), NOW);
    expect(d).toEqual({ action: 'deny', rule: 'scripts-deny', reason: 'has install scripts', notes: ['scripts: has install scripts'] });
  });

  it('says which rule decided and why', () => {
    const d = evaluate(policy, pkg('lodash', '4.17.20'), plain(), NOW);
    expect(d).toEqual({ action: 'deny', rule: 'old-lodash', reason: 'prototype pollution: matches rule old-lodash' });
  });

  it('names rules without an id by their index', () => {
    expect(evaluate({ version: 1, rules: [{ action: 'allow', match: 'a' }, { action: 'deny' }] }, pkg('b'), plain(), NOW).rule).toBe('rules[1]');
  });

  it('turns an allow into warn when a warn rule matched earlier, and keeps the note', () => {
    const d = evaluate({ version: 1, rules: [{ id: 's', when: { install_scripts: true }, action: 'warn' }] }, pkg('x'), plain({ hasInstallScripts: true }), NOW);
    expect(d).toEqual({ action: 'warn', rule: 's', reason: 'has install scripts' });
  });
});

describe('policy engine: waivers', () => {
  const base: Policy = {
    version: 1,
    rules: [
      { id: 'scripts', when: { install_scripts: true }, action: 'deny' },
      { id: 'age', when: { published_within: '7d' }, action: 'quarantine' },
    ],
  };
  const waiver = (expires: string, extra: object = {}) => ({ id: 'w1', package: 'pkg:npm/esbuild', version: '^0.28.0', reason: 'native binary, reviewed', owner: 'platform-team', expires, ...extra });

  it('an active waiver lifts the rule and the decision names the waiver', () => {
    const d = evaluate({ ...base, waivers: [waiver('2026-12-31')] }, pkg('esbuild', '0.28.2'), plain({ hasInstallScripts: true }), NOW);
    expect(d.action).toBe('allow');
    expect(d.rule).toBe('w1');
    expect(d.reason).toBe('waived by w1 (owner platform-team, until 2026-12-31): native binary, reviewed');
    expect(d.notes).toEqual(['scripts waived by w1: has install scripts']);
  });

  it('a waiver is valid through its expiry day and stops the next day, and the expiry is reported', () => {
    const facts = plain({ hasInstallScripts: true });
    const lastDay = evaluate({ ...base, waivers: [waiver('2026-06-15')] }, pkg('esbuild', '0.28.2'), facts, NOW);
    expect(lastDay.action).toBe('allow');
    const expired = evaluate({ ...base, waivers: [waiver('2026-06-14')] }, pkg('esbuild', '0.28.2'), facts, NOW);
    expect(pick(expired)).toEqual({ action: 'deny', rule: 'scripts' });
    expect(expired.expiredWaivers).toEqual(['w1']);
    expect(expired.notes).toEqual(['waiver w1 (owner platform-team) expired on 2026-06-14 and no longer applies']);
  });

  it('a decision carries the time it changes: the expiry of the waiver it rests on, or the end of an age gate', () => {
    const waived = evaluate({ ...base, waivers: [waiver('2026-12-31')] }, pkg('esbuild', '0.28.2'), plain({ hasInstallScripts: true }), NOW);
    expect(waived.changesAt).toEqual(new Date('2027-01-01T00:00:00Z'));
    const young = evaluate(base, pkg('young'), plain({ publishedAt: new Date(NOW.getTime() - HOUR) }), NOW);
    expect(young.changesAt).toEqual(new Date(NOW.getTime() - HOUR + 7 * 24 * HOUR));
    expect(evaluate(base, pkg('settled'), plain(), NOW).changesAt).toBeUndefined();
  });

  it('a waiver outside its version range does not apply', () => {
    const d = evaluate({ ...base, waivers: [waiver('2026-12-31')] }, pkg('esbuild', '0.29.0'), plain({ hasInstallScripts: true }), NOW);
    expect(pick(d)).toEqual({ action: 'deny', rule: 'scripts' });
  });

  it('a waiver that names rules lifts only those', () => {
    const facts = plain({ hasInstallScripts: true, publishedAt: new Date(NOW.getTime() - HOUR) });
    const d = evaluate({ ...base, waivers: [waiver('2026-12-31', { rules: ['scripts'] })] }, pkg('esbuild', '0.28.2'), facts, NOW);
    expect(pick(d)).toEqual({ action: 'quarantine', rule: 'age' });
  });

  it('a waiver can lift the malicious feed only when it says so or names no rules', () => {
    const facts = plain({ maliciousIds: ['MAL-1'] });
    const scoped = evaluate({ ...base, waivers: [waiver('2026-12-31', { rules: ['scripts'] })] }, pkg('esbuild', '0.28.2'), facts, NOW);
    expect(pick(scoped)).toEqual({ action: 'deny', rule: 'malicious-feed' });
    const named = evaluate({ ...base, waivers: [waiver('2026-12-31', { rules: ['malicious-feed'] })] }, pkg('esbuild', '0.28.2'), facts, NOW);
    expect(pick(named)).toEqual({ action: 'allow', rule: 'w1' });
  });
});

describe('policy engine: unknown metadata', () => {
  const down: PackageFacts = { metadataAvailable: false, metadataError: 'registry unreachable' };
  const rules: Policy['rules'] = [{ id: 'age', when: { published_within: '48h' }, action: 'quarantine' }];

  it('fails closed to the rule action by default', () => {
    const d = evaluate({ version: 1, rules }, pkg('x'), down, NOW);
    expect(d).toEqual({ action: 'quarantine', rule: 'age', reason: 'cannot tell: the publish time is unknown (registry unreachable)' });
  });

  it.each([
    ['global on_unknown deny', { on_unknown: 'deny' as const }, 'deny'],
    ['per-condition on_unknown warn', { on_unknown: { published_within: 'warn' as const } }, 'warn'],
    ['on_unknown allow treats the condition as not holding', { on_unknown: 'allow' as const }, 'allow'],
  ])('%s', (_name, extra, action) => {
    expect(evaluate({ version: 1, rules, ...extra }, pkg('x'), down, NOW).action).toBe(action);
  });

  it('takes the strictest outcome when several conditions are unknown', () => {
    const both: Policy = { version: 1, on_unknown: { published_within: 'warn', install_scripts: 'deny' }, rules: [{ id: 'r', when: { published_within: '1d', install_scripts: true }, action: 'quarantine' }] };
    expect(evaluate(both, pkg('x'), down, NOW).action).toBe('deny');
  });

  it("a rule's own on_unknown wins over the policy's", () => {
    const d = evaluate({ version: 1, on_unknown: 'allow', rules: [{ ...rules[0]!, on_unknown: 'deny' }] }, pkg('x'), down, NOW);
    expect(d.action).toBe('deny');
  });

  it('the default policy quarantines when metadata is unavailable (registry down, offline without snapshot)', () => {
    expect(pick(evaluate(DEFAULT_POLICY, pkg('x'), down, NOW))).toEqual({ action: 'quarantine', rule: 'minimum-age' });
    expect(pick(evaluate(DEFAULT_POLICY, pkg('x'), { metadataAvailable: false, metadataError: 'offline with no metadata snapshot' }, NOW))).toEqual({ action: 'quarantine', rule: 'minimum-age' });
  });

  it('the default policy allows an old plain package and warns on install scripts', () => {
    expect(pick(evaluate(DEFAULT_POLICY, pkg('x'), plain(), NOW))).toEqual({ action: 'allow', rule: 'default' });
    expect(pick(evaluate(DEFAULT_POLICY, pkg('x'), plain({ hasInstallScripts: true }), NOW))).toEqual({ action: 'warn', rule: 'install-scripts' });
  });
});
