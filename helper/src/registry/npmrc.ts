import { parse as parseIni } from 'ini';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readFileIfExists } from '../io/files.js';

/** npm's default registry, used when no configuration names another. */
export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';
/** An .npmrc is a few lines; refuse anything that is clearly not one. */
const MAX_NPMRC_BYTES = 256 * 1024;

/** The registry a package is fetched from, and the Authorization header value for it (never printed). */
export interface RegistryTarget {
  url: string;
  authorization?: string;
}

export interface RegistryConfig {
  /** Default registry URL, with a trailing slash. */
  registry: string;
  /** `@scope` -> registry URL. */
  scopes: Map<string, string>;
  /** Nerf-darted URL prefix (`//host/path/`) -> Authorization header value. */
  auth: Map<string, string>;
}

/**
 * Parses .npmrc text as npm does (@npmcli/config `#loadFile` and `#loadObject`): the `ini` package's parser, the one
 * npm itself uses, so that every spelling npm accepts reads the same here (quoted keys and values, a lone CR as a
 * line break, `[section]` headers, `key[]` lists, `;` and `#` comments, escapes); then `${VAR}` expanded from the
 * environment in keys and string values (npm's env-replace.js: `${VAR?}` is '' when unset, `\${VAR}` stays).
 * Returns the top-level keys with a string value; a list (`key[]=`), which npm passes on as it is, reads as its
 * string form (the elements joined by commas, as a URL would be built from it). Section keys, `true`/`false`/`null`
 * and keys without `=` are no setting npm routes by, and are left out.
 */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawKey, raw] of Object.entries(parseIni(text) as Record<string, unknown>)) {
    const key = envReplace(rawKey, env);
    // npm's parseField: a string is trimmed, then expanded; a list of a key npm has no list type for is kept as given.
    if (typeof raw === 'string') out.set(key, envReplace(raw.trim(), env));
    else if (Array.isArray(raw)) out.set(key, raw.map(String).join(','));
  }
  return out;
}

/** npm's env-replace.js: `${NAME}` (left as written when unset) and `${NAME?}` ('' when unset); backslashes before `$` halve. */
function envReplace(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g, (orig: string, esc: string, name: string, optional?: string) => {
    if (esc.length % 2) return orig.slice((esc.length + 1) / 2);
    const value = env[name] ?? (optional ? '' : `\${${name}}`);
    return esc.slice(esc.length / 2) + value;
  });
}

const withSlash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

/** npm's "nerf dart": the URL without protocol, query and credentials, ending in a slash. */
export function nerfDart(url: string): string {
  const u = new URL(url);
  return `//${u.host}${withSlash(u.pathname)}`;
}

async function readIfExists(path: string): Promise<string | undefined> {
  return (await readFileIfExists(path, MAX_NPMRC_BYTES, '.npmrc'))?.toString('utf8');
}

/**
 * The registry configuration npm itself would use, in npm's precedence: `--registry`, then the
 * `npm_config_registry` environment variable, then the project's .npmrc, then the user's ~/.npmrc.
 * Scoped registries (`@scope:registry`) and tokens (`//host/:_authToken`, `//host/:_auth`) come from the files.
 */
export async function loadRegistryConfig(opts: { cwd: string; home?: string; env: NodeJS.ProcessEnv; registry?: string }): Promise<RegistryConfig> {
  const merged = new Map<string, string>();
  const home = opts.home ?? opts.env.HOME;
  for (const file of [home ? join(home, '.npmrc') : undefined, join(opts.cwd, '.npmrc')]) {
    if (!file) continue;
    const text = await readIfExists(file);
    if (text !== undefined) for (const [k, v] of parseNpmrc(text, opts.env)) merged.set(k, v);
  }
  const registry = opts.registry ?? opts.env.npm_config_registry ?? opts.env.NPM_CONFIG_REGISTRY ?? merged.get('registry') ?? DEFAULT_REGISTRY;
  validateUrl(registry, opts.registry !== undefined ? '--registry' : 'registry');
  const scopes = new Map<string, string>();
  const auth = new Map<string, string>();
  for (const [key, value] of merged) {
    const scoped = /^(@[^:]+):registry$/.exec(key);
    if (scoped) {
      validateUrl(value, key);
      scopes.set(scoped[1]!, withSlash(value));
      continue;
    }
    const token = /^(\/\/.+\/):_authToken$/.exec(key);
    if (token && value) auth.set(token[1]!, `Bearer ${value}`);
    const basic = /^(\/\/.+\/):_auth$/.exec(key);
    if (basic && value) auth.set(basic[1]!, `Basic ${value}`);
  }
  return { registry: withSlash(registry), scopes, auth };
}

function validateUrl(url: string, field: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new InputError('INPUT', `'${url}' is not a registry URL`, { where: { field }, cause: e });
  }
  if (u.username || u.password) {
    // Never echo the URL: it holds a password. npm's own form is a separate `//host/:_auth` or `:_authToken` line.
    throw new InputError('INPUT', `the registry URL of ${field} has credentials in it (user:password@); put them in .npmrc as //${u.host}${u.pathname}:_authToken (or :_auth)`, { where: { field } });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InputError('INPUT', `registry URL must be http(s): ${url}`, { where: { field } });
}

/** Where a package comes from, with the token whose nerf dart is the longest prefix of that registry's URL. */
export function registryFor(config: RegistryConfig, name: string): RegistryTarget {
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const url = (scope && config.scopes.get(scope)) || config.registry;
  const dart = nerfDart(url);
  let best: string | undefined;
  for (const prefix of config.auth.keys()) {
    if (dart.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best ? { url, authorization: config.auth.get(best)! } : { url };
}
