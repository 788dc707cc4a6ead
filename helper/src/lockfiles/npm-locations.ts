import { posix } from 'node:path';
import { fieldError } from './positions.js';

/**
 * The keys of a v2/v3 lockfile's `packages` are install locations. npm (arborist's load-virtual.js) places each
 * entry at `resolve(root, key)`, so `node_modules/x/node_modules/../../ms`, `node_modules/ms/`,
 * `node_modules//ms` and `node_modules/./ms` all install ms at `node_modules/ms`, and on Windows a backslash is a
 * separator too. npm itself only ever writes the canonical spelling (`relpath(root, path)`, forward slashes), so
 * any other spelling is a hand-edited lockfile: it is refused rather than guessed, since a reader that guessed
 * differently from npm would check a tree other than the one npm installs.
 */

/** Why a key is not a canonical install location, or undefined when it is one. `''` is the root. */
export function nonCanonicalLocation(key: string): string | undefined {
  if (key === '') return undefined;
  if (key.includes('\\')) return 'holds a backslash, a path separator for npm on Windows';
  if (key.startsWith('/') || /^[a-z]:/i.test(key)) return 'is an absolute path, not a location inside the project';
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'holds a control character';
  const normal = posix.normalize(key).replace(/(?<!\/)\/+$/, '');
  if (normal === '.' || normal === '') return 'resolves to the project root itself';
  if (normal !== key) return `is not spelled as npm writes install locations (npm reads it as ${JSON.stringify(normal)})`;
  return undefined;
}

const outside = (location: string) => location === '..' || location.startsWith('../');

/**
 * Throws InputError (SCHEMA) naming the first key npm would read differently from its spelling, and the first
 * key outside the project folder that is neither a link's target nor inside one: npm writes `../lib` for a
 * `file:../lib` link and `../lib/node_modules/x` for what it installs there, and nothing else outside.
 * `links` maps a link's key to its `resolved` target.
 */
export function assertCanonicalLocations(keys: readonly string[], links: ReadonlyMap<string, string>, file: string, lineOf: (key: string) => number | undefined): void {
  const where = (key: string) => `packages[${JSON.stringify(key)}]`;
  for (const key of keys) {
    const why = nonCanonicalLocation(key);
    if (why !== undefined) throw fieldError(file, where(key), `${where(key)}: the key ${why}; regenerate the lockfile with npm install`, lineOf(key));
  }
  for (const [key, target] of links) {
    const why = nonCanonicalLocation(target);
    if (why !== undefined) throw fieldError(file, `${where(key)}.resolved`, `${where(key)}.resolved: the link target ${JSON.stringify(target)} ${why}`, lineOf(key));
  }
  const targets = [...links.values()].filter(outside);
  for (const key of keys) {
    if (!outside(key)) continue;
    if (!targets.some((t) => key === t || key.startsWith(`${t}/`))) {
      throw fieldError(file, where(key), `${where(key)}: the key lies outside the project folder and no link points there`, lineOf(key));
    }
  }
}
