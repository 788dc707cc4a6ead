import { PurlError } from '../deps/purl-error.js';
import { SEMVER } from './semver.js';
import type { EcosystemAdapter } from './types.js';

const NPM_PART = /^[a-z0-9~-][a-z0-9._~-]*$/i;

/**
 * npm: names as published (case-sensitive, `@scope/name`), semver versions, and the purl spec's npm type: the
 * scope is the namespace with its `@` percent-encoded, so `%2540scope` (encoded twice) or `@scope` (the legacy
 * unencoded form) is refused rather than read as some other package; the name in a purl is lowercase.
 */
export const NPM: EcosystemAdapter = {
  id: 'npm',
  label: 'npm',
  osvEcosystem: 'npm',
  versioning: SEMVER,
  normalizeName: (name) => name,
  isName: (name) => /^(?:@[^/@\s]+\/)?[^/@\s][^/\s]*$/.test(name) && name.length <= 214,
  // purl spec: the namespace and the name are each percent-encoded (a scope's `@` too).
  purlPath: (name) => (name.startsWith('@') && name.includes('/') ? `%40${encodeURIComponent(name.slice(1, name.indexOf('/')))}/${encodeURIComponent(name.slice(name.indexOf('/') + 1))}` : encodeURIComponent(name)),
  scopeOf: (name) => (name.startsWith('@') ? name.slice(1, name.indexOf('/')) : undefined),
  // npm-package-arg (lib/npa.js): git URLs `git+<transport>:` and hosted-git-info's shorthands.
  vcs: { transports: { git: ['ssh', 'https', 'http', 'file', 'git', 'rsync', 'ftp'] }, shorthands: ['github', 'gitlab', 'bitbucket', 'gist'] },
  nameOfPurl(p) {
    if (p.rawNamespace.length > 1) throw new PurlError('an npm purl has at most one namespace segment, the scope');
    if (p.rawNamespace.length === 1) {
      if (p.rawNamespace[0]!.startsWith('@')) {
        throw new PurlError(`the npm scope's '@' must be percent-encoded: pkg:npm/%40${p.rawNamespace[0]!.slice(1)}/${p.name}${p.version ? `@${p.version}` : ''}`);
      }
      const scope = p.namespace!;
      if (!scope.startsWith('@') || !NPM_PART.test(scope.slice(1))) {
        throw new PurlError(`the namespace '${scope}' is not an npm scope (%40name), so '${scope}/${p.name}' is not a name npm could have published`);
      }
    }
    if (!NPM_PART.test(p.name)) throw new PurlError(`'${p.name}' is not a name npm could have published`);
    // purl spec, npm type (types/npm-definition.json): namespace and name are case-insensitive and lowercased, so
    // `pkg:npm/React` is `pkg:npm/react`. A legacy name with capitals (JSONStream) takes its spelling from elsewhere
    // (an SBOM component's own name: lockfiles/cyclonedx.ts).
    return (p.namespace ? `${p.namespace}/${p.name}` : p.name).toLowerCase();
  },
};
