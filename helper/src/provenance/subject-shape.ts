/**
 * The in-toto statement schema's subject items (schemas/statement.ts, `subject.items`), checked by hand for
 * the common case of a valid list. `sscs provenance` checks every statement it writes against the schema;
 * on 10,000 subjects the generated validator, run once and cold, cost as much again as this loop
 * (node --cpu-prof on bench/fixed-costs.mjs). It is only a fast path: true here means the schema accepts
 * every item, and false means "ask the generated validator", whose verdict and errors stand.
 * test/provenance/subject-shape.test.ts checks the first half against the generated validator on generated
 * lists, valid and not, so that a change to the schema that this loop misses fails there.
 */

const SHA256 = /^[0-9a-f]{64}$/;
const SHA512 = /^[0-9a-f]{128}$/;
const HEX = /^[0-9a-f]+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `list` is a non-empty array of subjects that the statement schema accepts as they are. */
export function isValidSubjectList(list: unknown): boolean {
  if (!Array.isArray(list) || list.length === 0) return false;
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
      if (typeof hex !== 'string' || !(alg === 'sha256' ? SHA256 : alg === 'sha512' ? SHA512 : HEX).test(hex)) return false;
      algorithms++;
    }
    if (algorithms === 0) return false;
  }
  return true;
}
