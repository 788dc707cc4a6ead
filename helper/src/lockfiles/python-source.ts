import type { ResolvedPackage, SourceKind } from '../deps/model.js';
import { underBases, withoutCredentials } from './source.js';

/**
 * Where a Python requirement's code comes from, when it is not an index version: a VCS URL (`git+https://...`,
 * `hg+`, `svn+`, `bzr+`; pip's VCS support), a direct URL to an archive (PEP 440 "direct references"), an archive
 * on disk (a wheel or sdist), or a project folder, which is first-party code (`local`: a root of the graph, as
 * npm's `file:` folders are).
 */
export type PythonOrigin = Exclude<SourceKind, 'registry'> | 'local';

const VCS = /^(?:git|hg|svn|bzr)\+/i;
const ARCHIVE = /\.(?:whl|tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip)$/i;

/** The origin of a URL or path that a lockfile or requirement names as a package's location. */
export function pythonOrigin(location: string): PythonOrigin {
  const s = location.trim();
  if (VCS.test(s)) return 'git';
  const path = s.split(/[?#]/, 1)[0]!;
  if (/^https?:\/\//i.test(s) || /^ftp:\/\//i.test(s)) return 'url';
  if (/^file:/i.test(s)) return ARCHIVE.test(path) ? 'file' : 'local';
  return ARCHIVE.test(path) ? 'file' : 'local';
}

/** `{ type = "git", url, commit-id }` style parts as one location string: `git+https://host/repo@<commit>`. */
export function vcsLocation(type: string, url: string, commit?: string): string {
  const base = VCS.test(url) ? url : `${type}+${url}`;
  return commit ? `${base}@${commit}` : base;
}

/** pypi.org's simple and JSON APIs and its file host: what a lockfile may name whatever the configuration says. */
export const PYPI_INDEXES = ['https://pypi.org/simple/', 'https://pypi.org/pypi/', 'https://files.pythonhosted.org/'];

/**
 * A PyPI package a lockfile takes from another index (uv's `source = { registry = ... }`, pylock's `index` or
 * file URLs, Pipfile.lock's `index`, a requirements file's `--index-url`) is not the pypi.org package whose name
 * it borrows: the installer fetches that index's bytes. As for npm (pinRegistryOrigins), such a package becomes
 * `url` (a `file:` or path location `file`), judged without the index's facts, so policy rules on the source
 * kind apply. The readers put the index or file URL in `resolved`; on pypi.org or the configured index (a base
 * URL, `PIP_INDEX_URL`), it is dropped and the package stays `registry`.
 */
export function pinPythonIndexes(packages: ResolvedPackage[], configured?: string): void {
  const fromIndex = underBases([...PYPI_INDEXES, ...(configured ? [configured] : [])]);
  for (const p of packages) {
    if (p.ecosystem !== 'pypi' || p.source !== 'registry' || !p.resolved) continue;
    let u: URL | undefined;
    try {
      u = new URL(p.resolved);
    } catch {
      u = undefined;
    }
    if (u && (u.protocol === 'https:' || u.protocol === 'http:')) {
      if (fromIndex(u)) {
        delete p.resolved;
        continue;
      }
      p.source = 'url';
    } else {
      p.source = !u || u.protocol === 'file:' ? 'file' : 'url';
    }
    p.resolved = withoutCredentials(p.resolved);
  }
}
