/**
 * Reads a package URL as the purl specification defines it (github.com/package-url/purl-spec, PURL-SPECIFICATION
 * and the per-type rules): `pkg:type/namespace/name@version?qualifiers#subpath`, every part percent-decoded
 * once. Strict where a lenient reader would let a package escape the policy: the type must be lowercase, and for
 * a type sscs reads (npm, pypi) the decoded name must be one that ecosystem could have published, by its
 * adapter's rules (ecosystems/npm.ts: npm's scope is the namespace with its `@` percent-encoded; ecosystems/pypi.ts:
 * no namespace, the name read PEP 503-normalised).
 */
import { ecosystemOfPurlType } from '../ecosystems/index.js';
import { PurlError } from './purl-error.js';

export { PurlError } from './purl-error.js';

export interface Purl {
  type: string;
  /** npm: `@scope`, decoded. */
  namespace?: string;
  /** The name segment, decoded, as written. */
  name: string;
  /** For a type sscs reads: the package name in its ecosystem's form (`@scope/name`; PyPI: PEP 503-normalised). */
  packageName?: string;
  version?: string;
  qualifiers: Record<string, string>;
}

const TYPE = /^[a-z.+-][a-z0-9.+-]*$/;
const MAX_PURL_LENGTH = 4096;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch (e) {
    throw new PurlError(`${what} has a bad percent-encoding`, { cause: e });
  }
}

/** Parses and checks one purl; throws PurlError saying what is wrong. */
export function parsePurl(text: string): Purl {
  if (text.length > MAX_PURL_LENGTH) throw new PurlError(`longer than ${MAX_PURL_LENGTH} characters`);
  if (!/^pkg:/i.test(text)) throw new PurlError("does not start with 'pkg:'");
  if (!text.startsWith('pkg:')) throw new PurlError("the scheme must be lowercase 'pkg:'");
  let rest = text.slice('pkg:'.length).replace(/^\/+/, '');
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const qualifiers: Record<string, string> = {};
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      // Keys are case-insensitive, lowercase in the canonical form (purl spec, "qualifiers").
      const key = pair.slice(0, eq < 0 ? undefined : eq).toLowerCase();
      if (eq <= 0 || !/^[a-z][a-z0-9._-]*$/.test(key)) throw new PurlError(`qualifier '${pair}' is not key=value`);
      qualifiers[key] = decode(pair.slice(eq + 1), `qualifier ${key}`);
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new PurlError('has no type and name (pkg:type/name@version)');
  const type = rest.slice(0, slash);
  if (!TYPE.test(type)) {
    throw new PurlError(TYPE.test(type.toLowerCase()) ? `the type '${type}' must be lowercase ('${type.toLowerCase()}')` : `the type '${type}' is not a purl type`);
  }
  let path = rest.slice(slash + 1).replace(/(?<!\/)\/+$/, '');
  let version: string | undefined;
  const at = path.lastIndexOf('@');
  if (at >= 0 && at > path.lastIndexOf('/')) {
    version = decode(path.slice(at + 1), 'the version');
    if (!version) throw new PurlError("has an '@' but no version");
    path = path.slice(0, at);
  }
  const segments = path.split('/');
  const name = decode(segments.pop() ?? '', 'the name');
  if (!name) throw new PurlError('has no name');
  const namespace = segments.length ? segments.map((s) => decode(s, 'the namespace')).join('/') : undefined;
  const purl: Purl = { type, name, qualifiers, ...(namespace !== undefined ? { namespace } : {}), ...(version !== undefined ? { version } : {}) };
  const adapter = ecosystemOfPurlType(type);
  if (adapter) purl.packageName = adapter.nameOfPurl({ name, rawNamespace: segments, ...(namespace !== undefined ? { namespace } : {}), ...(version !== undefined ? { version } : {}) });
  return purl;
}

/** The npm package name a purl stands for: `@scope/name` or `name`. */
export function npmName(p: Purl): string {
  return p.packageName ?? (p.namespace ? `${p.namespace}/${p.name}` : p.name);
}
