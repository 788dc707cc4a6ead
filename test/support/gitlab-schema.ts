/**
 * GitLab's CI/CD JSON schema (shared fixture), patched for what the fixture predates (see its SOURCE.md):
 * `spec:component` and `spec:description` in component headers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FIXTURES } from './cli.js';

/** The context keys `spec:component` accepts (GitLab 18.7+). */
export const COMPONENT_CONTEXT_KEYS = ['name', 'sha', 'version', 'reference'] as const;

function patchedSchema(): Record<string, unknown> {
  const schema = JSON.parse(readFileSync(join(FIXTURES, 'gitlab', 'ci.json'), 'utf8')) as {
    properties: { spec: { properties: Record<string, unknown> } };
  };
  Object.assign(schema.properties.spec.properties, {
    component: { type: 'array', items: { enum: [...COMPONENT_CONTEXT_KEYS] }, uniqueItems: true },
    description: { type: 'string' },
  });
  return schema;
}

let compiled: ValidateFunction | undefined;

/** Validates a YAML document (already loaded) against the CI schema; returns readable errors, none when valid. */
export function validateCi(doc: unknown): string[] {
  if (!compiled) {
    // strict: false because the schema carries GitLab's non-standard `markdownDescription` keyword.
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    compiled = ajv.compile(patchedSchema());
  }
  if (compiled(doc)) return [];
  return (compiled.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
