import { InputError } from '../errors.js';
import type { Limits } from './limits.js';
import type { Manifest } from './manifest.js';
import { isValidNpmName, parseNpmAlias } from './names.js';
import type { NpmEntry } from './npm.js';
import { fieldError, isRecord, jsonLineOf, optionalString, stringMap } from './positions.js';
import { originOf, withoutCredentials } from './source.js';

/**
 * Lockfile v1 (npm 5 and 6): a nested `dependencies` tree. Converted into install locations so that edges
 * resolve exactly as for v2/v3. v1 does not list the root's own dependencies, so they come from the
 * package.json beside the lockfile; without one, every top-level package counts as direct.
 */
export function npmV1Entries(doc: Record<string, unknown>, text: string, file: string, limits: Limits, manifest: Manifest | undefined): Map<string, NpmEntry> {
  const entries = new Map<string, NpmEntry>();
  const top = doc.dependencies ?? {};
  if (!isRecord(top)) throw fieldError(file, 'dependencies', 'dependencies must be an object', jsonLineOf(text, 'dependencies'));
  const root = emptyEntry();
  root.local = true;
  if (manifest) {
    root.dependencies = manifest.dependencies;
    root.devDependencies = manifest.devDependencies;
    root.optionalDependencies = manifest.optionalDependencies;
  } else {
    for (const name of Object.keys(top)) root.dependencies[name] = '*';
  }
  entries.set('', root);
  walk(top, '', 'dependencies', 1);
  return entries;

  function walk(deps: Record<string, unknown>, prefix: string, fieldPrefix: string, depth: number): void {
    if (depth > limits.maxDepth) {
      throw new InputError('LIMIT', `dependencies nest deeper than ${limits.maxDepth} levels`, { where: { file, field: fieldPrefix } });
    }
    for (const [name, raw] of Object.entries(deps)) {
      const field = `${fieldPrefix}.${name}`;
      const line = () => jsonLineOf(text, name);
      if (!isRecord(raw)) throw fieldError(file, field, `${field} must be an object`, line());
      // The key becomes an install location: `..` or a name with a slash would place it elsewhere.
      if (!isValidNpmName(name)) throw fieldError(file, field, `${JSON.stringify(name)} is not a valid npm package name`, line());
      if (entries.size >= limits.maxPackages) throw new InputError('LIMIT', `more than ${limits.maxPackages} packages`, { where: { file } });
      const location = prefix ? `${prefix}/node_modules/${name}` : `node_modules/${name}`;
      const version = optionalString(raw.version, file, `${field}.version`, line);
      if (version === undefined) throw fieldError(file, `${field}.version`, `${field} has no version`, line());
      const e = emptyEntry();
      e.dependencies = stringMap(raw.requires, file, `${field}.requires`, line);
      const alias = parseNpmAlias(version);
      // v1 records a git, tarball or folder dependency's spec in `version` (`git+ssh://...#sha`, `file:lib`).
      const origin = alias ? 'registry' : originOf(version, name);
      if (alias) {
        e.name = alias.name;
        e.version = alias.range;
      } else if (origin === 'local') {
        // A workspace or a local folder: first-party code; its own dependencies stay nested below it.
        e.local = true;
        e.name = name;
        e.version = version;
      } else {
        // For git and tarball dependencies this is a location, which can carry a token (`git+https://<token>@...`).
        e.version = origin === 'registry' ? version : withoutCredentials(version);
      }
      const integrity = optionalString(raw.integrity, file, `${field}.integrity`, line);
      const resolved = optionalString(raw.resolved, file, `${field}.resolved`, line);
      if (integrity !== undefined) e.integrity = integrity;
      if (resolved !== undefined) e.resolved = resolved;
      else if (origin !== 'registry' && origin !== 'local') e.resolved = version;
      if (raw.dev === true) e.dev = true;
      if (raw.optional === true) e.optional = true;
      if (raw.bundled === true) e.inBundle = true;
      entries.set(location, e);
      if (raw.dependencies !== undefined) {
        if (!isRecord(raw.dependencies)) throw fieldError(file, `${field}.dependencies`, `${field}.dependencies must be an object`, line());
        walk(raw.dependencies, location, `${field}.dependencies`, depth + 1);
      }
    }
  }
}

function emptyEntry(): NpmEntry {
  return { dependencies: {}, optionalDependencies: {}, devDependencies: {}, peerDependencies: {}, optionalPeers: new Set() };
}
