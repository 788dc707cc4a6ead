/**
 * The resolved dependency graph: what every input (npm, pnpm and yarn lockfiles, CycloneDX SBOMs) is parsed
 * into, and what the policy engine evaluates. Independent of where the data came from.
 */

export type Ecosystem = 'npm';

export interface ResolvedPackage {
  ecosystem: Ecosystem;
  /** The real package name, e.g. `@scope/name`; for an npm alias (`"x": "npm:y@1"`) this is `y`. */
  name: string;
  version: string;
  /** Subresource integrity (`sha512-...`) as the lockfile records it. */
  integrity?: string;
  /** Where the lockfile says the tarball comes from. */
  resolved?: string;
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

export function purl(pkg: Pick<ResolvedPackage, 'ecosystem' | 'name' | 'version'>): string {
  // purl spec: the npm scope is the namespace, and `@` is percent-encoded.
  const name = pkg.name.startsWith('@') ? `%40${pkg.name.slice(1)}` : pkg.name;
  return `pkg:${pkg.ecosystem}/${name}@${encodeURIComponent(pkg.version)}`;
}
