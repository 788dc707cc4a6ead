import type { ErrorObject } from 'ajv';
import { InputError } from '../errors.js';

/**
 * A validation function as Ajv generates it (helper/src/schemas/*.generated.ts, from the schemas in this folder): true when the document matches; otherwise false, with the reasons in `errors`.
 */
export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, limit = 5): string[] {
  return (errors ?? []).slice(0, limit).map((e) => {
    const at = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : '';
    return `${at}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** Validates a document with a generated validator; the error names the document and the first failing fields. */
export function assertValid(validate: Validator, doc: unknown, what: string, where: { file?: string } = {}): void {
  if (validate(doc)) return;
  const lines = describeSchemaErrors(validate.errors);
  const first = validate.errors?.[0];
  throw new InputError('SCHEMA', `${what} does not match its schema:\n  ${lines.join('\n  ')}`, {
    where: { ...where, ...(first ? { field: first.instancePath || '/' } : {}) },
  });
}
