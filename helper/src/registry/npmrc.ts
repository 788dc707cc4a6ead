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

/** Parses .npmrc text (ini key=value lines) into a flat map, expanding `${VAR}` from the environment. */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    // npm's own rule: ${VAR} expands from the environment; ${VAR?} expands to '' when unset.
    value = value.replace(/(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g, (m, esc: string, name: string, optional?: string) => {
      if (esc.length % 2) return m.slice(1);
      const v = env[name];
      if (v === undefined && !optional) return m;
      return `${esc}${v ?? ''}`;
    });
    out.set(key, value);
  }
  return out;
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
