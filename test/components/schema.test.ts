import { describe, expect, it } from 'vitest';
import { listComponents, resolveInputs, interpolate, placeholders } from '../support/components.js';
import { validateCi } from '../support/gitlab-schema.js';

const components = listComponents();
const SHA = '0123456789abcdef0123456789abcdef01234567';
const context = { name: 'x', sha: SHA, version: '1.2.3', reference: SHA };

/** Values for the inputs that have no default, so that the jobs document can be interpolated. */
function requiredInputs(c: (typeof components)[number]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(c.header.spec.inputs ?? {})) {
    if (spec.default === undefined) out[k] = spec.type === 'array' ? ['echo build'] : spec.type === 'number' ? 1 : spec.type === 'boolean' ? true : `value-of-${k}`;
  }
  return out;
}

describe('component schema', () => {
  it('finds the components', () => {
    expect(components.map((c) => c.name)).toEqual(expect.arrayContaining(['build-provenance', 'isolated-provenance', 'verify-gate', 'image-provenance', 'release-attestations']));
  });

  for (const c of components) {
    describe(c.name, () => {
      it('has a header that validates against the GitLab CI schema', () => {
        expect(validateCi(c.header)).toEqual([]);
      });

      it('has a jobs document that validates once the defaults are interpolated', () => {
        const jobs = interpolate(c, resolveInputs(c, requiredInputs(c)), context);
        expect(validateCi(jobs)).toEqual([]);
      });

      it('follows the input conventions', () => {
        const inputs = c.header.spec.inputs ?? {};
        for (const [key, spec] of Object.entries(inputs)) {
          expect(key, key).toMatch(/^[a-z][a-z0-9_]*$/);
          expect(spec.description, `${key}.description`).toMatch(/\S/);
          expect(spec.type, `${key}.type`).toMatch(/^(string|number|boolean|array)$/);
        }
        expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['as', 'stage', 'rules', 'image', 'sscs_command']));
        expect(inputs.rules?.type).toBe('array');
      });

      it('uses every input it declares, and declares every input it uses', () => {
        const used = new Set(placeholders(c.jobsText).filter((p) => p.startsWith('inputs.')).map((p) => p.slice(7)));
        expect([...used].sort()).toEqual(Object.keys(c.header.spec.inputs ?? {}).sort());
      });

      it('defines one job, named by the `as` input', () => {
        const jobs = interpolate(c, resolveInputs(c, requiredInputs(c)), context) as Record<string, unknown>;
        expect(Object.keys(jobs)).toEqual([c.header.spec.inputs?.as?.default]);
      });
    });
  }
});

describe('the schema check itself', () => {
  it('rejects an unknown job keyword and an unknown spec key', () => {
    expect(validateCi({ job: { scirpt: ['true'] } })).not.toEqual([]);
    expect(validateCi({ spec: { inputz: {} } })).not.toEqual([]);
  });

  it('rejects an interpolated document whose input has the wrong type', () => {
    const c = components.find((x) => x.name === 'verify-gate')!;
    expect(() => resolveInputs(c, { rules: 'always' })).toThrow(/must be a array/);
    expect(() => resolveInputs(c, { no_such_input: 'x' })).toThrow(/unknown input/);
  });
});
