import type { Limits } from './limits.js';
import { InputError } from '../errors.js';
import { isValidNpmName, lookupLocations, nameFromNodeModulesPath } from './names.js';
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
    const folderName = nameFromNodeModulesPath(location);
    const name = e.name ?? folderName ?? (location || 'root');
    // `resolved` says where the code comes from: a registry, git, a tarball URL or file, or a folder (first-party).
    const origin = originOf(e.resolved, name);
    const local = e.local === true || location === '' || folderName === undefined || origin === 'local';
    if (location !== '') assertInstallable(location, e, folderName, name, local, file);
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
  const peers: string[] = [];
  for (const [location, e] of entries) {
    const from = b.nodes.get(location);
    if (!from) continue;
    for (const [name, kind] of declared(e, from.local === true)) {
      const target = findInstalled(location, name, b.nodes, links);
      if (target === undefined) {
        // npm with legacy-peer-deps installs no peers, so a missing peer is a warning, not an unlocked install.
        if (kind === 'peer' && !e.optionalPeers.has(name)) peers.push(`${name} (peer of ${location || 'the root'})`);
        else if (kind !== 'optional' && kind !== 'peer') missing.push(`${name} (needed by ${location || 'the root'})`);
        continue;
      }
      b.edge(from, { to: target, as: name, kind });
    }
  }
  b.notLocked(missing);
  if (peers.length > 0) b.warn(`${peers.length} peer dependenc${peers.length === 1 ? 'y is' : 'ies are'} not in the lockfile: ${peers.slice(0, 5).join(', ')}${peers.length > 5 ? ', ...' : ''}`);
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

/**
 * An entry is either a package in a node_modules folder, whose name decides what the policy sees, or a local
 * folder (a workspace, a `file:` link's target). npm fetches what `resolved` names wherever the entry sits, so an
 * entry npm would fetch into no package location, or a package whose name npm would not accept, is refused
 * (code SCHEMA, exit 2) rather than dropped as first-party code or checked under a name it does not have.
 */
function assertInstallable(location: string, e: NpmEntry, folderName: string | undefined, name: string, local: boolean, file: string): void {
  const field = `packages[${JSON.stringify(location)}]`;
  const refuse = (message: string) => new InputError('SCHEMA', `${field}: ${message}`, { where: { file, field } });
  if (folderName === undefined && /(?:^|\/)node_modules(?:\/|$)/.test(location) && e.local !== true) {
    throw refuse('the key is inside node_modules but names no package folder (node_modules/<name> or node_modules/@scope/<name>)');
  }
  if (local) {
    if (folderName === undefined && e.local !== true && (e.integrity !== undefined || (e.resolved !== undefined && originOf(e.resolved, name) !== 'local'))) {
      throw refuse(`a folder outside node_modules is first-party code, yet the entry names code to fetch (${e.integrity !== undefined ? 'integrity' : 'resolved'})`);
    }
    return;
  }
  if (folderName !== undefined && !isValidNpmName(folderName)) throw refuse(`the folder name ${JSON.stringify(folderName)} is not a valid npm package name`);
  if (!isValidNpmName(name)) throw refuse(`the name ${JSON.stringify(name)} is not a valid npm package name`);
}
