import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { InputError } from '../errors.js';

// ajv-formats is CommonJS with a default export; under NodeNext its default import is the module object.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

/** One Ajv for the process; schemas compile once, on first use. */
export function compileSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    ajv ??= (() => {
      const a = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
      addFormats(a);
      return a;
    })();
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, limit = 5): string[] {
  return (errors ?? []).slice(0, limit).map((e) => {
    const at = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : '';
    return `${at}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** Validates a document against a schema; the error names the document and the first failing fields. */
export function assertValid(schema: object, doc: unknown, what: string, where: { file?: string } = {}): void {
  const validate = compileSchema(schema);
  if (validate(doc)) return;
  const lines = describeSchemaErrors(validate.errors);
  const first = validate.errors?.[0];
  throw new InputError('SCHEMA', `${what} does not match its schema:\n  ${lines.join('\n  ')}`, {
    where: { ...where, ...(first ? { field: first.instancePath || '/' } : {}) },
  });
}
