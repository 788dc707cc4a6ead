import { parse, TomlError } from 'smol-toml';
import { InputError } from '../errors.js';
import { MAX_NESTING_DEPTH } from './limits.js';
import { fieldError, isRecord } from './positions.js';

/** A parsed TOML lockfile, with the lines of its array-of-tables headers so that errors can name an entry. */
export interface TomlInput {
  doc: Record<string, unknown>;
  /** The line of the `i`-th `[[key]]` header (`[[package]]`, `[[packages]]`), when the file writes it that way. */
  lineOfEntry(key: string, i: number): number | undefined;
}

/**
 * Parses TOML 1.0 with smol-toml (a maintained, spec-compliant parser), nesting bounded. A syntax error is
 * MALFORMED with the file, line and column; a document that is not a table is SCHEMA.
 */
export function parseToml(text: string, file: string, what: string): TomlInput {
  let doc: unknown;
  try {
    doc = parse(text, { maxDepth: MAX_NESTING_DEPTH });
  } catch (e) {
    if (e instanceof TomlError) {
      throw new InputError('MALFORMED', `${what} is not valid TOML: ${e.message.split('\n')[0]}`, { where: { file, line: e.line, column: e.column }, cause: e });
    }
    // Deep nesting ends in a RangeError in any recursive parser: bad input, not a bug of ours.
    throw new InputError('MALFORMED', `${what} cannot be parsed: ${(e as Error).message}`, { where: { file }, cause: e });
  }
  if (!isRecord(doc)) throw fieldError(file, '$', `${what} must be a TOML table`, 1);
  const headers = new Map<string, number[]>();
  return {
    doc,
    lineOfEntry(key, i) {
      let lines = headers.get(key);
      if (!lines) {
        lines = [];
        const re = new RegExp(`^[ \\t]*\\[\\[[ \\t]*${key.replace(/[.]/g, '\\.')}[ \\t]*\\]\\]`, 'gm');
        for (let m = re.exec(text); m; m = re.exec(text)) lines.push(lineNumber(text, m.index));
        headers.set(key, lines);
      }
      return lines[i];
    },
  };
}

function lineNumber(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** A list of tables (`[[package]]`); absent is empty, anything else is a SCHEMA error. */
export function tableList(v: unknown, file: string, field: string): Record<string, unknown>[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw fieldError(file, field, `${field} must be an array of tables`);
  v.forEach((x, i) => {
    if (!isRecord(x)) throw fieldError(file, `${field}[${i}]`, `${field}[${i}] must be a table`);
  });
  return v as Record<string, unknown>[];
}
