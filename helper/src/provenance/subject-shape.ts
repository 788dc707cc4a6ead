/**
 * The in-toto statement schema's subject items (schemas/statement.ts, `subject.items`), checked on the JSON text
 * that `sscs provenance` writes, for the common case of a valid list. Every statement it writes is checked against
 * the schema; on 10,000 subjects the generated validator, run once and cold, costs as much again as a walk of
 * the objects by hand, and the hand walk (a loop over 10,000 objects before V8 has optimised it, with `for...in`
 * over each) as much as JSON.stringify of them: 55 million instructions, against 24 million for one run of the
 * expression below over the text that is written anyway (callgrind, bench/fixed-costs.mjs).
 *
 * It is only a fast path: true means that the text is a JSON array that the schema's `subject` accepts, parsed
 * back as written; false means "ask the generated validator", whose verdict and errors stand. It accepts only the
 * subjects sscs makes: `{"name":…,"digest":{"sha256":…}}`, with a "sha512" after the sha256 when --sha512 asks
 * for it, in that order and nothing else (annotations, other algorithms and other orders go to the validator).
 * test/provenance/subject-shape.test.ts checks that it accepts nothing the generated validator refuses, on
 * generated lists, valid and not, and on a table of subjects each breaking one rule.
 *
 * How the expression reads JSON.stringify's output: a string is `"`, then characters other than `"` and `\` or a
 * `\` with the character it escapes (JSON.stringify escapes `"`, `\` and control characters, and writes no raw
 * line break), then `"`; at least one character or escape inside, as the schema's minLength 1 on the parsed name
 * asks. Digests: 64 (sha256) or 128 (sha512) lowercase hex digits, as the schema's patterns. Items: one or more,
 * separated by commas (a comma must be followed by another item), inside `[` and `]`. It is linear: each part has
 * one way to match (the string's unrolled loop `[^"\\]*(?:\\.[^"\\]*)*` cannot split a run two ways), and
 * test/regex-audit.test.ts checks it.
 */

/**
 * `n` hex digits as `n` classes in a row: V8 matches a run of single classes as straight-line code, where
 * `[0-9a-f]{64}` loops with a counter and a backtracking entry per digit, which made the whole check cost
 * 27 million instructions on 10,000 subjects against 10 million so (callgrind).
 */
const hexDigits = (n: number) => '[0-9a-f]'.repeat(n);

export const SUBJECT_LIST_JSON = new RegExp(
  String.raw`^\[(?:\{"name":"(?!")[^"\\]*(?:\\.[^"\\]*)*","digest":\{"sha256":"${hexDigits(64)}"(?:,"sha512":"${hexDigits(128)}")?\}\}(?:,(?=\{)|\]$))+$`,
);

/** True when `json` (JSON.stringify of a subject list) is a non-empty list of subjects that the statement schema accepts. */
export function isValidSubjectListJson(json: string): boolean {
  return SUBJECT_LIST_JSON.test(json);
}
