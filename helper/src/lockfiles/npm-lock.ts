import { InputError } from '../errors.js';
import { parseJson } from '../io/files.js';
import type { Limits } from './limits.js';
import type { Manifest } from './manifest.js';
import { assertCanonicalLocations } from './npm-locations.js';
import { npmTree, type NpmEntry } from './npm.js';
import { npmV1Entries } from './npm-v1.js';
import { fieldError, isRecord, jsonLineOf, optionalString, stringMap } from './positions.js';
import type { LockTree } from './tree.js';

const SUPPORTED_VERSIONS = [1, 2, 3];

/** package-lock.json / npm-shrinkwrap.json, lockfile versions 1, 2 and 3. */
export function parseNpmLockfile(text: string, file: string, limits: Limits, manifest: Manifest | undefined): LockTree {
  const doc = parseJson(text, { file }, 'npm lockfile');
  if (!isRecord(doc)) throw fieldError(file, '$', 'an npm lockfile must be a JSON object', 1);
  const version = doc.lockfileVersion;
  if (typeof version !== 'number' || !SUPPORTED_VERSIONS.includes(version)) {
    throw new InputError('UNSUPPORTED_VERSION', `npm lockfileVersion ${JSON.stringify(version)} is not supported (only 1, 2 and 3)`, {
      where: { file, field: 'lockfileVersion', ...lineOpt(jsonLineOf(text, 'lockfileVersion')) },
    });
  }
  // v2 carries both `packages` and the v1 `dependencies`; `packages` is the complete one.
  const entries = version === 1 ? npmV1Entries(doc, text, file, limits, manifest) : packagesEntries(doc, text, file, limits);
  return npmTree(file, entries, limits);
}

function packagesEntries(doc: Record<string, unknown>, text: string, file: string, limits: Limits): Map<string, NpmEntry> {
  const packages = doc.packages;
  if (!isRecord(packages)) throw fieldError(file, 'packages', 'packages must be an object', jsonLineOf(text, 'packages'));
  const keys = Object.keys(packages);
  if (keys.length > limits.maxPackages) {
    throw new InputError('LIMIT', `${keys.length} packages, over the limit of ${limits.maxPackages}`, { where: { file, field: 'packages' } });
  }
  const entries = new Map<string, NpmEntry>();
  for (const location of keys) {
    const raw = packages[location];
    const field = `packages[${JSON.stringify(location)}]`;
    const line = () => jsonLineOf(text, location);
    if (!isRecord(raw)) throw fieldError(file, field, `${field} must be an object`, line());
    entries.set(location, npmEntry(raw, file, field, line, location));
  }
  const links = new Map([...entries].flatMap(([k, e]) => (e.linkTo === undefined ? [] : [[k, e.linkTo] as [string, string]])));
  assertCanonicalLocations(keys, links, file, (k) => jsonLineOf(text, k));
  return entries;
}

function npmEntry(raw: Record<string, unknown>, file: string, field: string, line: () => number | undefined, location: string): NpmEntry {
  const str = (k: string) => optionalString(raw[k], file, `${field}.${k}`, line);
  const map = (k: string) => stringMap(raw[k], file, `${field}.${k}`, line);
  const e: NpmEntry = {
    dependencies: map('dependencies'),
    optionalDependencies: map('optionalDependencies'),
    devDependencies: map('devDependencies'),
    peerDependencies: map('peerDependencies'),
    optionalPeers: optionalPeers(raw.peerDependenciesMeta),
  };
  const name = str('name');
  const version = str('version');
  const integrity = str('integrity');
  const resolved = str('resolved');
  if (name !== undefined) e.name = name;
  if (version !== undefined) e.version = version;
  if (integrity !== undefined) e.integrity = integrity;
  if (resolved !== undefined) e.resolved = resolved;
  if (raw.link === true) {
    if (resolved === undefined) throw fieldError(file, `${field}.resolved`, `${field} is a link without a resolved target`, line());
    e.linkTo = resolved;
  } else if (location.startsWith('node_modules/') || location.includes('/node_modules/')) {
    if (version === undefined) throw fieldError(file, `${field}.version`, `${field} has no version`, line());
  }
  if (raw.dev === true) e.dev = true;
  if (raw.optional === true) e.optional = true;
  if (raw.devOptional === true) e.devOptional = true;
  if (raw.inBundle === true) e.inBundle = true;
  return e;
}

function optionalPeers(meta: unknown): Set<string> {
  const out = new Set<string>();
  if (!isRecord(meta)) return out;
  for (const [name, m] of Object.entries(meta)) if (isRecord(m) && m.optional === true) out.add(name);
  return out;
}

function lineOpt(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
