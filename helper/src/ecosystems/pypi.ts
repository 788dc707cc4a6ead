import { PurlError } from '../deps/purl-error.js';
import { PEP440 } from './pep440.js';
import type { EcosystemAdapter } from './types.js';

/** A valid project name (packaging.python.org "Names and normalization", from PEP 508), case-insensitive. */
const PYPI_NAME = /^(?:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i;
/** Longest name accepted; PyPI itself has no documented cap, and real names stay far below it. */
const MAX_NAME_LENGTH = 214;

/** PEP 503 normalisation: lower case, every run of `-`, `_` and `.` as one `-` (`Foo.Bar_baz` -> `foo-bar-baz`). */
export function pep503(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * PyPI: PEP 503-normalised names, PEP 440 versions, and the purl spec's pypi type (no namespace; the name
 * lower-cased with `_` as `-`, which PEP 503's form satisfies). A purl written with another spelling of the same
 * name (`pkg:pypi/Django`, `pkg:pypi/zope_interface`) names the same project, so it is read normalised.
 */
export const PYPI: EcosystemAdapter = {
  id: 'pypi',
  label: 'PyPI',
  osvEcosystem: 'PyPI',
  versioning: PEP440,
  normalizeName: pep503,
  isName: (name) => name.length <= MAX_NAME_LENGTH && PYPI_NAME.test(name),
  purlPath: (name) => encodeURIComponent(pep503(name)),
  scopeOf: () => undefined,
  // pip's VCS support (pip/_internal/vcs/*.py, `schemes`), which uv and poetry lockfiles' git sources reach too.
  vcs: {
    transports: {
      git: ['http', 'https', 'ssh', 'git', 'file'],
      hg: ['file', 'http', 'https', 'ssh', 'static-http'],
      svn: ['ssh', 'http', 'https', 'svn', 'file'],
      bzr: ['http', 'https', 'ssh', 'sftp', 'ftp', 'lp', 'file'],
    },
    shorthands: [],
  },
  nameOfPurl(p) {
    if (p.rawNamespace.length > 0) throw new PurlError(`a pypi purl has no namespace ('${p.namespace}/${p.name}' is not a PyPI project name)`);
    if (!PYPI.isName(p.name)) throw new PurlError(`'${p.name}' is not a PyPI project name (letters, digits, '.', '_', '-', starting and ending with a letter or digit)`);
    return pep503(p.name);
  },
};
