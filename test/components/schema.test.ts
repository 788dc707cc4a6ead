import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { helperCalls, listComponents, resolveInputs, interpolate, placeholders } from '../support/components.js';
import { validateCi } from '../support/gitlab-schema.js';
import { missingFeatures } from '../support/pipeline.js';

const components = listComponents();
const SHA = '0123456789abcdef0123456789abcdef01234567';
const context = { name: 'x', sha: SHA, version: '1.2.3', reference: SHA };

/** A composite template has no job of its own: it includes single-job components. */
function isComposite(c: (typeof components)[number]): boolean {
  return /^include:/m.test(c.jobsText);
}

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
        if (isComposite(c)) {
          expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['image', 'sscs_command']));
          return;
        }
        expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['as', 'stage', 'rules', 'image', 'sscs_command']));
        expect(inputs.rules?.type).toBe('array');
      });

      it('uses every input it declares, and declares every input it uses', () => {
        const used = new Set(placeholders(c.jobsText).filter((p) => p.startsWith('inputs.')).map((p) => p.slice(7)));
        expect([...used].sort()).toEqual(Object.keys(c.header.spec.inputs ?? {}).sort());
      });

      it.skipIf(isComposite(c))('defines one job, named by the `as` input', () => {
        const jobs = interpolate(c, resolveInputs(c, requiredInputs(c)), context) as Record<string, unknown>;
        expect(Object.keys(jobs)).toEqual([c.header.spec.inputs?.as?.default]);
      });
    });
  }
});

describe('composite templates', () => {
  const composites = components.filter(isComposite);

  it('exist, and include only components of this project at their own commit', () => {
    expect(composites.map((c) => c.name)).toContain('slsa-l3');
    for (const c of composites) {
      const doc = interpolate(c, resolveInputs(c, requiredInputs(c)), context) as { include: { component: string }[] };
      for (const inc of doc.include) expect(inc.component).toMatch(new RegExp(`^\\$CI_SERVER_FQDN/sscs/components/[a-z0-9-]+@${SHA}$`));
    }
  });

  // Forwarding by hand drifts (STYLE.md); this check makes drift a test failure: each forwarded input has the
  // type and options of the input it feeds, and every required input of an included component is given.
  for (const c of composites) {
    it(`${c.name} forwards inputs that match the included components' inputs`, () => {
      const own = c.header.spec.inputs ?? {};
      const doc = YAML.parse(c.jobsText) as { include: { component: string; inputs: Record<string, unknown> }[] };
      for (const inc of doc.include) {
        const target = components.find((t) => inc.component.includes(`/sscs/components/${t.name}@`));
        expect(target, inc.component).toBeDefined();
        const theirs = target!.header.spec.inputs ?? {};
        for (const [key, value] of Object.entries(inc.inputs)) {
          expect(theirs[key], `${target!.name} has no input ${key}`).toBeDefined();
          const whole = typeof value === 'string' ? /^\$\[\[ inputs\.([a-z0-9_]+) \]\]$/.exec(value) : null;
          if (!whole) continue;
          const source = own[whole[1]!]!;
          expect(source.type ?? 'string', `${c.name}.${whole[1]} -> ${target!.name}.${key}`).toBe(theirs[key]!.type ?? 'string');
          expect(source.options, `${c.name}.${whole[1]} -> ${target!.name}.${key}`).toEqual(theirs[key]!.options);
        }
        for (const [key, spec] of Object.entries(theirs)) if (spec.default === undefined) expect(inc.inputs, `${target!.name} requires ${key}`).toHaveProperty(key);
      }
    });
  }
});

describe('templates and helper', () => {
  it('calls sscs through the sscs_command input, written into the script', () => {
    expect(Object.keys(helperCalls(components)).sort()).toEqual(expect.arrayContaining(['attest', 'policy check', 'provenance', 'release upload', 'verify']));
    expect(helperCalls(components).verify).toEqual(expect.arrayContaining(['--bundle', '--junit', '--vsa-output', '--certificate-identity']));
  });

  it('the helper has every command and flag the templates call', async () => {
    expect(await missingFeatures(helperCalls(components))).toEqual([]);
  });
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
