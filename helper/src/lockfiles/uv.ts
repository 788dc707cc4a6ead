import { pep503 } from '../ecosystems/pypi.js';
import { InputError } from '../errors.js';
import type { Limits } from './limits.js';
import { fieldError, isRecord } from './positions.js';
import { vcsLocation } from './python-source.js';
import { checkedVcsLocation } from './vcs-url.js';
import { parseToml, tableList } from './toml-doc.js';
import { TreeBuilder, type EdgeKind, type LockNode, type LockTree } from './tree.js';

const SUPPORTED_VERSIONS = [1];

/**
 * uv's lockfile (uv.lock, `version = 1`; docs.astral.sh/uv/concepts/projects/layout/#the-lockfile and uv's
 * crates/uv-resolver/src/lock): `[[package]]` with `source` (`registry`, `git`, `url`, `path`, `directory`,
 * `editable`, `virtual`), `dependencies`, `optional-dependencies.<extra>` and `dev-dependencies.<group>` naming
 * packages by name (plus version and source when the name is locked more than once), sdist and wheel hashes.
 * Workspace members (editable, virtual, directory sources) are first-party roots; dev and optional follow from
 * reachability, as for pnpm.
 */
export function parseUvLock(text: string, file: string, limits: Limits): LockTree {
  const input = parseToml(text, file, 'uv.lock');
  const { doc } = input;
  if (typeof doc.version !== 'number' || !SUPPORTED_VERSIONS.includes(doc.version)) {
    throw new InputError('UNSUPPORTED_VERSION', `uv.lock version ${JSON.stringify(doc.version)} is not supported (only ${SUPPORTED_VERSIONS.join(', ')})`, { where: { file, field: 'version' } });
  }
  const b = new TreeBuilder(file, limits, 'pypi');
  const packages = tableList(doc.package, file, 'package');
  const byName = new Map<string, LockNode[]>();
  const ids: string[] = [];
  packages.forEach((p, i) => {
    const field = `package[${i}]`;
    const line = input.lineOfEntry('package', i);
    if (typeof p.name !== 'string' || !p.name) throw fieldError(file, `${field}.name`, `${field}.name must be a string`, line);
    const name = pep503(p.name);
    const version = typeof p.version === 'string' ? p.version : '';
    const src = readSource(p.source, file, `${field}.source`, line);
    const id = `${name}@${version}#${JSON.stringify(p.source ?? null)}`;
    const node: Omit<LockNode, 'edges'> = { id, name, version };
    if (src.kind === 'local') node.local = true;
    else if (src.kind !== 'registry') {
      node.source = src.kind;
      node.resolved = src.location;
    } else if (!version) throw fieldError(file, `${field}.version`, `${field} (${name}) comes from an index but has no version`, line);
    else if (src.index) node.resolved = src.index; // index.ts: another index than pypi.org makes it a url package
    const hashes = fileHashes(p, file, field, line);
    if (hashes.length) node.hashes = hashes;
    b.add(node);
    ids.push(id);
    byName.set(name, [...(byName.get(name) ?? []), b.nodes.get(id)!]);
  });
  packages.forEach((p, i) => {
    const from = b.nodes.get(ids[i]!)!;
    const field = `package[${i}]`;
    const line = input.lineOfEntry('package', i);
    const add = (list: unknown, kind: EdgeKind, at: string) => {
      for (const [j, d] of tableList(list, file, at).entries()) {
        for (const to of targets(d, byName, file, `${at}[${j}]`, line)) b.edge(from, { to: to.id, as: to.name, kind });
      }
    };
    add(p.dependencies, 'prod', `${field}.dependencies`);
    for (const [extra, list] of Object.entries(table(p['optional-dependencies'], file, `${field}.optional-dependencies`, line))) add(list, 'optional', `${field}.optional-dependencies.${extra}`);
    // Only a root's groups are dev: uv resolves a member's dev groups only when it is the project being synced.
    const devKind: EdgeKind = from.local ? 'dev' : 'prod';
    for (const [group, list] of Object.entries(table(p['dev-dependencies'], file, `${field}.dev-dependencies`, line))) add(list, devKind, `${field}.dev-dependencies.${group}`);
  });
  if (![...b.nodes.values()].some((n) => n.local)) {
    b.warn('no workspace member (editable, virtual or directory source): packages that nothing depends on count as direct');
    const root = b.add({ id: '\0root', name: 'root', version: '', local: true });
    b.rootUndepended(root);
  }
  return b.build('graph');
}

type Source = { kind: 'registry'; index?: string } | { kind: 'local' } | { kind: 'git' | 'url' | 'file'; location: string };

function readSource(v: unknown, file: string, field: string, line: number | undefined): Source {
  if (v === undefined) return { kind: 'registry' };
  if (!isRecord(v)) throw fieldError(file, field, `${field} must be a table`, line);
  if (typeof v.registry === 'string') return { kind: 'registry', index: v.registry };
  if (typeof v.git === 'string') {
    const location = v.git.startsWith('git+') ? v.git : vcsLocation('git', v.git);
    return { kind: 'git', location: checkedVcsLocation(location, 'pypi', { file, field: `${field}.git`, line }) };
  }
  if (typeof v.url === 'string') return { kind: 'url', location: v.url };
  if (typeof v.path === 'string') return /\.(?:whl|tar\.gz|zip)$/i.test(v.path) ? { kind: 'file', location: v.path } : { kind: 'local' };
  if (typeof v.directory === 'string' || typeof v.editable === 'string' || typeof v.virtual === 'string') return { kind: 'local' };
  throw fieldError(file, field, `${field} names no source uv writes (registry, git, url, path, directory, editable, virtual)`, line);
}

function table(v: unknown, file: string, field: string, line: number | undefined): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw fieldError(file, field, `${field} must be a table`, line);
  return v;
}

/** The packages a dependency entry names: by name, narrowed by version and source when uv wrote them. */
function targets(d: Record<string, unknown>, byName: Map<string, LockNode[]>, file: string, field: string, line: number | undefined): LockNode[] {
  if (typeof d.name !== 'string') throw fieldError(file, `${field}.name`, `${field}.name must be a string`, line);
  let list = byName.get(pep503(d.name)) ?? [];
  if (typeof d.version === 'string') list = list.filter((n) => n.version === d.version);
  if (d.source !== undefined && list.length > 1) list = list.filter((n) => n.id.endsWith(`#${JSON.stringify(d.source)}`));
  if (list.length === 0) throw fieldError(file, field, `${field} names ${d.name}${typeof d.version === 'string' ? ` ${d.version}` : ''}, which the lockfile does not hold`, line);
  return list;
}

function fileHashes(p: Record<string, unknown>, file: string, field: string, line: number | undefined): string[] {
  const out = new Set<string>();
  const add = (f: unknown, at: string) => {
    if (!isRecord(f)) throw fieldError(file, at, `${at} must be a table`, line);
    if (f.hash !== undefined) {
      if (typeof f.hash !== 'string' || !/^sha(?:256|384|512):[0-9a-f]+$/i.test(f.hash)) throw fieldError(file, `${at}.hash`, `${at}.hash must be <algorithm>:<hex>`, line);
      out.add(f.hash.toLowerCase());
    }
  };
  if (p.sdist !== undefined) add(p.sdist, `${field}.sdist`);
  if (p.wheels !== undefined) {
    if (!Array.isArray(p.wheels)) throw fieldError(file, `${field}.wheels`, `${field}.wheels must be an array`, line);
    p.wheels.forEach((w, j) => add(w, `${field}.wheels[${j}]`));
  }
  return [...out].sort();
}

