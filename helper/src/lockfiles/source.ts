import type { ResolvedPackage, SourceKind } from '../deps/model.js';

/**
 * Where a dependency comes from, read from what a lockfile records: a dependency spec (`git+ssh://...`,
 * `github:user/repo`, `https://host/x.tgz`, `file:./lib`, `link:../x`, `npm:1.0.0`, `^1.2.3`) or a resolved
 * location (`https://registry.npmjs.org/a/-/a-1.0.0.tgz`, `git+ssh://git@github.com/u/r.git#<sha>`). The rules
 * follow npm-package-arg (npm) and yarn's protocol prefixes (berry); `local` is a folder on disk (first-party
 * code, a root of the graph rather than a package).
 */
export type Origin = SourceKind | 'local';

/** Hosted-git shorthands npm and yarn accept, and git's own URL schemes. */
const GIT_PREFIX = /^(?:git\+[a-z]+:|git:|github:|gitlab:|bitbucket:|gist:)/i;
/** An http(s) URL that names a git repository rather than a tarball. */
const GIT_HTTP = /^https?:\/\/[^#]+\.git(?:#|$)|#commit=|^https?:\/\/codeload\.github\.com\//i;
/** GitHub's bare `user/repo` shorthand (npm and yarn classic), optionally with `#ref`. */
const GITHUB_SHORTHAND = /^[a-z0-9][\w.-]*\/[\w.-]+(?:#.*)?$/i;
const TARBALL_FILE = /\.(?:tgz|tar\.gz|tar)$/i;
const LOCAL_PROTOCOLS = /^(?:link:|portal:|workspace:)/i;

/**
 * The origin of a spec or resolved location. Anything that is not git, a URL or a path is a registry version
 * (a semver version or range, a dist-tag, `npm:` with or without an alias).
 */
export function originOf(spec: string | undefined, name?: string): Origin {
  if (spec === undefined || spec === '') return 'registry';
  const s = spec.trim();
  if (/^npm:/i.test(s)) return 'registry';
  if (GIT_PREFIX.test(s) || GIT_HTTP.test(s)) return 'git';
  if (/^https?:\/\//i.test(s)) return isRegistryTarballUrl(s, name) ? 'registry' : 'url';
  if (LOCAL_PROTOCOLS.test(s)) return 'local';
  if (/^file:/i.test(s) || s.startsWith('./') || s.startsWith('../') || s.startsWith('/') || s.startsWith('~/')) {
    return TARBALL_FILE.test(pathPart(s)) ? 'file' : 'local';
  }
  if (GITHUB_SHORTHAND.test(s) && !s.startsWith('@')) return 'git';
  return 'registry';
}

/** `file:./x.tgz#./x.tgz::hash=..&locator=..` (yarn berry) -> `file:./x.tgz`. */
function pathPart(spec: string): string {
  return spec.split('::', 1)[0]!.split('#', 1)[0]!;
}

/**
 * A registry tarball URL has the registry API's shape: `.../<name>/-/<bare name>-<version>.tgz`, with the
 * scope's slash as `/` or `%2f`. Any other http(s) URL is a tarball from elsewhere. When the name is known,
 * the path must name that package.
 */
export function isRegistryTarballUrl(url: string, name?: string): boolean {
  let path: string;
  try {
    const u = new URL(url);
    path = decodeURIComponent(u.pathname);
  } catch {
    return false;
  }
  const m = /\/((?:@[^/]+\/)?[^/]+)\/-\/(?:@[^/]+\/)?([^/]+)\.tgz$/.exec(path);
  if (!m) return false;
  const [, pkg, file] = m as unknown as [string, string, string];
  const bare = pkg.includes('/') ? pkg.slice(pkg.indexOf('/') + 1) : pkg;
  if (!file.startsWith(`${bare}-`)) return false;
  return name === undefined || name === pkg;
}

/**
 * Whether a URL lies under one of `bases` (registry or index base URLs): the same origin, and a path below the
 * base's path taken as a folder (`/simple` as `/simple/`). A base URL that does not parse matches nothing.
 */
export function underBases(bases: readonly string[]): (u: URL) => boolean {
  const folder = (path: string): string => (path.endsWith('/') ? path : `${path}/`);
  const parsed = bases.flatMap((r) => {
    try {
      const u = new URL(r);
      return [{ origin: u.origin, path: folder(u.pathname) }];
    } catch {
      return [];
    }
  });
  return (u) => parsed.some((b) => u.origin === b.origin && folder(u.pathname).startsWith(b.path));
}

/**
 * A location as it may be shown and written in reports: without a password, and without a user
 * name other than ssh's conventional `git` (lockfiles carry `git+https://<token>@github.com/...` in the wild).
 */
export function withoutCredentials(location: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i.exec(location);
  if (!m) return location;
  return m[2] === 'git' ? location : `${m[1]}${location.slice(m[0].length)}`;
}

/** Public registries a lockfile may name whatever the configuration says (yarn classic writes registry.yarnpkg.com). */
export const PUBLIC_REGISTRIES = ['https://registry.npmjs.org/', 'https://registry.yarnpkg.com/'];

/**
 * A registry-shaped tarball URL on a host that is not one of the project's registries is a tarball from
 * elsewhere: npm ci and yarn fetch what the lockfile says, so a lockfile pointing `ms@2.1.3` at another host
 * installs that host's bytes. Such a package becomes `url` (judged without registry facts), never the registry
 * package whose name it borrows. `registries` are base URLs (the configured registry and scope registries).
 */
export function pinRegistryOrigins(packages: ResolvedPackage[], registries: readonly string[]): void {
  const fromRegistry = underBases([...registries, ...PUBLIC_REGISTRIES]);
  for (const p of packages) {
    if (p.source !== 'registry' || !p.resolved || !/^https?:\/\//i.test(p.resolved)) continue;
    let u: URL;
    try {
      u = new URL(p.resolved);
    } catch {
      continue;
    }
    if (fromRegistry(u)) continue;
    p.source = 'url';
    p.resolved = withoutCredentials(p.resolved);
  }
}
