import { InputError } from '../errors.js';

/**
 * Where a field sits in the input text, for error messages. JSON.parse keeps no positions, so the line of a
 * key is found by searching for it as JSON spells it; good enough to point a user at the right entry.
 */
export function jsonLineOf(text: string, key: string): number | undefined {
  const needle = JSON.stringify(key);
  let at = text.indexOf(needle);
  while (at >= 0) {
    const after = text.slice(at + needle.length, at + needle.length + 8);
    if (/^\s*:/.test(after)) return lineAt(text, at);
    at = text.indexOf(needle, at + 1);
  }
  return undefined;
}

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** A field with the wrong shape: code SCHEMA, naming the file, the field and, when known, the line. */
export function fieldError(file: string, field: string, message: string, line?: number): InputError {
  return new InputError('SCHEMA', message, { where: { file, field, ...(line !== undefined ? { line } : {}) } });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A `{ name: string }` map such as `dependencies`; anything else in it is a SCHEMA error. */
export function stringMap(v: unknown, file: string, field: string, line?: () => number | undefined): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw fieldError(file, field, `${field} must be an object`, line?.());
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw fieldError(file, `${field}.${k}`, `${field}.${k} must be a string`, line?.());
  }
  return v as Record<string, string>;
}

export function optionalString(v: unknown, file: string, field: string, line?: () => number | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw fieldError(file, field, `${field} must be a string`, line?.());
  return v;
}
