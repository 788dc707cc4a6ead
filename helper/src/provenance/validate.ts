import { assertValid, type Validator } from '../schemas/validate.js';
import { validateBuildType, validateProvenance, validateStatement } from '../schemas/provenance-validators.generated.js';
import { BUILD_TYPE, SLSA_PROVENANCE_V1 } from './constants.js';
import type { Statement } from './types.js';

/**
 * Checks a provenance statement against the in-toto statement schema, the SLSA v1 predicate schema and,
 * when it claims sscs's build type, the build type's parameter schema (Ajv standalone
 * validators generated from helper/src/schemas by `npm run schemas`: nothing compiles at start-up).
 */
export function validateProvenanceStatement(statement: unknown, where: { file?: string } = {}): asserts statement is Statement {
  assertValid(validateStatement as Validator, statement, 'the in-toto statement', where);
  const s = statement as Statement;
  if (s.predicateType !== SLSA_PROVENANCE_V1) return;
  assertValid(validateProvenance as Validator, s.predicate, 'the SLSA provenance predicate', where);
  const def = (s.predicate as { buildDefinition: { buildType: string; externalParameters: unknown; internalParameters?: unknown } }).buildDefinition;
  if (def.buildType === BUILD_TYPE) {
    assertValid(validateBuildType as Validator, { externalParameters: def.externalParameters, internalParameters: def.internalParameters }, `the parameters of build type ${BUILD_TYPE}`, where);
  }
}
