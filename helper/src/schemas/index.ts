import { BUILD_TYPE_SCHEMA } from './build-type.js';
import { SLSA_PROVENANCE_SCHEMA } from './provenance.js';
import { STATEMENT_SCHEMA } from './statement.js';
import { FIREWALL_EVENT_SCHEMA } from './firewall-event.js';
import { POLICY_SCHEMA } from '../policy/schema.js';

/** Every schema the helper owns, by the file name it is committed under in schemas/. */
export const SCHEMA_FILES = {
  'intoto-statement-v1.schema.json': STATEMENT_SCHEMA,
  'slsa-provenance-v1.schema.json': SLSA_PROVENANCE_SCHEMA,
  'build-type-v1.schema.json': BUILD_TYPE_SCHEMA,
  'policy.schema.json': POLICY_SCHEMA,
  'firewall-event-v1.schema.json': FIREWALL_EVENT_SCHEMA,
} as const;

/** The committed form of a schema: stable key order as written, two-space indent, final newline. */
export function renderSchema(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The schemas the helper validates documents against, compiled into the validators *.generated.ts. */
export const VALIDATED_SCHEMAS = {
  statement: STATEMENT_SCHEMA,
  provenance: SLSA_PROVENANCE_SCHEMA,
  buildType: BUILD_TYPE_SCHEMA,
  policy: POLICY_SCHEMA,
} as const;
