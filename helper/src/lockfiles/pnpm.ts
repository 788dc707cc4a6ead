import { posix } from 'node:path';
import { InputError } from '../errors.js';
import type { Limits } from './limits.js';
import { isValidNpmName, splitNameVersion, stripPeerSuffix } from './names.js';
import { fieldError, isRecord, optionalString } from './positions.js';
import { originOf, type Origin } from './source.js';
import { TreeBuilder, type EdgeKind, type LockNode, type LockTree } from './tree.js';
import { parseYamlDocuments, type YamlInput } from './yaml-doc.js';

const IMPORTER = 'importer:';
const DEP_FIELDS: [string, EdgeKind][] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['devDependencies', 'dev'],
  // pnpm 11+'s env lockfile (the first document): the package manager itself and config dependencies, tooling.
  ['packageManagerDependencies', 'dev'],
  ['configDependencies', 'dev'],
];
/** Node ids of an env lockfile's packages, kept apart from the project's. */
const ENV_PREFIX = 'env-lockfile\0';

/**
 * pnpm-lock.yaml, lockfile v6 (`/name@version(peers)` keys in `packages`, `dev` flags) and v9 (`packages` for
 * metadata, `snapshots` for each peer-resolved instance). Importers (the root and each workspace) are the
 * local nodes; v9 has no dev flags, so dev/prod comes from which importer field reaches a package.
 */
export function parsePnpmLockfile(text: string, file: string, limits: Limits): LockTree {
  const docs = parseYamlDocuments(text, file, 'pnpm lockfile');
  if (docs.length <= 1) return parsePnpmDocument(docs[0] ?? { value: null, lineOf: () => undefined }, file, limits);
  // pnpm 11+ writes two documents: an env lockfile (packageManagerDependencies, configDependencies), then the
  // project's. Both list packages pnpm fetches, so both are read; the env one's nodes keep apart under a prefix.
  const main = parsePnpmDocument(docs.at(-1)!, file, limits);
  for (const env of docs.slice(0, -1)) {
    const tree = parsePnpmDocument(env, file, limits);
    if (main.nodes.size + tree.nodes.size > limits.maxPackages) throw new InputError('LIMIT', `more than ${limits.maxPackages} packages`, { where: { file } });
    for (const n of tree.nodes.values()) main.nodes.set(ENV_PREFIX + n.id, { ...n, id: ENV_PREFIX + n.id, edges: n.edges.map((e) => ({ ...e, to: ENV_PREFIX + e.to })) });
    main.warnings.push(...tree.warnings);
  }
  return main;
}

function parsePnpmDocument(y: YamlInput, file: string, limits: Limits): LockTree {
  const doc = y.value;
  if (!isRecord(doc)) throw fieldError(file, '$', 'a pnpm lockfile must be a YAML mapping', 1);
  const major = Number.parseInt(String(doc.lockfileVersion), 10);
  if (major !== 6 && major !== 9) {
    throw new InputError('UNSUPPORTED_VERSION', `pnpm lockfileVersion ${JSON.stringify(doc.lockfileVersion)} is not supported (only 6.x and 9.x)`, {
      where: { file, field: 'lockfileVersion', ...lineOpt(y.lineOf(['lockfileVersion'])) },
    });
  }
  const v9 = major === 9;
  const b = new TreeBuilder(file, limits);
  const packages = section(doc, 'packages', y, file);
  const instances = v9 ? section(doc, 'snapshots', y, file) : packages;
  if (Object.keys(instances).length > limits.maxPackages) {
    throw new InputError('LIMIT', `more than ${limits.maxPackages} packages`, { where: { file, field: v9 ? 'snapshots' : 'packages' } });
  }

  for (const [key, raw] of Object.entries(instances)) {
    const field = v9 ? 'snapshots' : 'packages';
    if (!isRecord(raw) && raw !== null) throw fieldError(file, `${field}[${key}]`, `${field}[${key}] must be a mapping`, y.lineOf([field, key]));
    const base = stripPeerSuffix(v9 ? key : key.replace(/^\//, ''));
    const meta = v9 ? packages[base] : raw;
    b.add(packageNode(key, base, isRecord(meta) ? meta : {}, isRecord(raw) ? raw : {}, v9, file, y));
  }

  const importers = isRecord(doc.importers) ? doc.importers : { '.': doc };
  for (const path of Object.keys(importers)) b.add({ id: IMPORTER + path, name: path === '.' ? 'root' : path, version: '', local: true });

  const missing: string[] = [];
  const link = (from: LockNode, deps: unknown, kind: EdgeKind, field: string[], importer: string | undefined) => {
    if (deps === undefined || deps === null) return;
    if (!isRecord(deps)) throw fieldError(file, field.join('.'), `${field.join('.')} must be a mapping`, y.lineOf(field));
    for (const [name, spec] of Object.entries(deps)) {
      // Importers record { specifier, version }; packages and snapshots record the version alone.
      const version = isRecord(spec) ? spec.version : spec;
      if (typeof version !== 'string') throw fieldError(file, [...field, name].join('.'), `${[...field, name].join('.')} has no version`, y.lineOf([...field, name]));
      const to = target(name, version, importer, v9, b.nodes);
      if (to === undefined) {
        if (kind !== 'optional') missing.push(`${name}@${version}`);
        continue;
      }
      b.edge(from, { to, as: name, kind });
    }
  };
  for (const [path, imp] of Object.entries(importers)) {
    if (!isRecord(imp)) throw fieldError(file, `importers[${path}]`, `importers[${path}] must be a mapping`, y.lineOf(['importers', path]));
    const from = b.nodes.get(IMPORTER + path)!;
    const at = importers === doc ? [] : ['importers', path];
    for (const [f, kind] of DEP_FIELDS) link(from, imp[f], kind, [...at, f], path);
  }
  for (const [key, raw] of Object.entries(instances)) {
    if (!isRecord(raw)) continue;
    const from = b.nodes.get(key)!;
    const field = v9 ? 'snapshots' : 'packages';
    link(from, raw.dependencies, 'prod', [field, key, 'dependencies'], undefined);
    link(from, raw.optionalDependencies, 'optional', [field, key, 'optionalDependencies'], undefined);
  }
  b.notLocked(missing);
  return b.build(v9 ? 'graph' : 'input');
}

function packageNode(key: string, base: string, meta: Record<string, unknown>, instance: Record<string, unknown>, v9: boolean, file: string, y: YamlInput): Omit<LockNode, 'edges'> {
  const field = 'packages';
  const line = () => y.lineOf([field, v9 ? base : key]);
  const split = splitNameVersion(base);
  const name = optionalString(meta.name, file, `${field}[${base}].name`, line) ?? split?.name;
  const version = optionalString(meta.version, file, `${field}[${base}].version`, line) ?? split?.version;
  if (!name || !version) throw fieldError(file, `${field}[${key}]`, `cannot tell the name and version of '${key}'`, line());
  const node: Omit<LockNode, 'edges'> = { id: key, name, version };
  const resolution = meta.resolution;
  if (resolution !== undefined && !isRecord(resolution)) throw fieldError(file, `${field}[${base}].resolution`, 'resolution must be a mapping', line());
  let origin: Origin = v9 ? originOf(split?.version, name) : key.startsWith('/') ? 'registry' : originOf(key, name);
  if (resolution) {
    const integrity = optionalString(resolution.integrity, file, `${field}[${base}].resolution.integrity`, line);
    const tarball = optionalString(resolution.tarball, file, `${field}[${base}].resolution.tarball`, line);
    const repo = optionalString(resolution.repo, file, `${field}[${base}].resolution.repo`, line);
    const commit = optionalString(resolution.commit, file, `${field}[${base}].resolution.commit`, line);
    if (integrity) node.integrity = integrity;
    if (tarball) node.resolved = tarball;
    else if (repo && commit) node.resolved = `git+${repo}#${commit}`;
    // The resolution says where pnpm fetches from: a folder, a git commit, or a tarball (registry-shaped or not).
    if (resolution.type === 'directory') origin = 'local';
    else if (resolution.type === 'git' || (repo && commit)) origin = 'git';
    else if (tarball) origin = originOf(tarball, name);
  }
  if (origin === 'local') node.local = true;
  else if (origin !== 'registry') node.source = origin;
  // The name decides which rules and facts apply: one npm would not accept is refused, not printed or matched.
  if (origin !== 'local' && !isValidNpmName(name)) throw fieldError(file, `${field}[${key}]`, `${field}[${JSON.stringify(key)}] names ${JSON.stringify(name)}, not a valid npm package name`, line());
  if (!v9 && meta.dev === true) node.dev = true;
  if ((v9 ? instance : meta).optional === true) node.optional = true;
  return node;
}

/** The node a `name: version` entry points at: a peer-suffixed version, an alias (`real@1.0.0`), or a link. */
function target(name: string, version: string, importer: string | undefined, v9: boolean, nodes: Map<string, LockNode>): string | undefined {
  if (version.startsWith('link:')) {
    if (importer === undefined) return undefined;
    const id = IMPORTER + (posix.normalize(posix.join(importer, version.slice('link:'.length))) || '.');
    return nodes.has(id) ? id : undefined;
  }
  const candidates = v9 ? [`${name}@${version}`, version] : [`/${name}@${version}`, version, `/${version}`];
  return candidates.find((c) => nodes.has(c));
}

function section(doc: Record<string, unknown>, name: string, y: YamlInput, file: string): Record<string, unknown> {
  const v = doc[name];
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw fieldError(file, name, `${name} must be a mapping`, y.lineOf([name]));
  return v;
}

function lineOpt(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
