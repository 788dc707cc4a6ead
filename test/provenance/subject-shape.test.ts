import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidSubjectList } from '../../helper/src/provenance/subject-shape.js';
import { validateProvenanceStatement, validateProvenanceStatements } from '../../helper/src/provenance/validate.js';
import { validateStatement } from '../../helper/src/schemas/provenance-validators.generated.js';
import { STATEMENT_TYPE_V1 } from '../../helper/src/provenance/constants.js';

const hex = (len: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${len}}$`));
const validSubject = fc.record({ name: fc.string({ minLength: 1 }), digest: fc.record({ sha256: hex(64), sha512: hex(128) }, { requiredKeys: ['sha256'] }) });
// A valid subject with one rule of the schema's subject items broken, or not.
type Mutation = (s: { name: unknown; digest: Record<string, unknown> } & Record<string, unknown>) => unknown;
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>((s) => s),
  anyValue.map<Mutation>((v) => (s) => ({ ...s, name: v })),
  fc.constant<Mutation>((s) => ({ ...s, name: '' })),
  fc.constant<Mutation>(({ name: _name, ...rest }) => rest),
  fc.constant<Mutation>(({ digest: _digest, ...rest }) => rest),
  anyValue.map<Mutation>((v) => (s) => ({ ...s, digest: v })),
  fc.constant<Mutation>((s) => ({ ...s, digest: {} })),
  fc.constantFrom('sha256', 'sha512', 'gitCommit', 'md5', '').chain((alg) =>
    fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{0,130}$/), fc.integer({ min: 1, max: 130 }).chain((n) => hex(n)), anyValue, fc.constantFrom('A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'a'.repeat(128), `${'a'.repeat(64)}\n`, 'g'.repeat(64))).map<Mutation>((v) => (s) => ({ ...s, digest: { ...s.digest, [alg]: v } })),
  ),
  fc.oneof(anyValue, fc.object()).map<Mutation>((v) => (s) => ({ ...s, annotations: v })),
  fc.tuple(fc.oneof(fc.string(), fc.constantFrom('extra', 'uri', 'Name', 'annotations')), anyValue).map<Mutation>(([k, v]) => (s) => ({ ...s, [k]: v })),
);
const subject = fc.oneof(fc.tuple(validSubject, mutation).map(([s, m]) => m(s)), anyValue);
const envelope = (subjects: unknown) => ({ _type: STATEMENT_TYPE_V1, subject: subjects, predicateType: 'https://example.com/p', predicate: {} });

describe('the subject fast path of provenance validation', () => {
  it('accepts the subject lists the generated statement validator accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(subject, { maxLength: 4 }), anyValue), (list) => {
        const schema = Array.isArray(list) && list.length > 0 && validateStatement(envelope(list));
        const fast = isValidSubjectList(list);
        if (fast) expect(schema).toBe(true);
        // One difference: the generated validator skips a digest entry whose value is undefined (which JSON
        // then drops); the fast path leaves such a list to it.
        if (schema && !Array.from(list as unknown[]).some((x) => Object.values((x as { digest: object }).digest).includes(undefined))) expect(fast).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  const ok = { name: 'dist/a.tgz', digest: { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) } };
  it.each([
    ['an empty name', { ...ok, name: '' }],
    ['a name that is not a string', { ...ok, name: 7 }],
    ['no name', { digest: ok.digest }],
    ['no digest', { name: ok.name }],
    ['an empty digest', { ...ok, digest: {} }],
    ['a digest that is an array', { ...ok, digest: ['a'.repeat(64)] }],
    ['sha256 of 63 digits', { ...ok, digest: { sha256: 'a'.repeat(63) } }],
    ['sha256 of 65 digits', { ...ok, digest: { sha256: 'a'.repeat(65) } }],
    ['sha256 in capitals', { ...ok, digest: { sha256: 'A'.repeat(64) } }],
    ['sha512 of 64 digits', { ...ok, digest: { sha256: 'a'.repeat(64), sha512: 'b'.repeat(64) } }],
    ['sha512 of 129 digits', { ...ok, digest: { sha512: 'b'.repeat(129) } }],
    ['another algorithm with no digits', { ...ok, digest: { gitCommit: '' } }],
    ['another algorithm with a non-hex digit', { ...ok, digest: { gitCommit: 'abcg' } }],
    ['a digest that is not a string', { ...ok, digest: { sha256: 1 } }],
    ['a digest with a newline after it', { ...ok, digest: { sha256: `${'a'.repeat(64)}\n` } }],
    ['annotations that are an array', { ...ok, annotations: [] }],
    ['annotations that are null', { ...ok, annotations: null }],
    ['another property', { ...ok, uri: 'x' }],
  ])('refuses a subject with %s, as the schema does', (_what, bad) => {
    for (const list of [[bad], [ok, bad], [ok, ok, bad, ok]]) {
      expect(isValidSubjectList(list)).toBe(false);
      expect(validateStatement(envelope(list))).toBe(false);
    }
    expect(isValidSubjectList([ok, { ...ok, annotations: { k: 'v' } }, { name: 'x', digest: { gitCommit: 'abc1' } }])).toBe(true);
  });

  it('accepts the subject lists sscs writes (so that the fast path is taken)', () => {
    fc.assert(
      fc.property(fc.array(validSubject, { minLength: 1, maxLength: 20 }), (list) => {
        expect(isValidSubjectList(list)).toBe(true);
        expect(validateStatement(envelope(list))).toBe(true);
      }),
    );
  });

  it('reports a bad subject deep in a long list as the generated validator does', () => {
    const list = Array.from({ length: 3000 }, (_, i) => ({ name: `f${i}`, digest: { sha256: 'a'.repeat(64) } }));
    list[2500] = { name: 'f2500', digest: { sha256: 'A'.repeat(64) } };
    const predicate = {};
    const statements = [envelope(list.slice(0, 1000)), envelope(list.slice(1000, 2000)), envelope(list.slice(2000))].map((s) => ({ ...s, predicate }));
    expect(() => validateProvenanceStatements(statements)).toThrow(/^the in-toto statement does not match its schema:\n {2}\/subject\/500\/digest\/sha256: must match pattern "\^\[0-9a-f\]\{64\}\$"/);
    let single: unknown;
    try {
      validateProvenanceStatement(statements[2]);
    } catch (e) {
      single = e;
    }
    expect(() => validateProvenanceStatements(statements)).toThrow((single as Error).message);
  });

  it('checks a predicate that several statements share, and each statement of its own', () => {
    const bad = { buildDefinition: {}, runDetails: {} };
    const statements = [1, 2].map((i) => ({ _type: STATEMENT_TYPE_V1, subject: [{ name: `f${i}`, digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: bad }));
    expect(() => validateProvenanceStatements(statements)).toThrow(/^the SLSA provenance predicate does not match its schema/);
    expect(() => validateProvenanceStatements([{ ...statements[0], extra: 1 }])).toThrow(/additional properties 'extra'/);
    expect(() => validateProvenanceStatements([{ ...statements[0], subject: [] }])).toThrow(/\/subject: must NOT have fewer than 1 items/);
  });
});
