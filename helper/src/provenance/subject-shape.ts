/**
 * The in-toto statement schema's subject items (schemas/statement.ts, `subject.items`), checked by hand for
 * the common case of a valid list. `sscs provenance` checks every statement it writes against the schema;
 * on 10,000 subjects the generated validator, run once and cold, cost as much again as this loop
 * (node --cpu-prof on bench/fixed-costs.mjs). It is only a fast path: true here means the schema accepts
 * every item, and false means "ask the generated validator", whose verdict and errors stand.
 * test/provenance/subject-shape.test.ts checks the first half against the generated validator on generated
 * lists, valid and not, so that a change to the schema that this loop misses fails there.
 */

/** Hex digits only, tested once over all digests of a list (their lengths are checked one by one). */
const HEX_ONLY = /^[0-9a-f]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `list` is a non-empty array of subjects that the statement schema accepts as they are. */
export function isValidSubjectList(list: unknown): boolean {
  if (!Array.isArray(list) || list.length === 0) return false;
  // Every digest must match its pattern (^[0-9a-f]{64}$ and the like): lengths here, one scan for the digits
  // at the end, as 10,000 regular-expression runs cost several milliseconds cold.
  const digests: string[] = [];
  for (const item of list) {
    if (!isObject(item)) return false;
    for (const key in item) if (key !== 'name' && key !== 'digest' && key !== 'annotations') return false;
    const { name, digest, annotations } = item;
    if (typeof name !== 'string' || name.length === 0) return false;
    if (annotations !== undefined && !isObject(annotations)) return false;
    if (!isObject(digest)) return false;
    let algorithms = 0;
    for (const alg in digest) {
      const hex = digest[alg];
      // The lengths the patterns fix: sha256 64 hex digits, sha512 128, any other algorithm at least one.
      const length = alg === 'sha256' ? 64 : alg === 'sha512' ? 128 : 0;
      if (typeof hex !== 'string' || hex.length === 0 || (length !== 0 && hex.length !== length)) return false;
      digests.push(hex);
      algorithms++;
    }
    if (algorithms === 0) return false;
  }
  return HEX_ONLY.test(digests.join(''));
}
