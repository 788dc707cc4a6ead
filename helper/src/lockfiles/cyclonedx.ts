import { InputError } from '../errors.js';
import { parseJson } from '../io/files.js';
import type { Limits } from './limits.js';
import { nameFromNodeModulesPath } from './names.js';
import { fieldError, isRecord, jsonLineOf } from './positions.js';
import { TreeBuilder, type LockNode, type LockTree } from './tree.js';

const SPEC_VERSIONS = ['1.4', '1.5', '1.6'];
const ROOT_ID = '\0root';
/** CycloneDX hash algorithm names -> SRI prefixes, strongest first. */
const SRI_ALGORITHMS: [string, string][] = [
  ['SHA-512', 'sha512'],
  ['SHA-384', 'sha384'],
  ['SHA-256', 'sha256'],
  ['SHA-1', 'sha1'],
];
const NPM_DEVELOPMENT = 'cdx:npm:package:development';
const NPM_PATH = 'cdx:npm:package:path';

/**
 * CycloneDX JSON SBOMs 1.4 to 1.6: npm components (purl `pkg:npm/...`, nested components included), with the
 * `dependencies` graph from `metadata.component` for direct/transitive. Dev comes from npm's
 * `cdx:npm:package:development` property or scope `excluded`; optional from scope `optional`.
 */
export function parseCycloneDx(text: string, file: string, limits: Limits): LockTree {
  const doc = parseJson(text, { file }, 'CycloneDX SBOM');
  if (!isRecord(doc) || doc.bomFormat !== 'CycloneDX') throw fieldError(file, 'bomFormat', 'not a CycloneDX SBOM (bomFormat must be "CycloneDX")', jsonLineOf(text, 'bomFormat'));
  if (typeof doc.specVersion !== 'string' || !SPEC_VERSIONS.includes(doc.specVersion)) {
    throw new InputError('UNSUPPORTED_VERSION', `CycloneDX specVersion ${JSON.stringify(doc.specVersion)} is not supported (only ${SPEC_VERSIONS.join(', ')})`, {
      where: { file, field: 'specVersion', ...lineOpt(jsonLineOf(text, 'specVersion')) },
    });
  }
  const b = new TreeBuilder(file, limits);
  const metaRef = isRecord(doc.metadata) && isRecord(doc.metadata.component) ? doc.metadata.component['bom-ref'] : undefined;
  const root = b.add({ id: typeof metaRef === 'string' ? metaRef : ROOT_ID, name: 'root', version: '', local: true });
  const aliasOf = new Map<string, string>();
  let skipped = 0;

  const walk = (list: unknown, field: string, depth: number) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) throw fieldError(file, field, `${field} must be an array`, jsonLineOf(text, field.split('.').pop()!.replace(/\[\d+\]$/, '')));
    if (depth > limits.maxDepth) throw new InputError('LIMIT', `components nest deeper than ${limits.maxDepth} levels`, { where: { file, field } });
    list.forEach((c, i) => {
      const at = `${field}[${i}]`;
      if (!isRecord(c)) throw fieldError(file, at, `${at} must be an object`);
      const read = componentNode(c, at, file, text);
      if (read) {
        if (!b.nodes.has(read.node.id)) b.add(read.node);
        if (read.alias) aliasOf.set(read.node.id, read.alias);
      } else skipped++;
      walk(c.components, `${at}.components`, depth + 1);
    });
  };
  walk(doc.components, 'components', 1);
  if (skipped > 0) b.warn(`${skipped} component(s) without an npm purl skipped`);

  const deps = doc.dependencies;
  if (deps !== undefined && !Array.isArray(deps)) throw fieldError(file, 'dependencies', 'dependencies must be an array', jsonLineOf(text, 'dependencies'));
  for (const [i, d] of (deps ?? []).entries()) {
    if (!isRecord(d) || typeof d.ref !== 'string') throw fieldError(file, `dependencies[${i}]`, `dependencies[${i}] must be an object with a string ref`);
    const from = b.nodes.get(d.ref);
    const on = d.dependsOn ?? [];
    if (!Array.isArray(on)) throw fieldError(file, `dependencies[${i}].dependsOn`, `dependencies[${i}].dependsOn must be an array`);
    if (!from) continue;
    for (const ref of on) {
      const to = typeof ref === 'string' ? b.nodes.get(ref) : undefined;
      if (to && to !== from) b.edge(from, { to: to.id, as: aliasOf.get(to.id) ?? to.name, kind: to.optional ? 'optional' : 'prod' });
    }
  }
  if (root.edges.length === 0) {
    // No graph from the root: whatever nothing else depends on is taken as direct.
    b.warn('no dependency graph from metadata.component: components that nothing depends on count as direct');
    const depended = new Set<string>();
    for (const n of b.nodes.values()) for (const e of n.edges) depended.add(e.to);
    for (const n of [...b.nodes.values()]) if (!n.local && !depended.has(n.id)) b.edge(root, { to: n.id, as: aliasOf.get(n.id) ?? n.name, kind: 'prod' });
  }
  return b.build('input');
}

/** One npm component as a node, and the name the project knows it by when that differs (an npm alias). */
function componentNode(c: Record<string, unknown>, at: string, file: string, text: string): { node: Omit<LockNode, 'edges'>; alias?: string } | undefined {
  const purl = c.purl;
  if (typeof purl !== 'string' || !purl.startsWith('pkg:npm/')) return undefined;
  const parsed = parseNpmPurl(purl);
  if (!parsed) throw fieldError(file, `${at}.purl`, `${at}.purl is not a valid npm purl: ${purl}`, jsonLineOf(text, 'purl'));
  const ref = typeof c['bom-ref'] === 'string' ? c['bom-ref'] : purl;
  const node: Omit<LockNode, 'edges'> = { id: ref, name: parsed.name, version: parsed.version };
  const props = properties(c.properties);
  const development = props.get(NPM_DEVELOPMENT) === 'true';
  if (development || c.scope === 'excluded') node.dev = true;
  if (c.scope === 'optional' && !development) node.optional = true;
  const integrity = sri(c.hashes);
  if (integrity) node.integrity = integrity;
  const dist = Array.isArray(c.externalReferences) ? c.externalReferences.find((r) => isRecord(r) && r.type === 'distribution' && typeof r.url === 'string') : undefined;
  if (isRecord(dist)) node.resolved = dist.url as string;
  const path = props.get(NPM_PATH);
  const fromPath = path ? nameFromNodeModulesPath(path) : undefined;
  const shown = typeof c.name === 'string' ? (typeof c.group === 'string' && c.group ? `${c.group}/${c.name}` : c.name) : undefined;
  const alias = fromPath ?? shown;
  return alias && alias !== parsed.name ? { node, alias } : { node };
}

/** `pkg:npm/%40scope/name@1.0.0?x=y#sub` -> { name: '@scope/name', version: '1.0.0' }. */
export function parseNpmPurl(purl: string): { name: string; version: string } | undefined {
  const body = purl.slice('pkg:npm/'.length).split(/[?#]/, 1)[0]!;
  const at = body.lastIndexOf('@');
  if (at <= 0) return undefined;
  try {
    const name = body.slice(0, at).split('/').map(decodeURIComponent).join('/');
    const version = decodeURIComponent(body.slice(at + 1));
    return name && version ? { name, version } : undefined;
  } catch {
    return undefined;
  }
}

function properties(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(v)) for (const p of v) if (isRecord(p) && typeof p.name === 'string' && typeof p.value === 'string') out.set(p.name, p.value);
  return out;
}

function sri(hashes: unknown): string | undefined {
  if (!Array.isArray(hashes)) return undefined;
  for (const [alg, prefix] of SRI_ALGORITHMS) {
    const h = hashes.find((x) => isRecord(x) && x.alg === alg && typeof x.content === 'string' && /^[0-9a-f]+$/i.test(x.content));
    if (isRecord(h)) return `${prefix}-${Buffer.from(h.content as string, 'hex').toString('base64')}`;
  }
  return undefined;
}

function lineOpt(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
