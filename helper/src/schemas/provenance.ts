import { RESOURCE_DESCRIPTOR_SCHEMA } from './statement.js';

/**
 * JSON Schema of the SLSA Provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance). The single source
 * of schemas/slsa-provenance-v1.schema.json (npm run schemas).
 */
export const SLSA_PROVENANCE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://sscs.dev/schemas/slsa-provenance-v1.schema.json',
  title: 'SLSA Provenance v1 predicate',
  type: 'object',
  required: ['buildDefinition', 'runDetails'],
  definitions: { resourceDescriptor: RESOURCE_DESCRIPTOR_SCHEMA },
  properties: {
    buildDefinition: {
      type: 'object',
      required: ['buildType', 'externalParameters'],
      properties: {
        buildType: { type: 'string', format: 'uri' },
        externalParameters: { type: 'object' },
        internalParameters: { type: 'object' },
        resolvedDependencies: { type: 'array', items: { $ref: '#/definitions/resourceDescriptor' } },
      },
      additionalProperties: false,
    },
    runDetails: {
      type: 'object',
      required: ['builder'],
      properties: {
        builder: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'string', format: 'uri' },
            version: { type: 'object', additionalProperties: { type: 'string' } },
            builderDependencies: { type: 'array', items: { $ref: '#/definitions/resourceDescriptor' } },
          },
          additionalProperties: false,
        },
        metadata: {
          type: 'object',
          properties: {
            invocationId: { type: 'string' },
            startedOn: { type: 'string', format: 'date-time' },
            finishedOn: { type: 'string', format: 'date-time' },
          },
          additionalProperties: false,
        },
        byproducts: { type: 'array', items: { $ref: '#/definitions/resourceDescriptor' } },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
