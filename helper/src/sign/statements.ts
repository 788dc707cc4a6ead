import { InputError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { MAX_STATEMENTS, MAX_STATEMENT_FILE_BYTES } from './constants.js';

const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

export interface Statement {
  /** The exact bytes signed as the DSSE payload. */
  payload: Buffer;
  subjects: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  /** 1-based line in the file (1 for a single JSON document). */
  line: number;
}

/**
 * Reads one in-toto Statement (a JSON document) or several (JSON Lines, as `sscs provenance` writes when it
 * splits subjects), and checks each has the shape verifiers rely on. Payloads are the statements' own bytes.
 */
export async function readStatements(file: string): Promise<Statement[]> {
  const text = (await readFileBounded(file, MAX_STATEMENT_FILE_BYTES, 'statement file')).toString('utf8');
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined;
  }
  if (whole !== undefined) return [toStatement(whole, Buffer.from(text.trim()), file, 1)];
  const out: Statement[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (out.length === MAX_STATEMENTS) throw new InputError('LIMIT', `more than ${MAX_STATEMENTS} statements`, { where: { file, line: i + 1 } });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new InputError('MALFORMED', 'not a JSON statement (the file is neither one JSON document nor JSON Lines)', { where: { file, line: i + 1 }, cause: e });
    }
    out.push(toStatement(value, Buffer.from(line), file, i + 1));
  }
  if (out.length === 0) throw new InputError('NO_SUBJECTS', 'the statement file is empty', { where: { file } });
  return out;
}

function toStatement(value: unknown, payload: Buffer, file: string, line: number): Statement {
  const fail = (field: string, message: string): never => {
    throw new InputError('SCHEMA', message, { where: { file, line, field } });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('$', 'a statement must be a JSON object');
  const s = value as { _type?: unknown; subject?: unknown; predicateType?: unknown };
  if (typeof s._type !== 'string' || !STATEMENT_TYPES.has(s._type)) fail('_type', `_type must be one of ${[...STATEMENT_TYPES].join(', ')}`);
  if (typeof s.predicateType !== 'string' || s.predicateType === '') fail('predicateType', 'predicateType must be a non-empty string');
  if (!Array.isArray(s.subject) || s.subject.length === 0) fail('subject', 'subject must be a non-empty array');
  const subjects = (s.subject as unknown[]).map((sub, i) => {
    const x = sub as { name?: unknown; digest?: unknown };
    const digest = x?.digest as Record<string, unknown> | undefined;
    if (typeof digest !== 'object' || digest === null || Object.keys(digest).length === 0) fail(`subject[${i}].digest`, 'each subject needs a digest');
    for (const [alg, hex] of Object.entries(digest!)) {
      if (typeof hex !== 'string' || !/^[0-9a-f]+$/.test(hex)) fail(`subject[${i}].digest.${alg}`, 'digests must be lowercase hex strings');
    }
    return { name: typeof x.name === 'string' ? x.name : '', digest: digest as Record<string, string> };
  });
  return { payload, subjects, predicateType: s.predicateType as string, line };
}
