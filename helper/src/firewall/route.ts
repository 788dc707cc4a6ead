/**
 * Turns a raw request target into a typed route, or refuses it. This is the SSRF boundary: nothing from the
 * request target is ever concatenated into an upstream URL; upstream paths are built from a validated
 * package name (packuments) or taken from the upstream's own packument (tarballs).
 */

import { PYPI, pep503 as normalizePypiName } from '../ecosystems/pypi.js';
const isValidPypiName = PYPI.isName;

export type Route =
  | { kind: 'packument'; name: string }
  | { kind: 'tarball'; name: string; path: string }
  | { kind: 'pypi-project'; name: string }
  | { kind: 'pypi-file'; name: string; filename: string }
  | { kind: 'pypi-metadata'; name: string; filename: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'ping' }
  | { kind: 'health' }
  | { kind: 'ready' }
  | { kind: 'metrics' }
  | { kind: 'search'; query: string }
  | { kind: 'advisories'; path: string }
  | { kind: 'admin'; path: string; query: string }
  | { kind: 'refused'; status: number; reason: string };

/** npm's own limit on a package name's length. */
export const MAX_NAME_LENGTH = 214;
/** Longest request target we look at; real npm paths are far shorter. */
export const MAX_TARGET_LENGTH = 2048;

const SEGMENT = /^[a-z0-9~-][a-z0-9._~-]*$/i;
/** `name-1.0.0.tgz`, or GitLab's `@scope/name-1.0.0.tgz`; the packument decides which one really exists. */
const TARBALL_FILE = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*\.tgz$/i;

/** True for a name npm could have published: `name` or `@scope/name`, no dots-only or encoded parts. */
export function isValidPackageName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  const parts = name.split('/');
  if (parts.length === 1) return SEGMENT.test(parts[0]!);
  if (parts.length !== 2) return false;
  const [scope, bare] = parts as [string, string];
  return scope.startsWith('@') && SEGMENT.test(scope.slice(1)) && SEGMENT.test(bare);
}

/** The name as the registry API spells it in a path: `@scope%2fname`. */
export function encodePackageName(name: string): string {
  return name.startsWith('@') ? name.replace('/', '%2f') : name;
}

const refused = (status: number, reason: string): Route => ({ kind: 'refused', status, reason });

/**
 * Only the percent-encodings npm clients send in a name are accepted (`%2f`/`%2F` for the scope's slash,
 * `%40` for `@`); anything else encoded is refused rather than decoded, so that no double-decoding or
 * encoded `..` can reach a path.
 */
function decodeNamePath(path: string): string | undefined {
  const decoded = path.replace(/%2f/gi, '/').replace(/\/%40/gi, '/@');
  return decoded.includes('%') ? undefined : decoded;
}

/**
 * The one spelling of a path under the registry root that requests are parsed into: `/@scope%2fname/-/x.tgz`,
 * `/%40scope%2Fname/-/x.tgz` and `/@scope/name/-/x.tgz` are one tarball. Undefined for any other encoding.
 */
export function canonicalPath(path: string): string | undefined {
  return decodeNamePath(path);
}

/** Where the PyPI simple index is served (PEP 503: clients are given `<firewall>/simple/`), and its files. */
export const PYPI_PROJECTS = '/simple/';
export const PYPI_FILES = '/files/';
/** PEP 658: a distribution file's core metadata is at its URL with this suffix. */
export const METADATA_SUFFIX = '.metadata';
/** A distribution's file name as the index's own page names it (checked against that page before any fetch). */
export const PYPI_FILE = /^[A-Za-z0-9][A-Za-z0-9._+!-]*\.(?:whl|tar\.gz|zip|tar\.bz2|tgz|tar)$/;

/**
 * `/simple/<project>/`, `/files/<project>/<file>` and `/files/<project>/<file>.metadata`. As warehouse does, a project asked by a name that is not
 * its normalised one (or without the trailing slash) is redirected to the normalised URL; the only percent-encoding
 * accepted is %2B for `+` in a file name (names and other file name characters never need one).
 */
function parsePypiRoute(rawPath: string): Route {
  // The one encoding accepted in a file name: %2B for the `+` of a local version label (`loc-1.0+cpu-...whl`).
  // The pages write `+` (fileUrl in pypi-page.ts), but pip re-quotes every link path (pip's _clean_url_path_part,
  // urllib.parse.quote) and so asks for %2B.
  const path = rawPath.startsWith(PYPI_FILES) ? rawPath.replace(/%2B/gi, '+') : rawPath;
  if (path.includes('%')) return refused(400, 'unsupported percent-encoding in the path');
  if (path.startsWith(PYPI_FILES)) {
    const m = /^\/files\/([^/]+)\/([^/]+)$/.exec(path);
    // `<file>.metadata` is the file's core metadata (PEP 658), served beside it when the page offers it.
    const metadata = m?.[2]!.endsWith(METADATA_SUFFIX) === true;
    const filename = metadata ? m![2]!.slice(0, -METADATA_SUFFIX.length) : m?.[2];
    if (!m || !isValidPypiName(m[1]!) || normalizePypiName(m[1]!) !== m[1] || !PYPI_FILE.test(filename!)) return refused(400, 'not a valid distribution file path');
    return { kind: metadata ? 'pypi-metadata' : 'pypi-file', name: m[1]!, filename: filename! };
  }
  const m = /^\/simple\/([^/]+)(\/?)$/.exec(path);
  if (!m) return refused(404, path === PYPI_PROJECTS ? 'the firewall serves project pages (/simple/<project>/), not the list of every project' : 'not a project page');
  const [, asked, slash] = m as unknown as [string, string, string];
  if (!isValidPypiName(asked)) return refused(404, 'not a Python project name');
  const name = normalizePypiName(asked);
  return name !== asked || !slash ? { kind: 'redirect', location: `${PYPI_PROJECTS}${name}/` } : { kind: 'pypi-project', name };
}

export function parseRoute(method: string, target: string): Route {
  if (target.length > MAX_TARGET_LENGTH) return refused(414, 'request target too long');
  // Absolute-form targets (`GET http://other.host/x`) would make a naive proxy fetch another host.
  if (!target.startsWith('/') || target.startsWith('//')) return refused(400, 'only origin-form request targets are accepted');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);

  if (rawPath === '/-/ping') return { kind: 'ping' };
  if (rawPath === '/-/health') return { kind: 'health' };
  if (rawPath === '/-/ready') return { kind: 'ready' };
  if (rawPath === '/metrics') return { kind: 'metrics' };
  if (rawPath === '/-/v1/search') return method === 'GET' ? { kind: 'search', query } : refused(405, 'search is GET only');
  if (rawPath === '/-/npm/v1/security/advisories/bulk' || rawPath === '/-/npm/v1/security/audits/quick') {
    return method === 'POST' ? { kind: 'advisories', path: rawPath } : refused(405, 'advisories are POST only');
  }
  if (rawPath.startsWith('/-/sscs/admin/')) return { kind: 'admin', path: rawPath.slice('/-/sscs/admin'.length), query };
  if (rawPath.startsWith('/-/')) return refused(404, `the firewall does not serve ${rawPath}`);
  if (method !== 'GET' && method !== 'HEAD') return refused(405, 'the firewall is read-only: publish to the upstream registry directly');
  // `/simple/-/simple-1.0.0.tgz` is the npm package `simple`'s tarball: `-` is no Python project name.
  if ((rawPath.startsWith(PYPI_PROJECTS) || rawPath.startsWith(PYPI_FILES)) && !/^\/[a-z]+\/-\//.test(rawPath)) return parsePypiRoute(rawPath);

  const path = decodeNamePath(rawPath);
  if (path === undefined) return refused(400, 'unsupported percent-encoding in the path');
  const tar = /^\/(.+?)\/-\/((?:@[^/]+\/)?[^/]+)$/.exec(path);
  if (tar) {
    const [, name, file] = tar as unknown as [string, string, string];
    if (!isValidPackageName(name) || !TARBALL_FILE.test(file)) return refused(400, 'not a valid tarball path');
    return { kind: 'tarball', name, path: `/${name}/-/${file}` };
  }
  const name = path.slice(1);
  if (!isValidPackageName(name)) return refused(404, 'not a package name');
  return { kind: 'packument', name };
}
