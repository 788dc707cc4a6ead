import { BUILD_TYPE_SCHEMA } from '../schemas/build-type.js';
import { SLSA_PROVENANCE_SCHEMA } from '../schemas/provenance.js';
import { STATEMENT_SCHEMA } from '../schemas/statement.js';
import { assertValid } from '../schemas/validate.js';
import { BUILD_TYPE, SLSA_PROVENANCE_V1 } from './constants.js';
import type { Statement } from './types.js';

/**
 * Checks a provenance statement against the in-toto statement schema, the SLSA v1 predicate schema and,
 * when it claims sscs's build type, the build type's parameter schema.
 */
export function validateProvenanceStatement(statement: unknown, where: { file?: string } = {}): asserts statement is Statement {
  assertValid(STATEMENT_SCHEMA, statement, 'the in-toto statement', where);
  const s = statement as Statement;
  if (s.predicateType !== SLSA_PROVENANCE_V1) return;
  assertValid(SLSA_PROVENANCE_SCHEMA, s.predicate, 'the SLSA provenance predicate', where);
  const def = (s.predicate as { buildDefinition: { buildType: string; externalParameters: unknown; internalParameters?: unknown } }).buildDefinition;
  if (def.buildType === BUILD_TYPE) {
    assertValid(BUILD_TYPE_SCHEMA, { externalParameters: def.externalParameters, internalParameters: def.internalParameters }, `the parameters of build type ${BUILD_TYPE}`, where);
  }
}
