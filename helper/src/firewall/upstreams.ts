/**
 * Which upstream registry serves which package: one default, and any number of npm scopes routed to their own
 * (a GitLab group's package registry, an internal Artifactory), as `--upstream URL` and
 * `--upstream @scope=URL` (repeatable), or the same entries in SSCS_FIREWALL_UPSTREAM separated by spaces or
 * commas. Each upstream's credential comes only from the environment: SSCS_FIREWALL_UPSTREAM_TOKEN for the
 * default, SSCS_FIREWALL_UPSTREAM_TOKEN_<SCOPE> for a scope (`@my-org` -> `..._MY_ORG`).
 */
import { UsageError } from '../errors.js';
import { checkUpstream, DEFAULT_UPSTREAM, ENV, UPSTREAM_TOKEN_ENV, type Flags } from './config.js';

export interface ScopedUpstream {
  /** `@scope`, lowercase as npm scopes are. */
  scope: string;
  url: string;
  /** The environment variable its token is read from. */
  tokenEnv: string;
}

export interface UpstreamSettings {
  upstream: string;
  scoped: ScopedUpstream[];
}

const SCOPE = /^@[a-z0-9~-][a-z0-9._~-]*$/;

/** The environment variable a scope's upstream token is read from. */
export function scopeTokenEnv(scope: string): string {
  return `${UPSTREAM_TOKEN_ENV}_${scope.slice(1).toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The `@scope` of a package name, or undefined for an unscoped one. */
export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') && name.includes('/') ? name.slice(0, name.indexOf('/')) : undefined;
}

export function upstreamSettings(flags: Flags, env: NodeJS.ProcessEnv): UpstreamSettings {
  const fromFlags = flags.upstream;
  const entries = (Array.isArray(fromFlags) ? fromFlags : typeof fromFlags === 'string' ? [fromFlags] : []).filter((e) => e !== '');
  const list = entries.length ? entries : (env[ENV.upstream] ?? '').split(/[\s,]+/).filter(Boolean);
  let upstream: string | undefined;
  const scoped = new Map<string, ScopedUpstream>();
  const byTokenEnv = new Map<string, string>();
  for (const entry of list) {
    const m = /^(@[^=/\s]+)=(.*)$/.exec(entry);
    if (!m) {
      if (upstream !== undefined) throw new UsageError('USAGE', `--upstream: two default upstreams ('${upstream}' and '${entry}'); route a scope with --upstream @scope=URL`);
      upstream = checkUpstream(entry);
      continue;
    }
    const scope = m[1]!;
    if (!SCOPE.test(scope)) throw new UsageError('USAGE', `--upstream: '${scope}' is not an npm scope (lowercase @name)`);
    if (scoped.has(scope)) throw new UsageError('USAGE', `--upstream: ${scope} is routed twice`);
    const tokenEnv = scopeTokenEnv(scope);
    const clash = byTokenEnv.get(tokenEnv);
    if (clash) throw new UsageError('USAGE', `--upstream: ${clash} and ${scope} would both read their token from ${tokenEnv}`);
    byTokenEnv.set(tokenEnv, scope);
    scoped.set(scope, { scope, url: checkUpstream(m[2]!, tokenEnv), tokenEnv });
  }
  return { upstream: upstream ?? DEFAULT_UPSTREAM, scoped: [...scoped.values()] };
}
