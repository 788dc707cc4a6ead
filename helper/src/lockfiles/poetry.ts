import { pep503 } from '../ecosystems/pypi.js';
import type { Limits } from './limits.js';
import { fieldError, isRecord } from './positions.js';
import type { PythonManifest } from './pyproject.js';
import { vcsLocation } from './python-source.js';
import { checkedVcsLocation } from './vcs-url.js';
import { parseToml, tableList } from './toml-doc.js';
import { TreeBuilder, type EdgeKind, type LockNode, type LockTree } from './tree.js';

/**
 * Poetry's lockfile (poetry.lock, lock-version 1.x and 2.x; python-poetry/poetry src/poetry/packages/locker.py):
 * `[[package]]` with `files` hashes, `[package.dependencies]` (a constraint string, a table with `optional` and
 * `markers`, or a list of them), `[package.source]` (`git`, `url`, `file`, `directory`; `legacy` is another index),
 * and `groups` (2.x) or `category` (1.x). The pyproject.toml beside it names the direct dependencies and their
 * groups; without it, what nothing depends on counts as direct and dev comes from `groups`/`category`.
 */
export function parsePoetryLock(text: string, file: string, limits: Limits, manifest: PythonManifest | undefined): LockTree {
  const input = parseToml(text, file, 'poetry.lock');
  const b = new TreeBuilder(file, limits, 'pypi');
  const packages = tableList(input.doc.package, file, 'package');
  const byName = new Map<string, LockNode[]>();
  const ids: string[] = [];
  packages.forEach((p, i) => {
    const field = `package[${i}]`;
    const line = input.lineOfEntry('package', i);
    if (typeof p.name !== 'string' || !p.name) throw fieldError(file, `${field}.name`, `${field}.name must be a string`, line);
    if (typeof p.version !== 'string') throw fieldError(file, `${field}.version`, `${field}.version must be a string`, line);
    const name = pep503(p.name);
    const src = readSource(p.source, file, `${field}.source`, line);
    const id = `${name}@${p.version}#${i}`;
    const node: Omit<LockNode, 'edges'> = { id, name, version: p.version };
    if (src.kind === 'local') node.local = true;
    else if (src.kind !== 'registry') {
      node.source = src.kind;
      node.resolved = src.location;
    }
    const groups = Array.isArray(p.groups) ? p.groups.filter((g): g is string => typeof g === 'string') : typeof p.category === 'string' ? [p.category] : undefined;
    if (groups && !groups.includes('main')) node.dev = true;
    if (p.optional === true) node.optional = true;
    if (typeof p.markers === 'string') node.markers = p.markers;
    // lock-version 1.x keeps the hashes apart, in `[metadata.files]` by name.
    const legacy = isRecord(input.doc.metadata) && isRecord(input.doc.metadata.files) ? input.doc.metadata.files[p.name] : undefined;
    const hashes = filesHashes(p.files ?? legacy, file, p.files !== undefined ? `${field}.files` : `metadata.files.${p.name}`, line);
    if (hashes.length) node.hashes = hashes;
    b.add(node);
    ids.push(id);
    byName.set(name, [...(byName.get(name) ?? []), b.nodes.get(id)!]);
  });
  packages.forEach((p, i) => {
    const from = b.nodes.get(ids[i]!)!;
    const deps = p.dependencies;
    if (deps === undefined) return;
    const field = `package[${i}].dependencies`;
    if (!isRecord(deps)) throw fieldError(file, field, `${field} must be a table`, input.lineOfEntry('package', i));
    for (const [dep, spec] of Object.entries(deps)) {
      const optional = (Array.isArray(spec) ? spec : [spec]).every((s) => isRecord(s) && s.optional === true);
      for (const to of byName.get(pep503(dep)) ?? []) b.edge(from, { to: to.id, as: to.name, kind: optional ? 'optional' : 'prod' });
    }
  });
  const root = b.add({ id: '\0root', name: manifest?.name ?? 'root', version: '', local: true });
  if (manifest) {
    const kinds: [string[], EdgeKind][] = [
      [manifest.dependencies, 'prod'],
      [manifest.optional, 'optional'],
      [manifest.dev, 'dev'],
    ];
    for (const [names, kind] of kinds) for (const n of names) for (const to of byName.get(n) ?? []) b.edge(root, { to: to.id, as: to.name, kind });
    return b.build('graph');
  }
  b.warn('no pyproject.toml beside it: packages that nothing depends on count as direct, and dev comes from the lockfile groups');
  b.rootUndepended(root);
  return b.build('input');
}

type Source = { kind: 'registry' } | { kind: 'local' } | { kind: 'git' | 'url' | 'file'; location: string };

function readSource(v: unknown, file: string, field: string, line: number | undefined): Source {
  if (v === undefined) return { kind: 'registry' };
  if (!isRecord(v) || typeof v.type !== 'string') throw fieldError(file, field, `${field} must be a table with a type`, line);
  const url = typeof v.url === 'string' ? v.url : '';
  switch (v.type) {
    case 'legacy':
    case 'pypi':
      return { kind: 'registry' };
    case 'git':
      return { kind: 'git', location: checkedVcsLocation(vcsLocation('git', url, typeof v.resolved_reference === 'string' ? v.resolved_reference : undefined), 'pypi', { file, field: `${field}.url`, line }) };
    case 'url':
      return { kind: 'url', location: url };
    case 'file':
      return { kind: 'file', location: url };
    case 'directory':
      return { kind: 'local' };
    default:
      throw fieldError(file, `${field}.type`, `${field}.type '${v.type}' is not one poetry writes (legacy, git, url, file, directory)`, line);
  }
}

function filesHashes(v: unknown, file: string, field: string, line: number | undefined): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw fieldError(file, field, `${field} must be an array`, line);
  const out = new Set<string>();
  v.forEach((f, j) => {
    if (!isRecord(f) || (f.hash !== undefined && typeof f.hash !== 'string')) throw fieldError(file, `${field}[${j}]`, `${field}[${j}] must be a table with a string hash`, line);
    if (typeof f.hash === 'string' && f.hash) out.add(f.hash.toLowerCase());
  });
  return [...out].sort();
}
