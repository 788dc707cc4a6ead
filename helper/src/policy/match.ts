import { ECOSYSTEMS, ecosystemOf, isEcosystem, type Ecosystem } from '../ecosystems/index.js';
import type { MatchSpec, PackageRef } from './types.js';

/** A package pattern compiled once per policy: a predicate over (ecosystem, name, version). */
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
 * A version predicate for a range in one ecosystem's grammar (npm: semver ranges; PyPI: PEP 440 specifiers such
 * as `>=1.0,<2` or a bare version), prereleases included, as policy-file rules and waivers use it; absent, '' or
 * '*' match every version. PatternError when the range does not parse in that ecosystem.
 */
export function rangePredicate(range: string | undefined, ecosystem: Ecosystem = 'npm'): (version: string) => boolean {
  if (isAny(range)) return () => true;
  const versioning = ecosystemOf(ecosystem).versioning;
  const test = versioning.range(range!);
  if (!test) throw new PatternError(`'${range}' is not ${versioning.rangeWords}`);
  return test;
}

function isAny(range: string | undefined): boolean {
  return range === undefined || range === '*' || range === '';
}

/**
 * A version predicate for a pattern that names no ecosystem (a bare name glob, a field form without `ecosystem`):
 * the range is read in each ecosystem's grammar and applies to that ecosystem's packages where it parses
 * (`>=2` reads in both; `^1.2` only as semver, so it never matches a PyPI version). PatternError when it parses in none.
 */
function anyEcosystemRange(range: string | undefined): (pkg: PackageRef) => boolean {
  if (isAny(range)) return () => true;
  const by = new Map<Ecosystem, (v: string) => boolean>();
  for (const e of ECOSYSTEMS) {
    const test = ecosystemOf(e).versioning.range(range!);
    if (test) by.set(e, test);
  }
  if (by.size === 0) throw new PatternError(`'${range}' is neither ${ECOSYSTEMS.map((e) => ecosystemOf(e).versioning.rangeWords).join(' nor ')}`);
  return (pkg) => by.get(pkg.ecosystem)?.(pkg.version) ?? false;
}

/** A name glob as it applies to one ecosystem: PyPI's is PEP 503-normalised like the names it is tested on. */
function nameMatcher(glob: string, ecosystem: Ecosystem): (name: string) => boolean {
  const adapter = ecosystemOf(ecosystem);
  // `*` and `?` are not name characters in any ecosystem, so normalising the glob leaves them in place.
  const re = globToRegExp(adapter.normalizeName(glob));
  return (name) => re.test(adapter.normalizeName(name));
}

/** A name glob over every ecosystem, each with its own normalisation. */
function anyEcosystemName(glob: string): (pkg: PackageRef) => boolean {
  const by = new Map(ECOSYSTEMS.map((e) => [e, nameMatcher(glob, e)] as const));
  return (pkg) => by.get(pkg.ecosystem)?.(pkg.name) ?? false;
}

/** Splits `pkg:npm/@scope/name@range` (or with `%40scope`), `pkg:pypi/name@>=1,<2` into name glob and range. */
export function parsePurlPattern(pattern: string): { ecosystem: string; name: string; range?: string } {
  const rest = pattern.slice(PURL_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new PatternError(`'${pattern}' is not a purl pattern (pkg:npm/name@range, pkg:pypi/name@specifier)`);
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

/**
 * Compiles one pattern; throws PatternError for a bad purl, an ecosystem sscs does not read, or a range that is
 * not one in the ecosystem's grammar. A purl pattern applies to its ecosystem only; a bare glob to every one.
 */
export function compileMatchSpec(spec: MatchSpec): PackagePredicate {
  if (typeof spec === 'string') {
    if (spec.startsWith(PURL_PREFIX)) {
      const { ecosystem, name, range } = parsePurlPattern(spec);
      if (!isEcosystem(ecosystem)) throw new PatternError(`ecosystem '${ecosystem}' is not supported (only ${ECOSYSTEMS.join(', ')})`);
      const nameOk = nameMatcher(name, ecosystem);
      const inRange = rangePredicate(range, ecosystem);
      return (pkg) => pkg.ecosystem === ecosystem && nameOk(pkg.name) && inRange(pkg.version);
    }
    return anyEcosystemName(spec);
  }
  const eco = spec.ecosystem;
  if (eco !== undefined && !isEcosystem(eco)) throw new PatternError(`ecosystem '${eco as string}' is not supported (only ${ECOSYSTEMS.join(', ')})`);
  const nameOk = spec.name === undefined ? undefined : eco ? ((n) => (pkg: PackageRef) => n(pkg.name))(nameMatcher(spec.name, eco)) : anyEcosystemName(spec.name);
  const scope = spec.scope?.replace(/^@/, '');
  const inRange = eco ? ((r) => (pkg: PackageRef) => r(pkg.version))(rangePredicate(spec.version, eco)) : anyEcosystemRange(spec.version);
  return (pkg) =>
    (eco === undefined || eco === pkg.ecosystem) &&
    (scope === undefined || ecosystemOf(pkg.ecosystem).scopeOf(pkg.name) === scope) &&
    (nameOk === undefined || nameOk(pkg)) &&
    inRange(pkg);
}

/** Compiles a rule's `match`: absent matches everything, a list matches when any entry does. */
export function compileMatch(match: MatchSpec | MatchSpec[] | undefined): PackagePredicate {
  if (match === undefined) return () => true;
  const list = Array.isArray(match) ? match.map(compileMatchSpec) : [compileMatchSpec(match)];
  return list.length === 1 ? list[0]! : (pkg) => list.some((p) => p(pkg));
}

/**
 * Compiles a waiver's package pattern plus its optional version range, read in the pattern's ecosystem's
 * grammar (a bare glob: in each ecosystem's, see anyEcosystemRange).
 */
export function compileWaiverMatch(pkgPattern: string, range: string | undefined): PackagePredicate {
  const base = compileMatchSpec(pkgPattern);
  const eco = pkgPattern.startsWith(PURL_PREFIX) ? parsePurlPattern(pkgPattern).ecosystem : undefined;
  if (eco !== undefined && isEcosystem(eco)) {
    const inRange = rangePredicate(range, eco);
    return (pkg) => base(pkg) && inRange(pkg.version);
  }
  const inRange = anyEcosystemRange(range);
  return (pkg) => base(pkg) && inRange(pkg);
}
