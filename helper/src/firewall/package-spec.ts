/**
 * A package as operators name it, read once for the CLI (`sscs firewall waive`, `quarantine release`), the JSON
 * admin API and the admin page: an npm name (`left-pad`, `@scope/name`) or a purl of a type the firewall serves
 * (`pkg:npm/%40scope/name`, `pkg:pypi/Name`; deps/purl.ts reads it as the purl spec says). The result carries
 * the store's key (registry/metadata.ts documentKey: the bare npm name, `pkg:pypi/<PEP 503 name>`), so a waiver
 * given as `pkg:pypi/Foo_Bar` applies to the project the firewall serves as `foo-bar`.
 */
import { ecosystemOf, ecosystemOfPurlType, type Ecosystem } from '../ecosystems/index.js';
import { parsePurl, PurlError } from '../deps/purl.js';
import { InputError } from '../errors.js';
import { documentKey } from '../registry/metadata.js';
import { isValidPackageName } from './route.js';

/** Longest name accepted: npm's limit (214) plus the longest purl prefix, percent-encoding included. */
const MAX_NAME = 256;
/** Longest version or range accepted (operator.ts checks the same for waivers). */
export const MAX_VERSION = 256;

export interface OperatorPackage {
  ecosystem: Ecosystem;
  /** The name in its ecosystem's form (`@scope/name`, a PEP 503-normalised PyPI project). */
  name: string;
  /** The store's key for it (documentKey). */
  key: string;
}

/** A name the firewall could serve: the adapter's rule, and for npm also the proxy's route rule (route.ts). */
function servable(ecosystem: Ecosystem, name: string): boolean {
  return ecosystemOf(ecosystem).isName(name) && (ecosystem !== 'npm' || isValidPackageName(name));
}

function bad(given: string, why: string, field: string): InputError {
  return new InputError('INPUT', `'${given.slice(0, MAX_NAME)}' is not a package name: ${why}`, {
    where: { field },
    hint: 'Give an npm name (left-pad, @scope/name) or a purl (pkg:npm/%40scope/name, pkg:pypi/requests).',
  });
}

/** Reads a package name or versionless purl; InputError (exit 2, HTTP 400) saying what is wrong. */
export function parsePackageName(raw: string, field = 'name'): OperatorPackage {
  if (raw.length > MAX_NAME) throw bad(raw, `longer than ${MAX_NAME} characters`, field);
  if (!raw.startsWith('pkg:')) {
    if (!servable('npm', raw)) throw bad(raw, 'not an npm name', field);
    return { ecosystem: 'npm', name: raw, key: raw };
  }
  let p;
  try {
    p = parsePurl(raw);
  } catch (e) {
    if (e instanceof PurlError) throw bad(raw, e.message, field);
    throw e;
  }
  const adapter = ecosystemOfPurlType(p.type);
  if (!adapter || !p.packageName) throw bad(raw, `the firewall serves npm and pypi packages, not '${p.type}'`, field);
  if (p.version !== undefined) throw bad(raw, 'the version goes apart (NAME@VERSION on the command line, the version field in the admin API)', field);
  if (Object.keys(p.qualifiers).length) throw bad(raw, 'a purl naming a package here has no qualifiers', field);
  if (!servable(adapter.id, p.packageName)) throw bad(raw, `not a ${adapter.label} name`, field);
  return { ecosystem: adapter.id, name: p.packageName, key: documentKey({ ecosystem: adapter.id, name: p.packageName }) };
}

/**
 * `NAME@VERSION` as the CLI takes it: the last `@` after the first character splits (`@scope/name@1.x`,
 * `pkg:pypi/vers@>=2.0,<3`); the name is read by parsePackageName. InputError when either part is missing.
 */
export function parsePackageSpec(spec: string): OperatorPackage & { version: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) {
    throw new InputError('INPUT', `expected NAME@VERSION, not '${spec.slice(0, MAX_NAME + MAX_VERSION)}'`, { hint: 'For example left-pad@1.3.0, @scope/name@1.x or pkg:pypi/requests@2.32.3.' });
  }
  const name = spec.slice(0, at);
  let version = spec.slice(at + 1);
  // A purl's version is percent-encoded (purl spec): pkg:npm/x@1.0.0%2Bbuild is 1.0.0+build.
  if (name.startsWith('pkg:')) {
    try {
      version = decodeURIComponent(version);
    } catch (e) {
      throw new InputError('INPUT', `the version '${version.slice(0, MAX_VERSION)}' has a bad percent-encoding`, { where: { field: 'version' }, cause: e });
    }
  }
  if (version.length > MAX_VERSION) throw new InputError('INPUT', `the version is longer than ${MAX_VERSION} characters`, { where: { field: 'version' } });
  return { ...parsePackageName(name, 'NAME'), version };
}
