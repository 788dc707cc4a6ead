/**
 * Scoped registries a project configures for itself (`@scope:registry=` in .npmrc, `npmScopes` in yarn berry's
 * .yarnrc.yml). An install behind the firewall must not fetch a scope straight from its registry: `firewall run`
 * points every scope the firewall routes at the firewall, and refuses to start when the project sends a scope
 * somewhere the firewall does not serve it from, so no scope bypasses the policy unnoticed.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import { InputError, UsageError } from '../errors.js';
import { readFileIfExists } from '../io/files.js';
import { parseNpmrc } from '../registry/npmrc.js';
import { scopeTokenEnv, type ScopedUpstream } from './upstreams.js';

/** Set for the install: a project's .yarnrc.yml can send a scope through the firewall with `${SSCS_FIREWALL_REGISTRY:-...}`. */
export const FIREWALL_REGISTRY_ENV = 'SSCS_FIREWALL_REGISTRY';
const MAX_CONFIG_BYTES = 256 * 1024;

interface ProjectScope {
  scope: string;
  url: string;
  file: string;
  /** yarn berry: the URL comes from SSCS_FIREWALL_REGISTRY, so the install reaches the firewall. */
  throughFirewall?: boolean;
}

async function readOptional(path: string): Promise<string | undefined> {
  return (await readFileIfExists(path, MAX_CONFIG_BYTES, 'client configuration'))?.toString('utf8');
}

/** The scoped registries the project's own .npmrc and .yarnrc.yml name. */
export async function projectScopes(cwd: string, env: NodeJS.ProcessEnv): Promise<ProjectScope[]> {
  const out: ProjectScope[] = [];
  const npmrc = await readOptional(join(cwd, '.npmrc'));
  if (npmrc !== undefined) {
    for (const [key, url] of parseNpmrc(npmrc, env)) {
      const m = /^(@[^:]+):registry$/.exec(key);
      if (m) out.push({ scope: m[1]!.toLowerCase(), url, file: '.npmrc', ...(url.includes(`\${${FIREWALL_REGISTRY_ENV}`) ? { throughFirewall: true } : {}) });
    }
  }
  const yarnrc = await readOptional(join(cwd, '.yarnrc.yml'));
  if (yarnrc !== undefined) {
    let doc: unknown;
    try {
      doc = parse(yarnrc);
    } catch (e) {
      throw new InputError('MALFORMED', `.yarnrc.yml cannot be parsed: ${(e as Error).message.split('\n')[0]}`, { where: { file: join(cwd, '.yarnrc.yml') }, cause: e });
    }
    const scopes = (doc as { npmScopes?: unknown } | null)?.npmScopes;
    if (scopes && typeof scopes === 'object') {
      for (const [name, conf] of Object.entries(scopes as Record<string, unknown>)) {
        const url = (conf as { npmRegistryServer?: unknown } | null)?.npmRegistryServer;
        if (typeof url !== 'string') continue;
        out.push({ scope: `@${name.replace(/^@/, '').toLowerCase()}`, url, file: '.yarnrc.yml', ...(url.includes(`\${${FIREWALL_REGISTRY_ENV}`) ? { throughFirewall: true } : {}) });
      }
    }
  }
  return out;
}

const same = (a: string, b: string) => a.replace(/(?<!\/)\/+$/, '') === b.replace(/(?<!\/)\/+$/, '');

/**
 * Throws UsageError when the project routes a scope that the install would fetch around the firewall: a scope
 * with no upstream in the firewall, or (yarn berry, which takes scopes only from its rc file) any scope whose
 * npmRegistryServer does not come from SSCS_FIREWALL_REGISTRY.
 */
export function checkProjectScopes(found: ProjectScope[], upstream: string, scoped: ScopedUpstream[], client: { yarnClassic?: boolean } = {}): void {
  const routed = new Set(scoped.map((s) => s.scope));
  for (const p of found) {
    if (p.file === '.npmrc' && client.yarnClassic && !p.throughFirewall) {
      // yarn 1 reads a scope's registry from .npmrc over the environment (tried with yarn 1.22): it cannot be redirected.
      throw new UsageError('USAGE', `sscs firewall run: .npmrc sends ${p.scope} to ${p.url}, and yarn 1 takes that over the environment, around the firewall`, {
        hint: `In CI, write ${p.scope}:registry=\${${FIREWALL_REGISTRY_ENV}}/ in .npmrc (firewall run sets ${FIREWALL_REGISTRY_ENV}), or use npm, pnpm or yarn 2+.`,
      });
    }
    if (p.file === '.yarnrc.yml' && !p.throughFirewall) {
      throw new UsageError('USAGE', `sscs firewall run: .yarnrc.yml sends ${p.scope} to ${p.url}, around the firewall (yarn takes scope registries only from its rc file)`, {
        hint: `Write npmRegistryServer: "\${${FIREWALL_REGISTRY_ENV}:-${p.url}}" for ${p.scope.slice(1)} in npmScopes, and${routed.has(p.scope) ? '' : ` add --upstream ${p.scope}=${p.url} (token in ${scopeTokenEnv(p.scope)});`} the install then reaches it through the firewall.`,
      });
    }
    if (!routed.has(p.scope) && !p.throughFirewall && !same(p.url, upstream)) {
      throw new UsageError('USAGE', `sscs firewall run: ${p.file} sends ${p.scope} to ${p.url}, but the firewall has no upstream for ${p.scope}, so those packages would not be checked`, {
        hint: `Add --upstream ${p.scope}=${p.url} (its token in ${scopeTokenEnv(p.scope)}).`,
      });
    }
  }
}

/** Whether COMMAND is yarn 1 (classic): `yarn` with no yarn 2+ configuration or lockfile in the project. */
export async function isYarnClassic(command: string[], cwd: string): Promise<boolean> {
  const words = command.slice(0, 2).map((w) => w.split(/[\\/]/).pop() ?? w);
  if (!words.some((w) => w === 'yarn' || w === 'yarn.js' || w === 'yarnpkg')) return false;
  if ((await readOptional(join(cwd, '.yarnrc.yml'))) !== undefined) return false;
  const lock = await readOptional(join(cwd, 'yarn.lock'));
  return lock === undefined || !/^__metadata:/m.test(lock);
}
