import type { Versioning } from './versioning.js';

/**
 * The package ecosystems sscs reads, checks and proxies, by their purl type. Adding one (Maven next) means adding
 * its id here; the compiler then lists every `Record<Ecosystem, ...>` table that needs an entry (the adapters in
 * ./index.ts, the popular-name lists in feeds/typosquat.ts, the report names in policy/reports/gitlab.ts).
 */
export const ECOSYSTEMS = ['npm', 'pypi'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** A purl split into its parts, decoded (see deps/purl.ts); `rawNamespace` keeps the segments as written. */
export interface PurlParts {
  namespace?: string;
  name: string;
  version?: string;
  rawNamespace: string[];
}

/**
 * What sscs knows about one ecosystem's identities: how its names compare, how they appear in a purl, which
 * OSV ecosystem its feed records name, and how its versions order and match. Domain code that needs any of
 * these asks the adapter (`ecosystemOf(pkg.ecosystem)`) instead of switching on the ecosystem's name. Registry
 * facts, the proxy protocol and the scanner are per-ecosystem too, registered in their own areas.
 */
export interface EcosystemAdapter {
  readonly id: Ecosystem;
  /** The ecosystem's own name, for messages: `npm`, `PyPI`. */
  readonly label: string;
  /** The OSV `affected[].package.ecosystem` value (OSV schema, "Defined ecosystems"): `npm`, `PyPI`. */
  readonly osvEcosystem: string;
  readonly versioning: Versioning;
  /**
   * The form names are compared, merged and keyed in: npm's names are case-sensitive and kept as they are;
   * PyPI's are PEP 503-normalised (lower case, runs of `-`, `_`, `.` as one `-`).
   */
  normalizeName(name: string): string;
  /** Whether `name` is a name the registry could have published (checked before a name is trusted from input). */
  isName(name: string): boolean;
  /** The purl's namespace and name path for a package name, percent-encoded (`%40scope/name`, `requests`). */
  purlPath(name: string): string;
  /** The package name a purl of this type stands for; throws PurlError when it is not one this ecosystem could have. */
  nameOfPurl(p: PurlParts): string;
  /** The npm-style scope of a name (`@scope/x` -> `scope`), for a rule's `scope` field; undefined where there are none. */
  scopeOf(name: string): string | undefined;
  /** The VCS locations its installer fetches from (checked by lockfiles/vcs-url.ts). */
  readonly vcs: VcsForms;
}

/** VCS location forms an installer takes, beside git's own URLs (`git://`, `ssh://`, `http(s)://`, `user@host:path`). */
export interface VcsForms {
  /** `<vcs>+<transport>:` schemes, by VCS: `{ git: ['https', 'ssh', ...] }`. */
  readonly transports: Readonly<Record<string, readonly string[]>>;
  /** Hosted-repository shorthand schemes (`github:user/repo`). */
  readonly shorthands: readonly string[];
}
