import type { SourceKind } from '../deps/model.js';
import { npmName, parsePurl, PurlError, type Purl } from '../deps/purl.js';
import { ecosystemOfPurlType } from '../ecosystems/index.js';
import { InputError } from '../errors.js';
import { parseJson } from '../io/files.js';
import type { Limits } from './limits.js';
import { nameFromNodeModulesPath } from './names.js';
import { fieldError, isRecord, jsonLineOf, lineAt } from './positions.js';
import { originOf } from './source.js';
import { checkedVcsLocation, downloadLocationProblem } from './vcs-url.js';
import { TreeBuilder, type LockNode, type LockTree, type UnpinnedRequirement } from './tree.js';

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
 * CycloneDX JSON SBOMs 1.4 to 1.6: npm and PyPI components (purls `pkg:npm/...`, `pkg:pypi/...`, nested
 * components included), with the `dependencies` graph from `metadata.component` for direct/transitive. Dev comes
 * from npm's `cdx:npm:package:development` property or scope `excluded`; optional from scope `optional`. A
 * `vcs_url` or `download_url` qualifier makes a git or URL package; a component with neither and no version
 * (cyclonedx-py writes them for unpinned requirements; an npm one read from a manifest alone) is reported as
 * unpinned, not guessed: `policy check` then fails closed unless --allow-unpinned, as for a requirements file.
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
  const meta = isRecord(doc.metadata) && isRecord(doc.metadata.component) ? doc.metadata.component : undefined;
  const metaRef = meta?.['bom-ref'];
  const root = b.add({ id: typeof metaRef === 'string' ? metaRef : ROOT_ID, name: 'root', version: '', local: true });
  // Some tools list the root component in `components` too (under another bom-ref): it is the project, not a dependency.
  const rootPurl = typeof meta?.purl === 'string' ? meta.purl : undefined;
  const refOf = new Map<string, string>();
  const aliasOf = new Map<string, string>();
  let skipped = 0;
  const respelled: string[] = [];

  const walk = (list: unknown, field: string, depth: number) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) throw fieldError(file, field, `${field} must be an array`, jsonLineOf(text, field.split('.').pop()!.replace(/\[\d+\]$/, '')));
    if (depth > limits.maxDepth) throw new InputError('LIMIT', `components nest deeper than ${limits.maxDepth} levels`, { where: { file, field } });
    list.forEach((c, i) => {
      const at = `${field}[${i}]`;
      if (!isRecord(c)) throw fieldError(file, at, `${at} must be an object`);
      if (rootPurl !== undefined && c.purl === rootPurl) {
        if (typeof c['bom-ref'] === 'string') refOf.set(c['bom-ref'], root.id);
        walk(c.components, `${at}.components`, depth + 1);
        return;
      }
      const read = componentNode(c, at, file, text);
      if (read && 'unpinned' in read) b.unpinned.push(read.unpinned);
      else if (read) {
        if (!b.nodes.has(read.node.id)) b.add(read.node);
        if (read.alias) aliasOf.set(read.node.id, read.alias);
        if (read.respelled) respelled.push(read.respelled);
      } else skipped++;
      walk(c.components, `${at}.components`, depth + 1);
    });
  };
  walk(doc.components, 'components', 1);
  if (skipped > 0) b.warn(`${skipped} component(s) without an npm or pypi purl skipped`);
  if (respelled.length > 0) {
    b.warn(`${respelled.length} npm purl(s) spell the name with capitals, which a purl does not have (purl spec, npm type: lowercase); each is read by its component's name or else in lowercase: ${respelled.slice(0, 5).join(', ')}${respelled.length > 5 ? ', ...' : ''}`);
  }
  const unpinned = b.unpinned.map((u) => u.requirement);
  if (unpinned.length > 0) b.warn(`${unpinned.length} component(s) name no version, so they cannot be checked: ${unpinned.slice(0, 5).join(', ')}${unpinned.length > 5 ? ', ...' : ''}`);

  const deps = doc.dependencies;
  if (deps !== undefined && !Array.isArray(deps)) throw fieldError(file, 'dependencies', 'dependencies must be an array', jsonLineOf(text, 'dependencies'));
  for (const [i, d] of (deps ?? []).entries()) {
    if (!isRecord(d) || typeof d.ref !== 'string') throw fieldError(file, `dependencies[${i}]`, `dependencies[${i}] must be an object with a string ref`);
    const from = b.nodes.get(refOf.get(d.ref) ?? d.ref);
    const on = d.dependsOn ?? [];
    if (!Array.isArray(on)) throw fieldError(file, `dependencies[${i}].dependsOn`, `dependencies[${i}].dependsOn must be an array`);
    if (!from) continue;
    for (const ref of on) {
      const to = typeof ref === 'string' ? b.nodes.get(refOf.get(ref) ?? ref) : undefined;
      if (to && to !== from) b.edge(from, { to: to.id, as: aliasOf.get(to.id) ?? to.name, kind: to.optional ? 'optional' : 'prod' });
    }
  }
  if (root.edges.length === 0) {
    // No graph from the root: whatever nothing else depends on is taken as direct.
    b.warn('no dependency graph from metadata.component: components that nothing depends on count as direct');
    b.rootUndepended(root, (n) => ({ as: aliasOf.get(n.id) ?? n.name }));
  }
  return b.build('input');
}

/**
 * One npm or PyPI component as a node, the name the project knows it by when that differs (an npm alias), and a
 * note when the purl spells the name otherwise than it is read (`pkg:npm/A@1` read as `a`); or, for a registry
 * component whose purl names no version, that unpinned requirement (its purl and where it stands).
 */
function componentNode(c: Record<string, unknown>, at: string, file: string, text: string): { node: Omit<LockNode, 'edges'>; alias?: string; respelled?: string } | { unpinned: UnpinnedRequirement } | undefined {
  const purl = c.purl;
  // Other ecosystems are skipped (and counted); anything that claims to be npm or pypi must be a valid purl of it.
  const type = typeof purl === 'string' ? /^pkg:\/*([^/]+)\//i.exec(purl)?.[1]?.toLowerCase() : undefined;
  const adapter = type === undefined ? undefined : ecosystemOfPurlType(type);
  if (typeof purl !== 'string' || !adapter) return undefined;
  let parsed: Purl;
  try {
    parsed = parsePurl(purl);
  } catch (e) {
    if (!(e instanceof PurlError)) throw e;
    throw new InputError('SCHEMA', `component ${componentName(c)}: ${at}.purl is not a valid ${type} purl (${e.message}): ${purl}`, { where: { file, field: `${at}.purl`, ...lineOpt(jsonLineOf(text, 'purl')) }, cause: e });
  }
  const props = properties(c.properties);
  const path = props.get(NPM_PATH);
  const fromPath = path ? nameFromNodeModulesPath(path) : undefined;
  const shown = typeof c.name === 'string' ? (typeof c.group === 'string' && c.group ? `${c.group}/${c.name}` : c.name) : undefined;
  const name = spellingOf(parsed, [shown, fromPath]);
  const source = sourceOf(parsed, name, { file, field: `${at}.purl`, ...lineOpt(jsonLineOf(text, 'purl')) });
  // A PyPI git or URL component is pinned by its location; any other without a version is whatever the installer
  // picks. npm and PyPI alike: the same fail-closed rule and the same opt-out (policy check --allow-unpinned).
  if (parsed.version === undefined && !(adapter.id === 'pypi' && source)) {
    const offset = text.indexOf(JSON.stringify(purl));
    return { unpinned: { ecosystem: adapter.id, name, requirement: `${purl} (${at})`, file, ...lineOpt(offset < 0 ? undefined : lineAt(text, offset)) } };
  }
  const ref = typeof c['bom-ref'] === 'string' ? c['bom-ref'] : purl;
  const node: Omit<LockNode, 'edges'> = { id: ref, name, version: parsed.version ?? '' };
  if (adapter.id !== 'npm') node.ecosystem = adapter.id;
  if (source) {
    node.source = source.kind;
    node.resolved = source.resolved;
  }
  const development = props.get(NPM_DEVELOPMENT) === 'true';
  if (development || c.scope === 'excluded') node.dev = true;
  if (c.scope === 'optional' && !development) node.optional = true;
  if (adapter.id === 'npm') {
    const integrity = sri(c.hashes);
    if (integrity) node.integrity = integrity;
  } else {
    const hashes = sha256s(c.hashes);
    if (hashes.length) node.hashes = hashes;
  }
  const dist = Array.isArray(c.externalReferences) ? c.externalReferences.find((r) => isRecord(r) && r.type === 'distribution' && typeof r.url === 'string') : undefined;
  if (isRecord(dist) && !node.resolved) node.resolved = dist.url as string;
  // An alias is npm's (`"x": "npm:y@1"`), another name and not another spelling of it; a PyPI component's name is
  // its project name in any spelling.
  const alias = adapter.id === 'npm' ? (fromPath ?? shown) : undefined;
  const written = parsed.namespace !== undefined ? `${parsed.namespace}/${parsed.name}` : parsed.name;
  const respelled = adapter.id === 'npm' && written !== name && written !== written.toLowerCase() ? `${purl} (${at}.purl) read as ${name}` : undefined;
  return { node, ...(alias && alias.toLowerCase() !== name.toLowerCase() ? { alias } : {}), ...(respelled ? { respelled } : {}) };
}

/**
 * The package name a component stands for. The purl is its identity, read as the purl spec says (npm: lowercase;
 * PyPI: PEP 503-normalised); an npm registry name still may hold capitals (legacy packages such as JSONStream),
 * which a purl cannot carry, so the component's own name (or its node_modules folder) gives the spelling when it
 * is the purl's name but for case.
 */
function spellingOf(p: Purl, spellings: (string | undefined)[]): string {
  const name = p.packageName ?? npmName(p);
  if (p.type !== 'npm') return name;
  return spellings.find((s) => s !== undefined && s.toLowerCase() === name) ?? name;
}

/**
 * purl's `vcs_url` (git) and `download_url` (a tarball) qualifiers say the package is not from a registry; each
 * must be a location that is fetched from (lockfiles/vcs-url.ts), or the SBOM is refused (exit 2).
 */
function sourceOf(p: Purl, name: string, where: { file: string; field: string; line?: number | undefined }): { kind: SourceKind; resolved: string } | undefined {
  const ecosystem = ecosystemOfPurlType(p.type)!.id;
  const vcs = p.qualifiers.vcs_url;
  if (vcs) return { kind: 'git', resolved: checkedVcsLocation(vcs, ecosystem, where, `${where.field}'s vcs_url`) };
  const download = p.qualifiers.download_url;
  if (!download) return undefined;
  const problem = downloadLocationProblem(download);
  if (problem) throw fieldError(where.file, where.field, `${where.field}'s download_url is refused: ${problem}`, where.line);
  // A PyPI package's download_url is never how the index serves it (the purl's version and repository_url say that).
  if (p.type !== 'npm') return { kind: /^https?:\/\//i.test(download) ? 'url' : 'file', resolved: download };
  const origin = originOf(download, name);
  if (origin === 'registry') return undefined;
  return { kind: origin === 'local' ? 'file' : origin, resolved: download };
}

function componentName(c: Record<string, unknown>): string {
  const name = typeof c.name === 'string' ? (typeof c.group === 'string' && c.group ? `${c.group}/${c.name}` : c.name) : '(no name)';
  return typeof c.version === 'string' ? `${name}@${c.version}` : name;
}

/** `pkg:npm/%40scope/name@1.0.0?x=y#sub` -> { name: '@scope/name', version: '1.0.0' }; undefined when not a valid npm purl with a version. */
export function parseNpmPurl(purl: string): { name: string; version: string } | undefined {
  try {
    const p = parsePurl(purl);
    return p.type === 'npm' && p.version !== undefined ? { name: npmName(p), version: p.version } : undefined;
  } catch (e) {
    if (e instanceof PurlError) return undefined;
    throw e;
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

/** A PyPI component's SHA-256 hashes as pip spells them (`sha256:<hex>`). */
function sha256s(hashes: unknown): string[] {
  if (!Array.isArray(hashes)) return [];
  return hashes.filter((x) => isRecord(x) && x.alg === 'SHA-256' && typeof x.content === 'string' && /^[0-9a-f]{64}$/i.test(x.content)).map((x) => `sha256:${(x.content as string).toLowerCase()}`);
}

function lineOpt(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
