import { assertValid, type Validator } from '../schemas/validate.js';
import { validateBuildType, validateProvenance, validateStatement } from '../schemas/provenance-validators.generated.js';
import { BUILD_TYPE, SLSA_PROVENANCE_V1 } from './constants.js';
import { isValidSubjectList } from './subject-shape.js';
import type { Statement } from './types.js';

/**
 * Checks a provenance statement against the in-toto statement schema, the SLSA v1 predicate schema and,
 * when it claims sscs's build type, the build type's parameter schema (Ajv standalone
 * validators generated from helper/src/schemas by `npm run schemas`: nothing compiles at start-up).
 */
export function validateProvenanceStatement(statement: unknown, where: { file?: string } = {}): asserts statement is Statement {
  validateProvenanceStatements([statement], where);
}

/**
 * validateProvenanceStatement on each statement, with the same verdicts and errors, in less time for the
 * statements of one run of `sscs provenance` (one predicate object, up to thousands of subjects each):
 * a predicate object that several statements share is checked once, and a subject list that
 * isValidSubjectList accepts is left out of the generated validator's run (the statement's other fields
 * and its first subject still go through it). Any other list goes through the generated validator whole.
 */
export function validateProvenanceStatements(statements: readonly unknown[], where: { file?: string } = {}): asserts statements is Statement[] {
  const checked = new Set<unknown>();
  for (const statement of statements) {
    const s = statement as Statement;
    const fast = typeof s === 'object' && s !== null && !Array.isArray(s) && Object.getPrototypeOf(s) === Object.prototype && isValidSubjectList(s.subject);
    assertValid(validateStatement as Validator, fast ? { ...s, subject: s.subject.slice(0, 1) } : statement, 'the in-toto statement', where);
    if (s.predicateType !== SLSA_PROVENANCE_V1 || checked.has(s.predicate)) continue;
    checked.add(s.predicate);
    assertValid(validateProvenance as Validator, s.predicate, 'the SLSA provenance predicate', where);
    const def = (s.predicate as { buildDefinition: { buildType: string; externalParameters: unknown; internalParameters?: unknown } }).buildDefinition;
    if (def.buildType === BUILD_TYPE) {
      assertValid(validateBuildType as Validator, { externalParameters: def.externalParameters, internalParameters: def.internalParameters }, `the parameters of build type ${BUILD_TYPE}`, where);
    }
  }
}
