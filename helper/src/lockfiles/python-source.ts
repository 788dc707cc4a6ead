import type { SourceKind } from '../deps/model.js';

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
