import type { ErrorObject } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError, type Where } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { compileMatchSpec, compileWaiverMatch, PatternError } from './match.js';
import { DEFAULT_RULE_ID, MALICIOUS_RULE_ID, ruleId, waiverExpiry } from './compile.js';
import { validatePolicy } from '../schemas/policy-validator.generated.js';
import type { Validator } from '../schemas/validate.js';
import { enumMessage, schemaNodeAt, wrongTypeMessage } from './schema-form.js';
import type { Policy } from './types.js';

/** A policy file is configuration, not data: anything larger is a mistake or an attack. */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** How many schema errors one message lists; the rest are counted. */
const MAX_REPORTED_ERRORS = 5;

/** Checks against POLICY_SCHEMA (./schema.ts), through the validator generated from it by `npm run schemas`. */
function validate(data: unknown): ErrorObject[] {
  const validator = validatePolicy as Validator;
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** Reads and validates a policy file (YAML or JSON). Errors name the file, line and field. */
export async function loadPolicy(path: string, shownAs = path): Promise<Policy> {
  const text = (await readFileBounded(path, MAX_POLICY_BYTES, 'policy file')).toString('utf8');
  return parsePolicy(text, shownAs);
}

/** One problem in a policy file, with its position. */
interface Problem {
  segments: (string | number)[];
  message: string;
  /** Point at the key rather than the value (for unknown fields). */
  key?: boolean;
}

/** A policy file is hand-written: far fewer aliases than this; more is a resource-exhaustion attack. */
const MAX_ALIAS_COUNT = 100;

export function parsePolicy(text: string, file: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    throw new InputError('MALFORMED', `policy file is not valid YAML: ${err.message.split('\n')[0]}`, { where: { file, line: pos.line, column: pos.col } });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml library refuses an alias bomb (a few lines expanding into billions of nodes) with a ReferenceError.
    throw new InputError('MALFORMED', `policy file is not usable YAML: ${(e as Error).message.split('\n')[0]} (more than ${MAX_ALIAS_COUNT} alias expansions)`, { where: { file }, cause: e });
  }
  const problems = schemaProblems(validate(data), data);
  if (!problems.length) problems.push(...semanticProblems(data as Policy));
  if (problems.length) throw problemsError(problems, doc, lineCounter, file);
  return data as Policy;
}

function schemaProblems(errors: ErrorObject[], data: unknown): Problem[] {
  // oneOf reports every branch; the deepest error is the one that names the field that is wrong.
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  const chosen = (specific.length ? specific : errors).sort((a, b) => depth(b.instancePath) - depth(a.instancePath));
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of chosen) {
    const segments = e.instancePath.split('/').slice(1).map(unescapePointer);
    let message = e.message ?? 'is invalid';
    let key = false;
    if (e.keyword === 'additionalProperties') {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      segments.push(prop);
      message = 'is not a known field';
      key = true;
    } else if (e.keyword === 'type' || e.keyword === 'pattern' || e.keyword === 'const') {
      // Say what the field takes, with an example, and what it was given: not JSON Schema's bare 'must be object'.
      const node = schemaNodeAt(e.schemaPath);
      const key = segments.filter((s): s is string => typeof s === 'string').at(-1);
      if (node) message = wrongTypeMessage(node, key, valueAt(data, segments)) ?? message;
    } else if (e.keyword === 'enum') {
      message = enumMessage((e.params as { allowedValues: unknown[] }).allowedValues, valueAt(data, segments));
    } else if (e.keyword === 'required') {
      message = `needs field '${(e.params as { missingProperty: string }).missingProperty}'`;
    }
    // One message per field for a wrong type: a oneOf's branches, or a type and an enum, say the same thing twice.
    const id = ['type', 'enum', 'pattern', 'const'].includes(e.keyword) ? `${segments.join('/')}:type` : `${segments.join('/')}:${message}`;
    if (seen.has(id) || [...seen].some((s) => s.startsWith(`${segments.join('/')}/`))) continue;
    seen.add(id);
    problems.push({ segments, message, key });
  }
  return problems;
}

function valueAt(data: unknown, segments: (string | number)[]): unknown {
  let v = data;
  for (const s of segments) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

const depth = (pointer: string) => pointer.split('/').length;
const unescapePointer = (s: string): string | number => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Checks the schema cannot express: purl patterns, semver ranges, dates, unique ids, waived rule ids. */
function semanticProblems(policy: Policy): Problem[] {
  const problems: Problem[] = [];
  const tryPattern = (segments: (string | number)[], fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      problems.push({ segments, message: e.message });
    }
  };
  const ids = new Set<string>([MALICIOUS_RULE_ID, DEFAULT_RULE_ID]);
  (policy.rules ?? []).forEach((rule, i) => {
    const id = ruleId(rule, i);
    if (rule.id !== undefined && ids.has(id)) problems.push({ segments: ['rules', i, 'id'], message: `id '${id}' is used twice (or is reserved)` });
    ids.add(id);
    const matches = rule.match === undefined ? [] : Array.isArray(rule.match) ? rule.match : [rule.match];
    matches.forEach((m, j) => tryPattern(Array.isArray(rule.match) ? ['rules', i, 'match', j] : ['rules', i, 'match'], () => compileMatchSpec(m)));
  });
  (policy.waivers ?? []).forEach((w, i) => {
    tryPattern(['waivers', i, 'package'], () => compileWaiverMatch(w.package, undefined));
    if (w.version !== undefined) tryPattern(['waivers', i, 'version'], () => compileWaiverMatch('*', w.version));
    if (!waiverExpiry(w.expires)) problems.push({ segments: ['waivers', i, 'expires'], message: `'${w.expires}' is not a valid date` });
    (w.rules ?? []).forEach((r, j) => {
      if (!ids.has(r)) problems.push({ segments: ['waivers', i, 'rules', j], message: `names no rule: '${r}'` });
    });
  });
  return problems;
}

function problemsError(problems: Problem[], doc: Document, lc: LineCounter, file: string): InputError {
  const located = problems.map((p) => ({ ...p, where: locate(doc, lc, file, p) }));
  const [first, ...rest] = located;
  const hint = rest.length
    ? [...rest.slice(0, MAX_REPORTED_ERRORS - 1).map((p) => `${describeWhere(p.where)}: ${p.message}`), ...(rest.length >= MAX_REPORTED_ERRORS ? [`and ${rest.length - MAX_REPORTED_ERRORS + 1} more`] : [])].join('\n')
    : undefined;
  return new InputError('SCHEMA', `invalid policy: ${first!.message}`, { where: first!.where, ...(hint ? { hint } : {}) });
}

function describeWhere(w: Where): string {
  return `${w.file}${w.line !== undefined ? `:${w.line}:${w.column}` : ''} field ${w.field}`;
}

export function fieldName(segments: (string | number)[]): string {
  return segments.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '') || '(document)';
}

/** Maps a path in the data back to the YAML node it came from, and that node to its line and column. */
function locate(doc: Document, lc: LineCounter, file: string, p: Problem): Where {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const seg of p.segments) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === seg || it.key === seg);
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      keyNode = undefined;
      node = node.items[seg];
    } else break;
  }
  const target = (p.key && keyNode ? keyNode : node ?? keyNode) as Node | undefined;
  const offset = target?.range?.[0];
  const where: Where = { file, field: fieldName(p.segments) };
  if (offset !== undefined) {
    const pos = lc.linePos(offset);
    where.line = pos.line;
    where.column = pos.col;
  }
  return where;
}
