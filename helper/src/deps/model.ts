/**
 * The resolved dependency graph: what every input (npm, pnpm and yarn lockfiles, CycloneDX SBOMs) is parsed
 * into, and what the policy engine evaluates. Independent of where the data came from.
 */

export type Ecosystem = 'npm' | 'pypi';

/**
 * Where a package's code comes from, as the lockfile records it (npm-package-arg's spec types, named from the
 * user's side): `registry` (a version from a package registry), `git` (a repository at a commit), `url` (a
 * remote tarball; npm calls it `remote`), `file` (a tarball on disk). Local folders (`file:` folders, `link:`,
 * `portal:`, workspaces) are first-party code and roots of the graph, not packages.
 */
export const SOURCE_KINDS = ['registry', 'git', 'url', 'file'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface ResolvedPackage {
  ecosystem: Ecosystem;
  /** The real package name, e.g. `@scope/name`; for an npm alias (`"x": "npm:y@1"`) this is `y`. */
  name: string;
  version: string;
  /** Subresource integrity (`sha512-...`) as the lockfile records it. */
  integrity?: string;
  /** Where the lockfile says the tarball comes from (a registry URL, a git URL with its commit, a tarball URL or path). */
  resolved?: string;
  /** Where the code comes from; only `registry` packages get registry facts or meet the registry's malicious feed. */
  source: SourceKind;
  /** A dependency the root project (or a workspace) declares itself. */
  direct: boolean;
  /** Only reachable through devDependencies. */
  dev: boolean;
  optional?: boolean;
  /** The name the project uses for it, when it differs from `name` (npm alias). */
  alias?: string;
  /** One shortest path from the root: names of the packages from a direct dependency down to this one. */
  path: string[];
  /** The input file(s) it was read from. */
  sources: string[];
  /** Shipped inside another package's tarball (npm `inBundle`): never fetched from a registry on its own. */
  bundled?: boolean;
  /** Listed by the input but not reachable from the root project or any workspace; `path` is then `[name]`. */
  extraneous?: boolean;
}

export interface DependencyGraph {
  /** The input files, in the order given. */
  sources: string[];
  /** One entry per name@version, sorted by name then version. */
  packages: ResolvedPackage[];
  /**
   * What the reader could not establish and how it decided, e.g. no package.json beside a yarn.lock (so dev and
   * prod cannot be told apart and every package counts as prod). Empty when nothing was guessed.
   */
  warnings?: string[];
}

/** The purl qualifier that says where a non-registry package comes from (purl spec, "Known qualifiers"). */
const SOURCE_QUALIFIER: Record<Exclude<SourceKind, 'registry'>, string> = { git: 'vcs_url', url: 'download_url', file: 'download_url' };

/**
 * The package's purl. A non-registry package carries where it comes from as a `vcs_url` (git) or `download_url`
 * (tarball) qualifier, so it never reads as the registry package of the same name and version.
 */
export function purl(pkg: Pick<ResolvedPackage, 'ecosystem' | 'name' | 'version'> & Partial<Pick<ResolvedPackage, 'source' | 'resolved'>>): string {
  // purl spec: the npm scope is the namespace, and `@` is percent-encoded.
  const name = pkg.name.startsWith('@') ? `%40${pkg.name.slice(1)}` : pkg.name;
  const base = `pkg:${pkg.ecosystem}/${name}@${encodeURIComponent(pkg.version)}`;
  if (!pkg.source || pkg.source === 'registry' || !pkg.resolved) return base;
  return `${base}?${SOURCE_QUALIFIER[pkg.source]}=${encodeURIComponent(pkg.resolved)}`;
}

/** One key per distinct package: name@version, and for a non-registry package also where it comes from. */
export function packageKey(pkg: Pick<ResolvedPackage, 'name' | 'version' | 'source' | 'resolved'>): string {
  return pkg.source === 'registry' ? `${pkg.name}@${pkg.version}` : `${pkg.name}@${pkg.version}#${pkg.source}:${pkg.resolved ?? ''}`;
}
