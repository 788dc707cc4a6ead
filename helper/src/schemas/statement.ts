/**
 * JSON Schema of an in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
 * and its ResourceDescriptor. The single source: schemas/intoto-statement-v1.schema.json is generated from
 * this (npm run schemas), and the TypeScript types are derived from it.
 */
export const RESOURCE_DESCRIPTOR_SCHEMA = {
  $id: 'https://sscs.dev/schemas/intoto-resource-descriptor-v1.schema.json',
  title: 'in-toto ResourceDescriptor v1',
  type: 'object',
  properties: {
    uri: { type: 'string', minLength: 1 },
    digest: {
      type: 'object',
      description: 'Algorithm name to lowercase hex (gitCommit: the full git object id).',
      additionalProperties: { type: 'string', pattern: '^[0-9a-f]+$' },
      propertyNames: { pattern: '^[a-zA-Z0-9_-]+$' },
    },
    name: { type: 'string', minLength: 1 },
    downloadLocation: { type: 'string' },
    mediaType: { type: 'string' },
    content: { type: 'string', contentEncoding: 'base64' },
    annotations: { type: 'object' },
  },
  anyOf: [{ required: ['uri'] }, { required: ['digest'] }, { required: ['content'] }],
  additionalProperties: false,
} as const;

export const STATEMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://sscs.dev/schemas/intoto-statement-v1.schema.json',
  title: 'in-toto Statement v1',
  type: 'object',
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  properties: {
    _type: { const: 'https://in-toto.io/Statement/v1' },
    subject: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'digest'],
        properties: {
          name: { type: 'string', minLength: 1 },
          digest: {
            type: 'object',
            minProperties: 1,
            properties: {
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              sha512: { type: 'string', pattern: '^[0-9a-f]{128}$' },
            },
            additionalProperties: { type: 'string', pattern: '^[0-9a-f]+$' },
          },
          annotations: { type: 'object' },
        },
        additionalProperties: false,
      },
    },
    predicateType: { type: 'string', format: 'uri' },
    predicate: { type: 'object' },
  },
  additionalProperties: false,
} as const;
