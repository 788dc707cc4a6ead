/**
 * The resolved dependency graph: what every input (npm, pnpm and yarn lockfiles; requirements.txt, pylock.toml,
 * uv.lock, poetry.lock and Pipfile.lock; CycloneDX SBOMs) is parsed into, and what the policy engine evaluates.
 * Independent of where the data came from and, outside the ecosystem adapters (ecosystems/), of the ecosystem.
 */
import { ecosystemOf, type Ecosystem } from '../ecosystems/index.js';

export type { Ecosystem } from '../ecosystems/index.js';

/**
 * Where a package's code comes from, as the lockfile records it (npm-package-arg's spec types, named from the
 * user's side): `registry` (a version from a package registry / package index), `git` (a repository at a commit;
 * PyPI: a VCS URL, `git+https://...@rev`), `url` (a remote archive; npm calls it `remote`, PEP 440 a direct URL),
 * `file` (an archive on disk: a tarball, wheel or sdist). Local folders (`file:` folders, `link:`, `portal:`,
 * workspaces; PyPI: a project directory, editable or not) are first-party code and roots of the graph, not packages.
 */
export const SOURCE_KINDS = ['registry', 'git', 'url', 'file'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface ResolvedPackage {
  ecosystem: Ecosystem;
  /**
   * The real package name in its ecosystem's normal form (ecosystems/: npm as published, e.g. `@scope/name`, and
   * for an npm alias (`"x": "npm:y@1"`) this is `y`; PyPI PEP 503-normalised, e.g. `zope-interface`).
   */
  name: string;
  /** As the input records it; compared with the ecosystem's versioning (semver, PEP 440). '' when the input pins none (a VCS or URL requirement). */
  version: string;
  /** Subresource integrity (`sha512-...`) as the lockfile records it (npm: one tarball per version). */
  integrity?: string;
  /**
   * Hashes of the distribution files the lockfile allows for this version, as pip's `--hash` spells them
   * (`sha256:<hex>`), sorted and unique: PyPI releases have several files (wheels per platform, an sdist).
   */
  hashes?: string[];
  /** PEP 508 environment marker the input attaches (`python_version < "3.11"`), kept as written; absent: always installed. */
  markers?: string;
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
  /**
   * Requirements an input names without pinning a version (`requests>=2` in a requirements.txt, an unversioned
   * pypi component): what gets installed is decided at install time, so they are not checked, and listed here.
   */
  unpinned?: { ecosystem: Ecosystem; name: string; requirement: string; file: string; line?: number }[];
  /**
   * Dependencies declared (by the project or a locked package) that the lockfile does not lock, as
   * `name (needed by where)`: an install would resolve them unchecked (npm install) or refuse (npm ci).
   */
  missing?: { file: string; dependency: string }[];
}

/** The purl qualifier that says where a non-registry package comes from (purl spec, "Known qualifiers"). */
const SOURCE_QUALIFIER: Record<Exclude<SourceKind, 'registry'>, string> = { git: 'vcs_url', url: 'download_url', file: 'download_url' };

/**
 * The package's purl. A non-registry package carries where it comes from as a `vcs_url` (git) or `download_url`
 * (tarball) qualifier, so it never reads as the registry package of the same name and version.
 */
export function purl(pkg: Pick<ResolvedPackage, 'ecosystem' | 'name' | 'version'> & Partial<Pick<ResolvedPackage, 'source' | 'resolved'>>): string {
  // purl spec, per type: npm's scope is the namespace with `@` percent-encoded; pypi's name is normalised.
  const path = ecosystemOf(pkg.ecosystem).purlPath(pkg.name);
  const base = pkg.version ? `pkg:${pkg.ecosystem}/${path}@${encodeURIComponent(pkg.version)}` : `pkg:${pkg.ecosystem}/${path}`;
  if (!pkg.source || pkg.source === 'registry' || !pkg.resolved) return base;
  return `${base}?${SOURCE_QUALIFIER[pkg.source]}=${encodeURIComponent(pkg.resolved)}`;
}

/**
 * One key per distinct package: name@version, and for a non-registry package also where it comes from; a package
 * of another ecosystem than npm is prefixed with it (`pypi:requests@2.32.3`), so `six` on npm and on PyPI stay two.
 */
export function packageKey(pkg: Pick<ResolvedPackage, 'name' | 'version' | 'source' | 'resolved'> & { ecosystem?: Ecosystem }): string {
  const eco = pkg.ecosystem && pkg.ecosystem !== 'npm' ? `${pkg.ecosystem}:` : '';
  return pkg.source === 'registry' ? `${eco}${pkg.name}@${pkg.version}` : `${eco}${pkg.name}@${pkg.version}#${pkg.source}:${pkg.resolved ?? ''}`;
}
