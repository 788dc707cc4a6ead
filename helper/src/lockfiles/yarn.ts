import { join } from 'node:path';
import { parseSyml } from '@yarnpkg/parsers';
import { InputError } from '../errors.js';
import type { Limits } from './limits.js';
import { expandWorkspaces, readManifest, type Manifest } from './manifest.js';
import { isValidNpmName, parseNpmAlias, splitNameVersion } from './names.js';
import { fieldError, isRecord, optionalString, stringMap } from './positions.js';
import { originOf, type Origin } from './source.js';
import { TreeBuilder, type EdgeKind, type LockNode, type LockTree } from './tree.js';
import { yarnRoots } from './yarn-roots.js';

export interface YarnContext {
  /** The folder of the lockfile, where workspace package.json files are read. */
  dir: string;
  /** The package.json beside the lockfile, when there is one. */
  manifest: Manifest | undefined;
}

/**
 * yarn.lock, classic (v1) and berry (v2+, with `__metadata`), read with yarn's own parser. Entries are keyed by
 * the descriptors (`name@range`) that resolve to them. yarn.lock does not say what is dev, so the root
 * package.json (and each workspace's) decides; without one, every package counts as prod and a warning says so.
 */
export async function parseYarnLockfile(text: string, file: string, limits: Limits, ctx: YarnContext): Promise<LockTree> {
  const doc = parseSymlOrThrow(text, file);
  const berry = isRecord(doc.__metadata);
  const b = new TreeBuilder(file, limits);
  const byDescriptor = new Map<string, string>();
  const patched = new Map<string, string>();
  const lineOf = (key: string) => lineOfKey(text, key);

  for (const [key, raw] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    if (!isRecord(raw)) throw fieldError(file, key, `entry '${key}' must be a mapping`, lineOf(key));
    const descriptors = key.split(/(?<!\s)\s*,\s*/);
    for (const d of descriptors) {
      byDescriptor.set(d, key);
      const at = d.indexOf('@patch:');
      // A patch entry is what yarn installs for the descriptor it patches: `x@patch:x@npm%3A^1#...` patches `x@npm:^1`.
      if (berry && at > 0) patched.set(decodeURIComponent(d.slice(at + '@patch:'.length).split('#')[0]!), key);
    }
    b.add(berry ? berryNode(key, raw, file, lineOf) : classicNode(key, descriptors[0]!, raw, file, lineOf));
  }

  const lookup = (name: string, range: string, from: LockNode) => {
    const d = `${name}@${range}`;
    // Berry binds a path dependency (`file:`, `link:`, `portal:`) to the package that declares it:
    // `x@file:./x::locator=app%40workspace%3A.`, the locator being the dependent's own resolution.
    return patched.get(d) ?? byDescriptor.get(d) ?? (berry ? byDescriptor.get(`${d}::locator=${encodeURIComponent(resolutionOf(doc, from.id))}`) : undefined);
  };
  const missing: string[] = [];
  const link = (from: LockNode, name: string, range: string, kind: EdgeKind) => {
    const to = lookup(name, range, from);
    if (to === undefined) {
      if (kind !== 'optional') missing.push(`${name}@${range}`);
      return;
    }
    b.edge(from, { to, as: name, kind });
  };
  for (const [key, raw] of Object.entries(doc)) {
    if (key === '__metadata' || !isRecord(raw)) continue;
    const from = b.nodes.get(key)!;
    if (from.local && berry) continue; // workspaces: edges come from their package.json below
    const line = () => lineOf(key);
    const optional = optionalNames(raw, berry);
    for (const [name, range] of Object.entries(stringMap(raw.dependencies, file, `${key}.dependencies`, line))) {
      link(from, name, range, optional.has(name) ? 'optional' : 'prod');
    }
    for (const [name, range] of Object.entries(stringMap(raw.optionalDependencies, file, `${key}.optionalDependencies`, line))) link(from, name, range, 'optional');
  }

  dropPatchSources(b, byDescriptor, patched);
  await yarnRoots({ berry, doc, builder: b, ctx, link, readWorkspace: (rel) => readManifest(join(ctx.dir, rel, 'package.json'), limits), expandWorkspaces, file });
  b.notLocked(missing);
  return b.build('graph');
}

/**
 * Once descriptors resolve to their patch entries, the unpatched entries they patch are reached by nothing.
 * They are the same name@version as the patch, so they go rather than show up as extraneous.
 */
function dropPatchSources(b: TreeBuilder, byDescriptor: Map<string, string>, patched: Map<string, string>): void {
  const targets = new Set<string>();
  for (const n of b.nodes.values()) for (const e of n.edges) targets.add(e.to);
  for (const [descriptor, patchKey] of patched) {
    const sourceKey = byDescriptor.get(descriptor);
    const source = sourceKey === undefined ? undefined : b.nodes.get(sourceKey);
    const patch = b.nodes.get(patchKey);
    if (source && patch && !targets.has(source.id) && source.name === patch.name && source.version === patch.version) b.nodes.delete(source.id);
  }
}

function classicNode(key: string, descriptor: string, raw: Record<string, unknown>, file: string, lineOf: (k: string) => number | undefined): Omit<LockNode, 'edges'> {
  const line = () => lineOf(key);
  const split = splitNameVersion(descriptor);
  const version = optionalString(raw.version, file, `${key}.version`, line);
  if (!split || version === undefined) throw fieldError(file, key, `entry '${key}' has no name or version`, line());
  const alias = parseNpmAlias(split.version);
  const name = alias?.name ?? split.name;
  const node: Omit<LockNode, 'edges'> = { id: key, name, version };
  const integrity = optionalString(raw.integrity, file, `${key}.integrity`, line);
  const resolved = optionalString(raw.resolved, file, `${key}.resolved`, line);
  // yarn 1 fetches what `resolved` names, whatever the descriptor's range says: a registry-shaped URL is the
  // registry package only when it names this package (the check npm's and pnpm's readers make), else a tarball
  // from elsewhere. Without `resolved`, the range says where it comes from (a folder, a path, a git spec).
  const origin = resolved ? originOf(resolved, name) : alias ? 'registry' : originOf(split.version, split.name);
  if (integrity) node.integrity = integrity;
  if (resolved) node.resolved = resolved;
  else if (origin !== 'registry' && origin !== 'local') node.resolved = split.version;
  return withOrigin(node, origin, file, line());
}

function berryNode(key: string, raw: Record<string, unknown>, file: string, lineOf: (k: string) => number | undefined): Omit<LockNode, 'edges'> {
  const line = () => lineOf(key);
  const resolution = optionalString(raw.resolution, file, `${key}.resolution`, line);
  const version = optionalString(raw.version, file, `${key}.version`, line);
  const at = resolution ? resolution.indexOf('@', 1) : -1;
  if (!resolution || at < 0 || version === undefined) throw fieldError(file, key, `entry '${key}' has no resolution or version`, line());
  const name = resolution.slice(0, at);
  const ref = resolution.slice(at + 1);
  const node: Omit<LockNode, 'edges'> = { id: key, name, version };
  const origin = berryOrigin(ref, name);
  if (origin !== 'registry' && origin !== 'local') node.resolved = ref;
  // Workspaces and linked folders are first-party code, not packages fetched from a registry.
  return withOrigin(node, origin, file, line());
}

/** Where a berry resolution (`npm:1.0.0`, `patch:x@npm%3A1.0.0#...`, `workspace:.`, `git+ssh://...#commit=`) fetches from. */
function berryOrigin(ref: string, name: string): Origin {
  if (ref.startsWith('workspace:')) return 'local';
  if (ref.startsWith('patch:')) {
    // A patch applies to another resolution, which is where the code comes from.
    const inner = decodeURIComponent(ref.slice('patch:'.length).split('#', 1)[0]!);
    const at = inner.indexOf('@', 1);
    return at > 0 ? berryOrigin(inner.slice(at + 1), name) : 'registry';
  }
  // exec: builds the package by running a script: code from no registry.
  if (ref.startsWith('exec:')) return 'file';
  return originOf(ref, name);
}

function withOrigin(node: Omit<LockNode, 'edges'>, origin: Origin, file: string, line: number | undefined): Omit<LockNode, 'edges'> {
  if (origin === 'local') node.local = true;
  else if (origin !== 'registry') node.source = origin;
  // The name decides which rules and facts apply: one npm would not accept is refused, not printed or matched.
  if (origin !== 'local' && !isValidNpmName(node.name)) throw fieldError(file, node.id, `entry ${JSON.stringify(node.id)} names ${JSON.stringify(node.name)}, not a valid npm package name`, line);
  return node;
}

function resolutionOf(doc: Record<string, unknown>, key: string): string {
  const raw = doc[key];
  return isRecord(raw) && typeof raw.resolution === 'string' ? raw.resolution : '';
}

function optionalNames(raw: Record<string, unknown>, berry: boolean): Set<string> {
  const out = new Set<string>();
  if (!berry || !isRecord(raw.dependenciesMeta)) return out;
  for (const [name, meta] of Object.entries(raw.dependenciesMeta)) if (isRecord(meta) && meta.optional === true) out.add(name);
  return out;
}

function parseSymlOrThrow(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseSyml(text);
  } catch (e) {
    // js-yaml (berry) reports `mark.line` from 0; the peg grammar (classic) reports `location.start.line` from 1.
    const err = e as { mark?: { line?: number }; location?: { start?: { line?: number } }; message?: string };
    const line = err.mark?.line !== undefined ? err.mark.line + 1 : err.location?.start?.line;
    throw new InputError('MALFORMED', `yarn.lock cannot be parsed: ${String(err.message ?? e).split('\n')[0]}`, {
      where: { file, ...(line !== undefined ? { line } : {}) },
      cause: e,
    });
  }
  if (!isRecord(doc)) throw fieldError(file, '$', 'yarn.lock must hold a mapping of entries', 1);
  return doc;
}

/** The line where an entry's key starts; yarn quotes keys that hold `@` or `,` at the start. */
function lineOfKey(text: string, key: string): number | undefined {
  for (const needle of [`\n"${key}":`, `\n${key}:`]) {
    const at = text.indexOf(needle);
    if (at >= 0) return text.slice(0, at + 1).split('\n').length;
  }
  return undefined;
}
