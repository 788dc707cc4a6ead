import type { FromSchema } from 'json-schema-to-ts';
import type { EXTERNAL_PARAMETERS_SCHEMA, INTERNAL_PARAMETERS_SCHEMA } from '../schemas/build-type.js';
import type { SLSA_PROVENANCE_SCHEMA } from '../schemas/provenance.js';
import type { RESOURCE_DESCRIPTOR_SCHEMA, STATEMENT_SCHEMA } from '../schemas/statement.js';

/** Types derived from the schemas, so that the two cannot drift. */
export type Statement = FromSchema<typeof STATEMENT_SCHEMA>;
export type ResourceDescriptor = FromSchema<typeof RESOURCE_DESCRIPTOR_SCHEMA>;
export type SlsaProvenance = FromSchema<typeof SLSA_PROVENANCE_SCHEMA>;
export type ExternalParameters = FromSchema<typeof EXTERNAL_PARAMETERS_SCHEMA>;
export type InternalParameters = FromSchema<typeof INTERNAL_PARAMETERS_SCHEMA>;
