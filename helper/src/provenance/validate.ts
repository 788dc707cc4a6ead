import { assertValid, type Validator } from '../schemas/validate.js';
import { validateBuildType, validateProvenance, validateStatement } from '../schemas/provenance-validators.generated.js';
import { BUILD_TYPE, SLSA_PROVENANCE_V1 } from './constants.js';
import { isValidSubjectListJson } from './subject-shape.js';
import type { Statement } from './types.js';

/**
 * Checks a provenance statement against the in-toto statement schema, the SLSA v1 predicate schema and,
 * when it claims sscs's build type, the build type's parameter schema (Ajv standalone
 * validators generated from helper/src/schemas by `npm run schemas`: nothing compiles at start-up).
 */
export function validateProvenanceStatement(statement: unknown, where: { file?: string } = {}): asserts statement is Statement {
  assertValid(validateStatement as Validator, statement, 'the in-toto statement', where);
  validatePredicate(statement as Statement, where);
}

/** The keys of a statement, in the order sscs builds them (statement.ts) and JSON.stringify writes them. */
const STATEMENT_KEYS = ['_type', 'subject', 'predicateType', 'predicate'] as const;

/**
 * The statements as JSON Lines (one JSON.stringify of each per line, the `.intoto.jsonl` convention), each checked
 * as validateProvenanceStatement checks it, with the same verdicts and errors, in less time for the statements of
 * one run of `sscs provenance` (one predicate object, up to thousands of subjects each):
 * - a predicate object that several statements share is checked and serialised once;
 * - a subject list is checked on its JSON text, the text written (subject-shape.ts), and only the statement's
 *   other fields and first subject go through the generated validator; a list that check does not accept goes
 *   through the generated validator whole, whose verdict and errors stand.
 * The text is JSON.stringify's, byte for byte: a statement is assembled from its fields' JSON only when its own
 * keys are exactly STATEMENT_KEYS in that order, and the checks have made each of them a JSON value.
 * Throws InputError SCHEMA (the first statement that fails, as validateProvenanceStatement would).
 */
export function provenanceJsonLines(statements: readonly unknown[], where: { file?: string } = {}): string {
  const checked = new Set<unknown>();
  const predicates = new Map<unknown, string>();
  const lines = statements.map((statement) => {
    const s = statement as Statement;
    const subjects = hasStatementKeys(s) ? subjectListJson(s.subject) : undefined;
    const fast = subjects !== undefined && isValidSubjectListJson(subjects);
    assertValid(validateStatement as Validator, fast ? { ...s, subject: s.subject.slice(0, 1) } : s, 'the in-toto statement', where);
    if (s.predicateType === SLSA_PROVENANCE_V1 && !checked.has(s.predicate)) {
      validatePredicate(s, where);
      checked.add(s.predicate);
    }
    if (!fast) return JSON.stringify(s);
    let predicate = predicates.get(s.predicate);
    if (predicate === undefined) predicates.set(s.predicate, (predicate = JSON.stringify(s.predicate)));
    return `{"_type":${JSON.stringify(s._type)},"subject":${subjects},"predicateType":${JSON.stringify(s.predicateType)},"predicate":${predicate}}`;
  });
  return `${lines.join('\n')}\n`;
}

/** JSON.stringify of a subject list, or undefined when it is not an array or cannot be serialised (the validator says why). */
function subjectListJson(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  try {
    return JSON.stringify(list);
  } catch {
    return undefined;
  }
}

function hasStatementKeys(s: unknown): s is Statement {
  if (typeof s !== 'object' || s === null || Object.getPrototypeOf(s) !== Object.prototype) return false;
  const keys = Object.keys(s);
  return keys.length === STATEMENT_KEYS.length && STATEMENT_KEYS.every((k, i) => keys[i] === k);
}

/** The SLSA predicate and, for sscs's build type, its parameters; other predicate types are the statement schema's alone. */
function validatePredicate(s: Statement, where: { file?: string }): void {
  if (s.predicateType !== SLSA_PROVENANCE_V1) return;
  assertValid(validateProvenance as Validator, s.predicate, 'the SLSA provenance predicate', where);
  const def = (s.predicate as { buildDefinition: { buildType: string; externalParameters: unknown; internalParameters?: unknown } }).buildDefinition;
  if (def.buildType === BUILD_TYPE) {
    assertValid(validateBuildType as Validator, { externalParameters: def.externalParameters, internalParameters: def.internalParameters }, `the parameters of build type ${BUILD_TYPE}`, where);
  }
}
