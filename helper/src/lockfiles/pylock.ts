import { pep503 } from '../ecosystems/pypi.js';
import { InputError } from '../errors.js';
import type { Limits } from './limits.js';
import { fieldError, isRecord } from './positions.js';
import { pythonOrigin, vcsLocation } from './python-source.js';
import { checkedVcsLocation } from './vcs-url.js';
import { parseToml, tableList } from './toml-doc.js';
import { TreeBuilder, type LockNode, type LockTree } from './tree.js';

/** The major lock-version this reader understands (PEP 751: a reader must refuse an unknown major version). */
const LOCK_MAJOR = '1';

/**
 * The standard lockfile, pylock.toml (PEP 751; packaging.python.org "pylock.toml Specification"): `[[packages]]`
 * with `name`, `version` (optional for VCS, directory and archive sources), `marker`, exactly one source (`vcs`,
 * `directory`, `archive`, or an index with `sdist`/`wheels`, whose `hashes` tables are kept as `alg:hex`), and
 * optional `dependencies` (tables naming packages). A `marker` that only holds for a dependency group not in
 * `default-groups` makes the package dev; one on `extras`, optional. Without `dependencies` the file records no
 * graph (pip, pipenv and uv write none today): every package counts as direct.
 */
export function parsePylock(text: string, file: string, limits: Limits): LockTree {
  const input = parseToml(text, file, 'pylock.toml');
  const { doc } = input;
  if (typeof doc['lock-version'] !== 'string' || doc['lock-version'].split('.')[0] !== LOCK_MAJOR) {
    throw new InputError('UNSUPPORTED_VERSION', `pylock.toml lock-version ${JSON.stringify(doc['lock-version'])} is not supported (only ${LOCK_MAJOR}.x)`, { where: { file, field: 'lock-version' } });
  }
  const defaultGroups = new Set(Array.isArray(doc['default-groups']) ? doc['default-groups'].filter((g) => typeof g === 'string') : []);
  const b = new TreeBuilder(file, limits, 'pypi');
  const packages = tableList(doc.packages, file, 'packages');
  const byName = new Map<string, LockNode[]>();
  const ids: (string | undefined)[] = [];
  packages.forEach((p, i) => {
    const field = `packages[${i}]`;
    const line = input.lineOfEntry('packages', i);
    if (typeof p.name !== 'string' || !p.name) throw fieldError(file, `${field}.name`, `${field}.name must be a string`, line);
    if (p.version !== undefined && typeof p.version !== 'string') throw fieldError(file, `${field}.version`, `${field}.version must be a string`, line);
    const name = pep503(p.name);
    const version = p.version ?? '';
    const src = readSource(p, file, field, line);
    if (src.kind === 'local') {
      ids.push(undefined);
      return;
    }
    if (src.kind === 'registry' && !version) throw fieldError(file, `${field}.version`, `${field} (${name}) comes from an index but has no version`, line);
    const id = src.kind === 'registry' ? `${name}@${version}` : `${name}@${version}#${src.kind}:${src.location}`;
    const node: Omit<LockNode, 'edges'> = { id, name, version, direct: true };
    if (src.kind !== 'registry') {
      node.source = src.kind;
      node.resolved = src.location;
    } else {
      // The index, or a file URL off pypi.org: index.ts makes such a package a url (or file) package.
      const from = indexOf(p);
      if (from) node.resolved = from;
    }
    const marker = typeof p.marker === 'string' ? p.marker : undefined;
    if (marker) {
      node.markers = marker;
      const groups = [...marker.matchAll(/['"]([^'"]+)['"]\s+in\s+dependency_groups/g)].map((m) => m[1]!);
      if (groups.length > 0 && !groups.some((g) => defaultGroups.has(g))) node.dev = true;
      if (/\bin\s+extras\b/.test(marker)) node.optional = true;
    }
    const hashes = fileHashes(p, file, field, line);
    if (hashes.length) node.hashes = hashes;
    const have = b.nodes.get(id);
    if (have) {
      // The same release listed twice (pipenv writes one entry per wheel set): one package, all its hashes.
      if (node.hashes) have.hashes = [...new Set([...(have.hashes ?? []), ...node.hashes])].sort();
    } else {
      b.add(node);
      byName.set(name, [...(byName.get(name) ?? []), b.nodes.get(id)!]);
    }
    ids.push(id);
  });
  const withGraph = packages.some((p) => p.dependencies !== undefined);
  if (!withGraph) return b.build('input', { graphless: true });
  packages.forEach((p, i) => {
    const id = ids[i];
    if (!id) return;
    const from = b.nodes.get(id)!;
    for (const [j, d] of tableList(p.dependencies, file, `packages[${i}].dependencies`).entries()) {
      const name = typeof d.name === 'string' ? pep503(d.name) : undefined;
      let list = name ? (byName.get(name) ?? []) : [];
      if (typeof d.version === 'string') list = list.filter((n) => n.version === d.version);
      if (list.length === 0) throw fieldError(file, `packages[${i}].dependencies[${j}]`, `packages[${i}].dependencies[${j}] names no package of the lockfile`, input.lineOfEntry('packages', i));
      for (const to of list) if (to !== from) b.edge(from, { to: to.id, as: to.name, kind: to.optional ? 'optional' : 'prod' });
    }
  });
  const root = b.add({ id: '\0root', name: 'root', version: '', local: true });
  b.rootUndepended(root, (n) => ({ kind: n.dev ? 'dev' : 'prod' }));
  return b.build('input');
}

type Source = { kind: 'registry' } | { kind: 'local' } | { kind: 'git' | 'url' | 'file'; location: string };

function readSource(p: Record<string, unknown>, file: string, field: string, line: number | undefined): Source {
  if (isRecord(p.vcs)) {
    const v = p.vcs;
    const url = typeof v.url === 'string' ? v.url : typeof v.path === 'string' ? v.path : undefined;
    if (!url || typeof v.type !== 'string') throw fieldError(file, `${field}.vcs`, `${field}.vcs needs a type and a url or path`, line);
    const location = vcsLocation(v.type, url, typeof v['commit-id'] === 'string' ? v['commit-id'] : undefined);
    return { kind: 'git', location: checkedVcsLocation(location, 'pypi', { file, field: `${field}.vcs`, line }) };
  }
  if (isRecord(p.directory)) return { kind: 'local' };
  if (isRecord(p.archive)) {
    const a = p.archive;
    const where = typeof a.url === 'string' ? a.url : typeof a.path === 'string' ? a.path : undefined;
    if (!where) throw fieldError(file, `${field}.archive`, `${field}.archive needs a url or path`, line);
    const origin = pythonOrigin(where);
    return { kind: origin === 'url' ? 'url' : 'file', location: where };
  }
  return { kind: 'registry' };
}

/** Where an index package's files come from: a file location that is not http(s), a file URL off pypi.org, the `index`. */
function indexOf(p: Record<string, unknown>): string | undefined {
  const urls: string[] = [];
  const add = (f: unknown) => {
    if (isRecord(f) && typeof f.url === 'string') urls.push(f.url);
    if (isRecord(f) && typeof f.path === 'string') urls.push(f.path);
  };
  add(p.sdist);
  if (Array.isArray(p.wheels)) p.wheels.forEach(add);
  const local = urls.find((u) => !/^https?:\/\//i.test(u));
  if (local) return local;
  const elsewhere = urls.find((u) => !/^https:\/\/(?:files\.pythonhosted\.org|pypi\.org)\//i.test(u));
  return elsewhere ?? (typeof p.index === 'string' ? p.index : urls[0]);
}

function fileHashes(p: Record<string, unknown>, file: string, field: string, line: number | undefined): string[] {
  const out = new Set<string>();
  const add = (f: unknown, at: string) => {
    if (!isRecord(f)) throw fieldError(file, at, `${at} must be a table`, line);
    if (f.hashes === undefined) return;
    if (!isRecord(f.hashes)) throw fieldError(file, `${at}.hashes`, `${at}.hashes must be a table of algorithm = hex`, line);
    for (const [alg, hex] of Object.entries(f.hashes)) {
      if (typeof hex !== 'string' || !/^[0-9a-f]+$/i.test(hex)) throw fieldError(file, `${at}.hashes.${alg}`, `${at}.hashes.${alg} must be a hex digest`, line);
      out.add(`${alg.toLowerCase()}:${hex.toLowerCase()}`);
    }
  };
  if (p.sdist !== undefined) add(p.sdist, `${field}.sdist`);
  if (p.archive !== undefined) add(p.archive, `${field}.archive`);
  if (p.wheels !== undefined) {
    if (!Array.isArray(p.wheels)) throw fieldError(file, `${field}.wheels`, `${field}.wheels must be an array`, line);
    p.wheels.forEach((w, j) => add(w, `${field}.wheels[${j}]`));
  }
  return [...out].sort();
}
