/**
 * What a node of the policy schema (./schema.ts) accepts, said in the policy file's own terms, for the error a
 * wrongly typed field gets: `vulnerable: true` is told `must be a mapping, not true, as in 'vulnerable: { severity:
 * low|medium|high|critical }' ...` rather than JSON Schema's bare `must be object`.
 */
import { DURATION, POLICY_SCHEMA } from './schema.js';

interface SchemaNode {
  type?: string;
  enum?: readonly unknown[];
  const?: unknown;
  oneOf?: readonly SchemaNode[];
  items?: SchemaNode;
  properties?: Readonly<Record<string, SchemaNode>>;
  required?: readonly string[];
  minProperties?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  description?: string;
}

/** Objects with more fields than this are shown as `{ ... }` inside another form, and cut short at the top. */
const MAX_SHOWN_FIELDS = 4;
const MAX_SHOWN_VALUE = 60;

/**
 * The schema node an Ajv error's `schemaPath` (`#/properties/rules/items/.../vulnerable/type`) points into: the
 * node holding the failing keyword, or the whole `oneOf` when a branch failed. Undefined when it cannot be followed.
 */
export function schemaNodeAt(schemaPath: string): SchemaNode | undefined {
  const parts = schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1);
  while (parts.length >= 2 && /^(?:oneOf|anyOf)$/.test(parts[parts.length - 2]!) && /^\d+$/.test(parts[parts.length - 1]!)) parts.splice(-2);
  let node: unknown = POLICY_SCHEMA;
  for (const p of parts) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof node === 'object' && node !== null ? (node as SchemaNode) : undefined;
}

/**
 * The message for a value of the wrong type or form at field `key`: what is accepted, with an example, and what
 * was given. Undefined for a patterned string whose schema does not say its form (JSON Schema's message stays).
 */
export function wrongTypeMessage(node: SchemaNode, key: string | undefined, value: unknown): string | undefined {
  const given = `not ${shown(value)}`;
  const as = (form: string) => (key ? `${key}: ${form}` : form);
  if (node.type === 'object' && node.properties) {
    const note = node.required?.length ? `${node.required.join(', ')} required` : node.minProperties ? 'at least one field' : `every field optional: '${as('{}')}' sets none`;
    return `must be a mapping, ${given}, as in '${as(formOf(node, 0))}' (${note})`;
  }
  if (node.type === 'array') return `must be a list, ${given}, as in '${as(formOf(node, 0))}'`;
  if (node.enum) return enumMessage(node.enum, value);
  if (node.type === 'string' && node.pattern && node.pattern !== DURATION.pattern) return undefined;
  return `must be ${formOf(node, 0)}, ${given}`;
}

/** The message for a value outside an enum, worded as the policy's other condition errors are. */
export function enumMessage(allowed: readonly unknown[], value: unknown): string {
  return `must be one of ${allowed.join(', ')}, not ${shown(value)}`;
}

function formOf(node: SchemaNode, depth: number): string {
  if (node.const !== undefined) return String(node.const);
  if (node.enum) return node.enum.join('|');
  if (node.oneOf) return node.oneOf.map((n) => formOf(n, depth)).join(' or ');
  switch (node.type) {
    case 'boolean':
      return 'true|false';
    case 'integer':
      return node.minimum !== undefined && node.maximum !== undefined ? `a whole number ${node.minimum}-${node.maximum}` : 'a whole number';
    case 'string':
      return node.pattern === DURATION.pattern ? (depth === 0 ? 'a duration: 30m, 48h, 7d, 2w' : '<duration>') : '<string>';
    case 'array':
      return `[${node.items ? formOf(node.items, depth + 1) : '<value>'}, ...]`;
    case 'object': {
      const fields = Object.entries(node.properties ?? {});
      if (fields.length === 0 || (depth > 0 && fields.length > MAX_SHOWN_FIELDS)) return '{ ... }';
      const shownFields = fields.slice(0, MAX_SHOWN_FIELDS).map(([k, v]) => `${k}: ${formOf(v, depth + 1)}`);
      // A long list of fields is the schema's to give (sscs policy schema), not an error message's.
      return `{ ${shownFields.join(', ')}${fields.length > MAX_SHOWN_FIELDS ? `, ... (${fields.length} fields: sscs policy schema lists them)` : ''} }`;
    }
    default:
      return 'a value';
  }
}

/** A given value as the CLI's usage errors quote one: a string in single quotes, anything else as JSON. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}...` : text;
  return typeof value === 'string' ? `'${cut}'` : cut;
}
