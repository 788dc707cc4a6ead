/** Name and path handling shared by the parsers: node_modules paths, `name@version` keys, npm aliases. */

const NODE_MODULES = 'node_modules/';

/** `a/node_modules/@s/b/node_modules/c` -> `c`; undefined for a path that is not inside node_modules. */
export function nameFromNodeModulesPath(location: string): string | undefined {
  const at = location.lastIndexOf(NODE_MODULES);
  if (at !== 0 && (at < 0 || location[at - 1] !== '/')) return undefined;
  const rest = location.slice(at + NODE_MODULES.length);
  const parts = rest.split('/');
  if (parts[0]?.startsWith('@')) return parts.length === 2 && parts[1] ? rest : undefined;
  return parts.length === 1 && parts[0] ? rest : undefined;
}

/**
 * Where Node looks for `name` when required from `location`: its own node_modules, then each ancestor
 * folder's, up to the root. This is npm's placement rule, used to resolve v1/v2/v3 lockfile edges.
 */
export function* lookupLocations(location: string, name: string): Generator<string> {
  let dir = location;
  for (;;) {
    // A folder named node_modules holds packages, never a node_modules of its own.
    if (dir !== 'node_modules' && !dir.endsWith('/node_modules')) yield dir ? `${dir}/${NODE_MODULES}${name}` : `${NODE_MODULES}${name}`;
    if (!dir) return;
    const slash = dir.lastIndexOf('/');
    dir = slash < 0 ? '' : dir.slice(0, slash);
  }
}

/** `@scope/name@1.2.3` -> { name: '@scope/name', version: '1.2.3' }; the last `@` after the first character splits. */
export function splitNameVersion(spec: string): { name: string; version: string } | undefined {
  const at = spec.indexOf('@', 1);
  if (at <= 0) return undefined;
  const name = spec.slice(0, at);
  const version = spec.slice(at + 1);
  if (!version || !isPackageName(name)) return undefined;
  return { name, version };
}

/** `npm:real@^1` -> { name: 'real', range: '^1' }; undefined for any other spec. */
export function parseNpmAlias(spec: string): { name: string; range: string } | undefined {
  if (!spec.startsWith('npm:')) return undefined;
  const rest = spec.slice('npm:'.length);
  const at = rest.indexOf('@', 1);
  if (at < 0) return isPackageName(rest) ? { name: rest, range: '*' } : undefined;
  const name = rest.slice(0, at);
  return isPackageName(name) ? { name, range: rest.slice(at + 1) } : undefined;
}

/** pnpm peer suffixes: `18.2.0(react@18.2.0)(x@1)` -> `18.2.0`. */
export function stripPeerSuffix(version: string): string {
  const paren = version.indexOf('(');
  return paren < 0 ? version : version.slice(0, paren);
}

/** npm's rules for a package name, loosely: optional `@scope/`, then no slash, no whitespace, not empty. */
export function isPackageName(name: string): boolean {
  return /^(?:@[^/@\s]+\/)?[^/@\s][^/\s]*$/.test(name) && name.length <= 214;
}

/**
 * validate-npm-package-name's rules for a name that may exist on the registry (legacy names included, so
 * capitals are allowed): an optional `@scope/`, URL-safe characters only (`encodeURIComponent` leaves it as it
 * is), not starting with `.` or `_`, at most 214 characters. No control character, space or path segment passes.
 */
export function isValidNpmName(name: string): boolean {
  if (name.length === 0 || name.length > 214) return false;
  const m = /^(?:@([^/]+)\/)?([^/]+)$/.exec(name);
  if (!m) return false;
  const [, scope, bare] = m as unknown as [string, string | undefined, string];
  const safe = (s: string) => encodeURIComponent(s) === s && !s.startsWith('.') && !s.startsWith('_');
  return safe(bare) && (scope === undefined || safe(scope)) && bare !== 'node_modules';
}
