/**
 * Reads the GitLab CI/CD components in templates/ the way GitLab does: a `spec:` header document, `---`,
 * then the jobs document, whose `$[[ inputs.* ]]` and `$[[ component.* ]]` placeholders are interpolated
 * from the inputs given, the spec defaults and the component context.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from './cli.js';

export const TEMPLATES_DIR = join(REPO_ROOT, 'templates');

/** GitLab's `!reference [job, key]` tag: kept as a plain sequence, as the schema sees it before expansion. */
const referenceTag: YAML.CollectionTag = {
  tag: '!reference',
  collection: 'seq',
  resolve: (seq) => seq,
};
export const YAML_OPTIONS = { customTags: [referenceTag], uniqueKeys: true } as const;

export interface InputSpec {
  description?: string;
  type?: 'string' | 'number' | 'boolean' | 'array';
  default?: unknown;
  options?: unknown[];
  regex?: string;
}

export interface Component {
  name: string;
  path: string;
  header: { spec: { inputs?: Record<string, InputSpec>; component?: string[]; description?: string } };
  /** The jobs document, as text, before interpolation. */
  jobsText: string;
}

/** Every component, `templates/<name>.yml` and `templates/<name>/template.yml`, sorted by name. */
export function listComponents(dir = TEMPLATES_DIR): Component[] {
  const found: { name: string; path: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.yml')) found.push({ name: entry.name.slice(0, -4), path: join(dir, entry.name) });
    if (entry.isDirectory() && existsSync(join(dir, entry.name, 'template.yml'))) found.push({ name: entry.name, path: join(dir, entry.name, 'template.yml') });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name)).map(({ name, path }) => loadComponent(name, path));
}

export function loadComponent(name: string, path: string): Component {
  const text = readFileSync(path, 'utf8');
  const docs = YAML.parseAllDocuments(text, YAML_OPTIONS);
  if (!Array.isArray(docs) || docs.length !== 2) throw new Error(`${path}: a component is two YAML documents (spec, ---, jobs)`);
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]!.message}`);
  const header = docs[0]!.toJS() as Component['header'];
  const jobsText = text.slice(docs[1]!.range[0]);
  return { name, path, header, jobsText };
}

const PLACEHOLDER = /\$\[\[\s*(inputs|component)\.([A-Za-z0-9_-]+)\s*(?:\|[^\]]*)?\]\]/g;
const WHOLE_PLACEHOLDER = new RegExp(`^${PLACEHOLDER.source}$`);

/** The inputs GitLab would pass: given values over defaults; a missing required input or a wrong type throws. */
export function resolveInputs(component: Component, given: Record<string, unknown> = {}): Record<string, unknown> {
  const specs = component.header.spec.inputs ?? {};
  for (const key of Object.keys(given)) if (!(key in specs)) throw new Error(`${component.name}: unknown input '${key}'`);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = key in given ? given[key] : spec.default;
    if (value === undefined) throw new Error(`${component.name}: input '${key}' is required`);
    const type = spec.type ?? 'string';
    const ok = type === 'array' ? Array.isArray(value) : typeof value === type;
    if (!ok) throw new Error(`${component.name}: input '${key}' must be a ${type}`);
    if (spec.options && !spec.options.includes(value)) throw new Error(`${component.name}: input '${key}' must be one of ${spec.options.join(', ')}`);
    out[key] = value;
  }
  return out;
}

/**
 * Interpolates the jobs document. A placeholder that is a whole scalar takes the input's value with its type
 * (arrays and numbers too); inside a longer string it must be a scalar. Interpolation functions are ignored.
 */
export function interpolate(component: Component, inputs: Record<string, unknown>, context: Record<string, string>): unknown {
  const lookup = (kind: string, key: string): unknown => {
    const table = kind === 'inputs' ? inputs : context;
    if (kind === 'component' && !(component.header.spec.component ?? []).includes(key)) {
      throw new Error(`${component.name}: component.${key} is used but not declared in spec:component`);
    }
    if (!(key in table)) throw new Error(`${component.name}: unknown interpolation key ${kind}.${key}`);
    return table[key];
  };
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE_PLACEHOLDER.exec(node);
      if (whole) return lookup(whole[1]!, whole[2]!);
      return node.replace(PLACEHOLDER, (_, kind: string, key: string) => {
        const v = lookup(kind, key);
        if (typeof v === 'object' && v !== null) throw new Error(`${component.name}: ${kind}.${key} is an array, usable only as a whole value`);
        return String(v);
      });
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [visit(k) as string, visit(v)]));
    }
    return node;
  };
  const doc = YAML.parseDocument(component.jobsText, YAML_OPTIONS);
  if (doc.errors.length > 0) throw new Error(`${component.path}: ${doc.errors[0]!.message}`);
  return visit(doc.toJS());
}

/** Every placeholder key a jobs document uses, e.g. `inputs.stage`. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => `${m[1]}.${m[2]}`);
}

/**
 * The sscs commands and flags each template's script calls through the `sscs_command` input (written straight
 * into the script), e.g.
 * { verify: ['--bundle', '--junit', ...] }, read from the templates themselves.
 */
export function helperCalls(components: Component[]): Record<string, string[]> {
  const calls: Record<string, Set<string>> = {};
  for (const c of components) {
    // One call runs from `$[[ inputs.sscs_command ]] <command>` to the end of its script item (the next `- ` or
    // key). A command may have a subcommand word (`... policy check ...`).
    for (const m of c.jobsText.matchAll(/(?:\$\[\[ inputs\.sscs_command \]\]) ([a-z][a-z-]*(?: [a-z][a-z-]*(?=[ \n]))?)((?:.|\n)*?)(?=\n\s+- |\n\s*[a-z_]+:|$)/g)) {
      const flags = (calls[m[1]!] ??= new Set());
      for (const f of m[2]!.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)) flags.add(f[1]!);
    }
  }
  return Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, [...v].sort()]));
}
