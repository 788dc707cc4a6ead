import type { Limits } from './limits.js';
import { lookupLocations, nameFromNodeModulesPath } from './names.js';
import { originOf } from './source.js';
import { TreeBuilder, type EdgeKind, type LockNode, type LockTree } from './tree.js';

/**
 * npm's lockfile as one map of install locations (`node_modules/a/node_modules/b`, `packages/util`, `''` for
 * the root) to entries: the shape of `packages` in lockfile v2/v3. Lockfile v1 is converted into it
 * (npm-v1.ts) so both share the edge resolution below.
 */
export interface NpmEntry {
  name?: string;
  version?: string;
  integrity?: string;
  resolved?: string;
  /** A symlink to another location (workspaces, `file:` folders). */
  linkTo?: string;
  /** The root, a workspace or a local folder: first-party code, not a registry package. */
  local?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  inBundle?: boolean;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  optionalPeers: Set<string>;
}

export function npmTree(file: string, entries: Map<string, NpmEntry>, limits: Limits): LockTree {
  const b = new TreeBuilder(file, limits);
  const links = new Map<string, string>();
  for (const [location, e] of entries) {
    if (e.linkTo !== undefined) {
      links.set(location, e.linkTo);
      continue;
    }
    const name = e.name ?? nameFromNodeModulesPath(location) ?? (location || 'root');
    // `resolved` says where the code comes from: a registry, git, a tarball URL or file, or a folder (first-party).
    const origin = originOf(e.resolved, name);
    const local = e.local === true || location === '' || nameFromNodeModulesPath(location) === undefined || origin === 'local';
    const node: Omit<LockNode, 'edges'> = { id: location, name, version: e.version ?? '' };
    if (local) node.local = true;
    else if (origin !== 'registry') node.source = origin;
    if (e.integrity) node.integrity = e.integrity;
    if (e.resolved) node.resolved = e.resolved;
    if (e.dev) node.dev = true;
    if (e.optional || e.devOptional) node.optional = true;
    if (e.inBundle) node.bundled = true;
    b.add(node);
  }
  if (!entries.has('')) {
    // npm's hidden lockfile (node_modules/.package-lock.json) has no root entry: every top-level package is direct.
    b.warn('no root entry: every top-level package counted as a direct dependency');
    const root = b.add({ id: '', name: 'root', version: '', local: true });
    for (const [location] of entries) {
      const name = nameFromNodeModulesPath(location);
      if (name && location === `node_modules/${name}`) b.edge(root, { to: resolveTarget(location, links), as: name, kind: 'prod' });
    }
  }

  const missing: string[] = [];
  for (const [location, e] of entries) {
    const from = b.nodes.get(location);
    if (!from) continue;
    for (const [name, kind] of declared(e, from.local === true)) {
      const target = findInstalled(location, name, b.nodes, links);
      if (target === undefined) {
        if (kind !== 'optional' && !(kind === 'peer' && e.optionalPeers.has(name))) missing.push(`${name} (needed by ${location || 'the root'})`);
        continue;
      }
      b.edge(from, { to: target, as: name, kind });
    }
  }
  if (missing.length > 0) {
    b.warn(`${missing.length} dependenc${missing.length === 1 ? 'y is' : 'ies are'} not in the lockfile: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }
  return b.build('input');
}

/** The dependencies an entry declares, each once; package.json semantics: optional wins over prod. */
function declared(e: NpmEntry, local: boolean): Map<string, EdgeKind> {
  const out = new Map<string, EdgeKind>();
  for (const name of Object.keys(e.peerDependencies)) out.set(name, 'peer');
  if (local) for (const name of Object.keys(e.devDependencies)) out.set(name, 'dev');
  for (const name of Object.keys(e.dependencies)) out.set(name, 'prod');
  for (const name of Object.keys(e.optionalDependencies)) out.set(name, 'optional');
  return out;
}

function findInstalled(location: string, name: string, nodes: Map<string, LockNode>, links: Map<string, string>): string | undefined {
  for (const candidate of lookupLocations(location, name)) {
    const target = resolveTarget(candidate, links);
    if (nodes.has(target)) return target;
    if (links.has(candidate)) return undefined;
  }
  return undefined;
}

function resolveTarget(location: string, links: Map<string, string>): string {
  return links.get(location) ?? location;
}
