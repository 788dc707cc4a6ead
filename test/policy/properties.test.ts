import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluate, DEFAULT_POLICY } from '../../helper/src/policy/index.js';
import type { PackageFacts, Policy } from '../../helper/src/policy/types.js';

const NOW = new Date('2026-06-15T12:00:00Z');

const facts: fc.Arbitrary<PackageFacts> = fc.record(
  {
    metadataAvailable: fc.boolean(),
    publishedAt: fc.date({ min: new Date('2020-01-01'), max: NOW, noInvalidDate: true }),
    hasInstallScripts: fc.boolean(),
    deprecated: fc.oneof(fc.constant(false as const), fc.string({ minLength: 1, maxLength: 10 })),
    license: fc.constantFrom('MIT', 'ISC', 'GPL-3.0-only', 'MIT OR Apache-2.0', 'UNLICENSED', 'SEE LICENSE IN x'),
    hasProvenance: fc.boolean(),
    maliciousIds: fc.array(fc.constantFrom('MAL-1', 'MAL-2'), { maxLength: 2 }),
    typosquatOf: fc.array(fc.constant('lodash'), { maxLength: 1 }),
    suspicious: fc.array(fc.record({ rule: fc.constant('r'), severity: fc.constantFrom('low', 'medium', 'high', 'critical'), evidence: fc.constant('e') }), { maxLength: 2 }),
  },
  { requiredKeys: ['metadataAvailable'] },
);

const policy: Policy = {
  version: 1,
  rules: [
    ...DEFAULT_POLICY.rules!,
    { id: 'licenses', when: { license: { allow: ['MIT', 'ISC', 'Apache-2.0'] } }, action: 'deny' },
    { id: 'provenance', when: { provenance: false }, action: 'warn' },
  ],
};
const pkg = { ecosystem: 'npm' as const, name: 'some-pkg', version: '1.2.3' };

describe('policy engine properties', () => {
  it('is deterministic and always names a rule and a reason', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const a = evaluate(policy, pkg, f, NOW);
        expect(evaluate(policy, pkg, f, NOW)).toEqual(a);
        expect(a.rule).not.toBe('');
        expect(a.reason).not.toBe('');
      }),
    );
  });

  it('a listed malicious version is never allowed without a waiver', () => {
    fc.assert(
      fc.property(facts, (f) => {
        fc.pre((f.maliciousIds?.length ?? 0) > 0);
        expect(evaluate(policy, pkg, f, NOW)).toMatchObject({ action: 'deny', rule: 'malicious-feed' });
      }),
    );
  });

  it('an active waiver without a rule list never leaves a deny or quarantine', () => {
    const waived: Policy = { ...policy, waivers: [{ id: 'all', package: 'some-pkg', reason: 'r', owner: 'o', expires: '2099-01-01' }] };
    fc.assert(
      fc.property(facts, (f) => {
        expect(evaluate(waived, pkg, f, NOW).action).toBe('allow');
      }),
    );
  });

  it('missing metadata never yields allow under the default policy', () => {
    fc.assert(
      fc.property(facts, (f) => {
        const d = evaluate(DEFAULT_POLICY, pkg, { metadataAvailable: false, ...(f.maliciousIds ? { maliciousIds: f.maliciousIds } : {}) }, NOW);
        expect(['deny', 'quarantine']).toContain(d.action);
      }),
    );
  });
});
