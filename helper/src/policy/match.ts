import semver from 'semver';
import type { MatchSpec, PackageRef } from './types.js';

/** A package pattern compiled once per policy: a predicate over (name, version). */
export type PackagePredicate = (pkg: PackageRef) => boolean;

const PURL_PREFIX = 'pkg:';

/** Why a pattern cannot be used; the loader turns it into an error with the file position. */
export class PatternError extends Error {}

/** `*` matches any run of characters, `?` one; everything else is literal, anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * A version predicate for a semver range (npm's range grammar, prereleases included), as policy-file waivers and
 * rules use it; absent, '' or '*' match every version. PatternError when the range does not parse.
 */
export function rangePredicate(range: string | undefined): (version: string) => boolean {
  if (range === undefined || range === '*' || range === '') return () => true;
  const valid = semver.validRange(range);
  if (valid === null) throw new PatternError(`'${range}' is not a semver range`);
  const r = new semver.Range(range, { includePrerelease: true });
  return (v) => r.test(v);
}

function scopeOf(name: string): string | undefined {
  return name.startsWith('@') ? name.slice(1, name.indexOf('/')) : undefined;
}

/** Splits `pkg:npm/@scope/name@range` (or with `%40scope`) into name glob and range. */
export function parsePurlPattern(pattern: string): { ecosystem: string; name: string; range?: string } {
  const rest = pattern.slice(PURL_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new PatternError(`'${pattern}' is not a purl pattern (pkg:npm/name@range)`);
  const ecosystem = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  try {
    path = decodeURIComponent(path);
  } catch (e) {
    throw new PatternError(`'${pattern}' has a bad percent-encoding`, { cause: e });
  }
  const at = path.indexOf('@', path.lastIndexOf('/') + 1);
  const name = at > 0 ? path.slice(0, at) : path;
  const range = at > 0 ? path.slice(at + 1) : undefined;
  if (!name) throw new PatternError(`'${pattern}' names no package`);
  return range === undefined ? { ecosystem, name } : { ecosystem, name, range };
}

/** Compiles one pattern; throws PatternError for a bad purl or a bad semver range. */
export function compileMatchSpec(spec: MatchSpec): PackagePredicate {
  if (typeof spec === 'string') {
    if (spec.startsWith(PURL_PREFIX)) {
      const { ecosystem, name, range } = parsePurlPattern(spec);
      if (ecosystem !== 'npm') throw new PatternError(`ecosystem '${ecosystem}' is not supported (only npm)`);
      const re = globToRegExp(name);
      const inRange = rangePredicate(range);
      return (pkg) => pkg.ecosystem === 'npm' && re.test(pkg.name) && inRange(pkg.version);
    }
    const re = globToRegExp(spec);
    return (pkg) => re.test(pkg.name);
  }
  const nameRe = spec.name === undefined ? undefined : globToRegExp(spec.name);
  const scope = spec.scope?.replace(/^@/, '');
  const inRange = rangePredicate(spec.version);
  return (pkg) =>
    (spec.ecosystem === undefined || spec.ecosystem === pkg.ecosystem) &&
    (scope === undefined || scopeOf(pkg.name) === scope) &&
    (nameRe === undefined || nameRe.test(pkg.name)) &&
    inRange(pkg.version);
}

/** Compiles a rule's `match`: absent matches everything, a list matches when any entry does. */
export function compileMatch(match: MatchSpec | MatchSpec[] | undefined): PackagePredicate {
  if (match === undefined) return () => true;
  const list = Array.isArray(match) ? match.map(compileMatchSpec) : [compileMatchSpec(match)];
  return list.length === 1 ? list[0]! : (pkg) => list.some((p) => p(pkg));
}

/** Compiles a waiver's package pattern plus its optional version range. */
export function compileWaiverMatch(pkgPattern: string, range: string | undefined): PackagePredicate {
  const base = compileMatchSpec(pkgPattern);
  const inRange = rangePredicate(range);
  return (pkg) => base(pkg) && inRange(pkg.version);
}
