import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidSubjectListJson } from '../../helper/src/provenance/subject-shape.js';
import { provenanceJsonLines, validateProvenanceStatement } from '../../helper/src/provenance/validate.js';
import { validateStatement } from '../../helper/src/schemas/provenance-validators.generated.js';
import { STATEMENT_TYPE_V1 } from '../../helper/src/provenance/constants.js';

const hex = (len: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${len}}$`));
// Names of any code points (quotes, backslashes, control characters, lone surrogates), which JSON.stringify escapes.
const name = fc.oneof(fc.string({ minLength: 1 }), fc.string({ minLength: 1, unit: 'binary' }), fc.constantFrom('"', '\\', 'a"b\\c', '\u2028', '\ud800', 'x\n', '","digest":{"sha256":"' + 'a'.repeat(64) + '"}}'));
const validSubject = fc.record({ name, digest: fc.record({ sha256: hex(64), sha512: hex(128) }, { requiredKeys: ['sha256'] }) });
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
  // The check reads the text written: a list it accepts must parse back to one the generated validator accepts.
  const verdicts = (list: unknown) => {
    const json = JSON.stringify(list);
    return { fast: typeof json === 'string' && isValidSubjectListJson(json), written: typeof json === 'string' && Array.isArray(list) && validateStatement(envelope(JSON.parse(json))) };
  };

  it('accepts only subject lists whose written text the generated statement validator accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(subject, { maxLength: 4 }), anyValue), (list) => {
        const { fast, written } = verdicts(list);
        if (fast) expect(written).toBe(true);
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
    ['sha512 of 129 digits', { ...ok, digest: { sha256: 'a'.repeat(64), sha512: 'b'.repeat(129) } }],
    ['another algorithm with no digits', { ...ok, digest: { gitCommit: '' } }],
    ['another algorithm with a non-hex digit', { ...ok, digest: { gitCommit: 'abcg' } }],
    ['a digest that is not a string', { ...ok, digest: { sha256: 1 } }],
    ['a digest with a newline after it', { ...ok, digest: { sha256: `${'a'.repeat(64)}\n` } }],
    ['annotations that are an array', { ...ok, annotations: [] }],
    ['annotations that are null', { ...ok, annotations: null }],
    ['another property', { ...ok, uri: 'x' }],
  ])('refuses a subject with %s, as the schema does', (_what, bad) => {
    for (const list of [[bad], [ok, bad], [ok, ok, bad, ok]]) {
      expect(isValidSubjectListJson(JSON.stringify(list))).toBe(false);
      expect(validateStatement(envelope(list))).toBe(false);
    }
  });

  it('refuses what is not one list of subjects', () => {
    const one = JSON.stringify([ok]);
    for (const text of ['[]', '', `${one}\n`, `${one},${one}`, `[${one}]`, one.replace(/\]$/, ',]'), one.replace(/^\[/, '[,'), one.slice(1), one.slice(0, -1), `{"subject":${one}}`]) {
      expect(isValidSubjectListJson(text)).toBe(false);
    }
  });

  it('accepts the subject lists sscs writes (so that the fast path is taken)', () => {
    fc.assert(
      fc.property(fc.array(validSubject, { minLength: 1, maxLength: 20 }), (list) => {
        expect(verdicts(list)).toEqual({ fast: true, written: true });
        expect(validateStatement(envelope(list))).toBe(true);
      }),
    );
  });

  it('leaves other valid subjects to the generated validator (annotations, other algorithms, other orders)', () => {
    for (const s of [{ ...ok, annotations: { k: 'v' } }, { name: 'x', digest: { gitCommit: 'abc1' } }, { name: 'x', digest: { sha512: 'b'.repeat(128), sha256: 'a'.repeat(64) } }, { digest: ok.digest, name: ok.name }]) {
      expect(isValidSubjectListJson(JSON.stringify([ok, s]))).toBe(false);
      expect(validateStatement(envelope([ok, s]))).toBe(true);
    }
  });
});

describe('provenanceJsonLines', () => {
  const predicate = { buildDefinition: { buildType: 'https://example.com/t', externalParameters: {} }, runDetails: { builder: { id: 'https://example.com/b' } } };
  const slsa = (subject: unknown, p: unknown = predicate) => ({ _type: STATEMENT_TYPE_V1, subject, predicateType: 'https://slsa.dev/provenance/v1', predicate: p });
  const sub = (i: number, extra: object = {}) => ({ name: `dist/f${i}"\\\u0007.bin`, digest: { sha256: (i % 16).toString(16).repeat(64) }, ...extra });

  it('writes each statement as JSON.stringify does, one per line, on the fast path or not', () => {
    const shared = Array.from({ length: 3 }, (_, k) => slsa(Array.from({ length: 50 }, (_, i) => sub(k * 50 + i))));
    const others = [slsa([sub(1, { annotations: { a: 'b' } })]), { subject: [sub(2)], _type: STATEMENT_TYPE_V1, predicateType: 'https://example.com/other', predicate: { x: [1, 'y'] } }];
    for (const statements of [shared, others, [...shared, ...others]]) {
      expect(provenanceJsonLines(statements)).toBe(statements.map((s) => `${JSON.stringify(s)}\n`).join(''));
    }
    fc.assert(
      fc.property(fc.array(fc.array(validSubject, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }), (lists) => {
        const statements = lists.map((l) => slsa(l));
        expect(provenanceJsonLines(statements)).toBe(statements.map((s) => `${JSON.stringify(s)}\n`).join(''));
      }),
      { numRuns: 200 },
    );
  });

  it('reports a bad subject deep in a long list as the generated validator does', () => {
    const list = Array.from({ length: 3000 }, (_, i) => ({ name: `f${i}`, digest: { sha256: 'a'.repeat(64) } }));
    list[2500] = { name: 'f2500', digest: { sha256: 'A'.repeat(64) } };
    const statements = [envelope(list.slice(0, 1000)), envelope(list.slice(1000, 2000)), envelope(list.slice(2000))].map((s) => ({ ...s, predicate }));
    expect(() => provenanceJsonLines(statements)).toThrow(/^the in-toto statement does not match its schema:\n {2}\/subject\/500\/digest\/sha256: must match pattern "\^\[0-9a-f\]\{64\}\$"/);
    let single: unknown;
    try {
      validateProvenanceStatement(statements[2]);
    } catch (e) {
      single = e;
    }
    expect(() => provenanceJsonLines(statements)).toThrow((single as Error).message);
  });

  it('checks a predicate that several statements share, and each statement of its own', () => {
    const bad = { buildDefinition: {}, runDetails: {} };
    const statements = [1, 2].map((i) => slsa([{ name: `f${i}`, digest: { sha256: 'a'.repeat(64) } }], bad));
    expect(() => provenanceJsonLines(statements)).toThrow(/^the SLSA provenance predicate does not match its schema/);
    // Shared with a statement of another predicate type first: still checked as SLSA provenance.
    expect(() => provenanceJsonLines([{ ...statements[0], predicateType: 'https://example.com/other' }, statements[1]])).toThrow(/^the SLSA provenance predicate does not match its schema/);
    expect(() => provenanceJsonLines([{ ...statements[0], extra: 1 }])).toThrow(/additional properties 'extra'/);
    expect(() => provenanceJsonLines([{ ...statements[0], subject: [] }])).toThrow(/\/subject: must NOT have fewer than 1 items/);
    expect(() => provenanceJsonLines([{ ...statements[0], subject: 'x' }])).toThrow(/\/subject: must be array/);
  });
});
