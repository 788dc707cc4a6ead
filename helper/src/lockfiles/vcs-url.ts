import type { Ecosystem } from '../deps/model.js';
import { ecosystemOf } from '../ecosystems/index.js';
import { fieldError } from './positions.js';

/**
 * Which VCS and download locations a dependency source may name. A lockfile or SBOM that says a package comes
 * from git (purl `vcs_url`, pylock `vcs`, uv's and poetry's git sources, Pipfile.lock's `git`/`hg`/`svn`/`bzr`)
 * takes its kind from where it sits, not from the URL's form, so the URL is checked here: the forms the
 * ecosystem's installer fetches (its adapter's `vcs`), and git's own URLs (git-clone(1) "GIT URLS": `git://`,
 * `ssh://`, `http(s)://`, scp-like `user@host:path`). Anything else (`javascript:`, `data:`, `ftp://` without a
 * VCS prefix) is bad input, exit 2: no installer would fetch it, so the input does not say where the code is.
 */
const GIT_URL_SCHEMES = ['git', 'ssh', 'http', 'https'];
/** scp-like syntax, as npm-package-arg and git read it: `git@github.com:user/repo.git`. */
const SCP_LIKE = /^[^@/\s]+@[^:/\s]+:\S+$/;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** http(s) and file: the URLs a `download_url` (a tarball or archive) may name. */
const DOWNLOAD_SCHEMES = ['http', 'https', 'file'];

/** Why `location` is not a VCS location `ecosystem`'s installer or git fetches; undefined when it is one. */
export function vcsLocationProblem(location: string, ecosystem: Ecosystem): string | undefined {
  const forms = ecosystemOf(ecosystem).vcs;
  const accepted = [
    ...Object.entries(forms.transports).flatMap(([vcs, ts]) => ts.map((t) => `${vcs}+${t}:`)),
    ...GIT_URL_SCHEMES.map((s) => `${s}://`),
    'user@host:path',
    ...forms.shorthands.map((s) => `${s}:`),
  ];
  const refuse = (what: string) => `${what}, which is not a VCS location ${ecosystemOf(ecosystem).label} or git fetches (accepted: ${accepted.join(', ')})`;
  if (/[\s\x00-\x1f\x7f]/.test(location)) return refuse('it holds white space or control characters');
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return SCP_LIKE.test(location) ? undefined : refuse('it has no scheme');
  const plus = scheme.indexOf('+');
  if (plus > 0) return forms.transports[scheme.slice(0, plus)]?.includes(scheme.slice(plus + 1)) ? undefined : refuse(`its scheme is '${scheme}:'`);
  if (GIT_URL_SCHEMES.includes(scheme)) return location.slice(scheme.length + 1).startsWith('//') ? undefined : refuse(`'${scheme}:' is not followed by //host`);
  return forms.shorthands.includes(scheme) ? undefined : refuse(`its scheme is '${scheme}:'`);
}

/** Why `location` is not a URL a download (a tarball or archive) can come from; undefined when it is one. */
export function downloadLocationProblem(location: string): string | undefined {
  const scheme = SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme !== undefined && DOWNLOAD_SCHEMES.includes(scheme) && !/[\s\x00-\x1f\x7f]/.test(location)) return undefined;
  return `${scheme === undefined ? 'it is not a URL' : `its scheme is '${scheme}:'`}, which is not one a download comes from (accepted: ${DOWNLOAD_SCHEMES.map((s) => `${s}:`).join(', ')})`;
}

/**
 * A git (or other VCS) source's location, checked: throws a SCHEMA InputError naming the file and field when it
 * is not one the installer fetches. `what` names the value in the message (default: the field). The location
 * itself is not quoted (it may hold a token), only its scheme.
 */
export function checkedVcsLocation(location: string, ecosystem: Ecosystem, where: { file: string; field: string; line?: number | undefined }, what = where.field): string {
  const problem = vcsLocationProblem(location, ecosystem);
  if (problem) throw fieldError(where.file, where.field, `${what} names a git source where ${problem}`, where.line);
  return location;
}
