/**
 * Scoped registries the client configuration names (`@scope:registry=` in an .npmrc, `npmScopes` in a yarn berry
 * rc file). An install behind the firewall must not fetch a scope straight from its registry: `firewall run`
 * points every scope the firewall routes at the firewall, and refuses to start when a configuration file sends a
 * scope somewhere the firewall does not serve it from, so no scope bypasses the policy unnoticed.
 *
 * The files are the ones the clients read, not only the project's: npm the project's .npmrc, the user's
 * (`$HOME/.npmrc`) and the global one (`$PREFIX/etc/npmrc`, else beside node), whose paths `firewall run` then
 * sets in the environment so that no .npmrc can move them (npm's @npmcli/config reads `userconfig` from the
 * project file and `globalconfig` from the user file); pnpm also its own `rc` under XDG_CONFIG_HOME; yarn berry
 * the rc file (YARN_RC_FILENAME, else .yarnrc.yml) in the folder and in every folder above it, and
 * `$HOME/.yarnrc.yml` (yarn's Configuration.findRcFiles and findHomeRcFile).
 */
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { InputError, UsageError } from '../errors.js';
import { readFileIfExists } from '../io/files.js';
import { printable } from '../io/printable.js';
import { parseNpmrc } from '../registry/npmrc.js';
import { homeFolder, type ClientFolders } from './client-folders.js';
import { yarnRcFilename } from './install-env.js';
import { scopeTokenEnv, type ScopedUpstream } from './upstreams.js';

/** Set for the install: a project's .yarnrc.yml can send a scope through the firewall with `${SSCS_FIREWALL_REGISTRY:-...}`. */
export const FIREWALL_REGISTRY_ENV = 'SSCS_FIREWALL_REGISTRY';
const MAX_CONFIG_BYTES = 256 * 1024;
const YARNRC = '.yarnrc.yml';

interface ProjectScope {
  scope: string;
  url: string;
  /** `.npmrc` or `.yarnrc.yml` for the project's own files, else the file's path. */
  file: string;
  kind: 'npmrc' | 'yarnrc';
  /** yarn berry: the URL comes from SSCS_FIREWALL_REGISTRY, so the install reaches the firewall. */
  throughFirewall?: boolean;
}

/** The npm configuration files `firewall run` lets npm and pnpm read, and sets in their environment. */
export interface NpmConfigFiles {
  userconfig?: string;
  globalconfig: string;
}

async function readOptional(path: string): Promise<string | undefined> {
  return (await readFileIfExists(path, MAX_CONFIG_BYTES, 'client configuration'))?.toString('utf8');
}

/** npm's default user and global configuration files (@npmcli/config: `~/.npmrc`, `${globalPrefix}/etc/npmrc`). */
export function npmConfigFiles(env: NodeJS.ProcessEnv, execPath: string = process.execPath): NpmConfigFiles {
  const prefix = env.PREFIX || dirname(dirname(execPath));
  // Without HOME npm takes os.homedir() (the account's folder): the same file, then set explicitly for the install.
  return { userconfig: join(homeFolder(env), '.npmrc'), globalconfig: join(prefix, 'etc', 'npmrc') };
}

/** The rc files yarn berry reads in `cwd`, nearest first: the rc file in each folder up to the root, then the home one. */
export function yarnRcFiles(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const name = yarnRcFilename(env) ?? YARNRC;
  const files: string[] = [];
  for (let dir = cwd, up = ''; dir !== up; up = dir, dir = dirname(dir)) files.push(join(dir, name));
  const home = join(homeFolder(env), YARNRC);
  if (!files.includes(home)) files.push(home);
  return files;
}

const label = (cwd: string, path: string, own: string) => (path === join(cwd, own) ? own : path);

/**
 * The scoped registries the configuration files the install's clients read name: the .npmrc of each of
 * `folders.npmrc` (client-folders.ts; by default the working folder's), the user, global and pnpm rc files, and
 * yarn berry's rc files from each of `folders.yarn` up.
 */
export async function projectScopes(cwd: string, env: NodeJS.ProcessEnv, folders: ClientFolders = { npmrc: [cwd], yarn: [cwd] }): Promise<ProjectScope[]> {
  const out: ProjectScope[] = [];
  const npm = npmConfigFiles(env);
  const pnpmrc = join(env.XDG_CONFIG_HOME || join(homeFolder(env), '.config'), 'pnpm', 'rc');
  const npmrcs = [...new Set([...folders.npmrc.map((d) => join(d, '.npmrc')), ...(npm.userconfig ? [npm.userconfig] : []), npm.globalconfig, pnpmrc])];
  for (const path of npmrcs) {
    const npmrc = await readOptional(path);
    if (npmrc === undefined) continue;
    for (const [key, url] of parseNpmrc(npmrc, env)) {
      const m = /^(@[^:]+):registry$/i.exec(key);
      if (m) out.push({ scope: m[1]!.toLowerCase(), url, file: label(cwd, path, '.npmrc'), kind: 'npmrc', ...(url.includes(`\${${FIREWALL_REGISTRY_ENV}`) ? { throughFirewall: true } : {}) });
    }
  }
  for (const path of new Set(folders.yarn.flatMap((d) => yarnRcFiles(d, env)))) {
    const yarnrc = await readOptional(path);
    if (yarnrc === undefined) continue;
    let doc: unknown;
    try {
      doc = parse(yarnrc);
    } catch (e) {
      throw new InputError('MALFORMED', `${path} cannot be parsed: ${(e as Error).message.split('\n')[0]}`, { where: { file: path }, cause: e });
    }
    const file = label(cwd, path, YARNRC);
    const conf = (doc ?? {}) as { npmScopes?: unknown; httpProxy?: unknown; httpsProxy?: unknown };
    for (const key of ['httpProxy', 'httpsProxy'] as const) {
      if (conf[key] !== undefined && conf[key] !== null && conf[key] !== '') {
        throw new UsageError('USAGE', `sscs firewall run: ${file} sets ${key}, through which yarn would fetch from the firewall, and a proxy can answer in its place`, { hint: `Remove ${key} from ${file} for the job behind the firewall.` });
      }
    }
    const scopes = conf.npmScopes;
    if (scopes && typeof scopes === 'object') {
      for (const [name, entry] of Object.entries(scopes as Record<string, unknown>)) {
        const url = (entry as { npmRegistryServer?: unknown } | null)?.npmRegistryServer;
        if (typeof url !== 'string') continue;
        out.push({ scope: `@${name.replace(/^@/, '').toLowerCase()}`, url: printable(url), file, kind: 'yarnrc', ...(url.includes(`\${${FIREWALL_REGISTRY_ENV}`) ? { throughFirewall: true } : {}) });
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
    if (p.kind === 'npmrc' && client.yarnClassic && !p.throughFirewall) {
      // yarn 1 reads a scope's registry from .npmrc over the environment (tried with yarn 1.22): it cannot be redirected.
      throw new UsageError('USAGE', `sscs firewall run: ${p.file} sends ${p.scope} to ${p.url}, and yarn 1 takes that over the environment, around the firewall`, {
        hint: `In CI, write ${p.scope}:registry=\${${FIREWALL_REGISTRY_ENV}}/ in .npmrc (firewall run sets ${FIREWALL_REGISTRY_ENV}), or use npm, pnpm or yarn 2+.`,
      });
    }
    if (p.kind === 'yarnrc' && !p.throughFirewall) {
      throw new UsageError('USAGE', `sscs firewall run: ${p.file} sends ${p.scope} to ${p.url}, around the firewall (yarn takes scope registries only from its rc file)`, {
        hint: `In ${p.file}, write npmRegistryServer: "\${${FIREWALL_REGISTRY_ENV}:-${p.url}}" for ${p.scope.slice(1)} in npmScopes, and${routed.has(p.scope) ? '' : ` add --upstream ${p.scope}=${p.url} (token in ${scopeTokenEnv(p.scope)});`} the install then reaches it through the firewall.`,
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
  if ((await readOptional(join(cwd, YARNRC))) !== undefined) return false;
  const lock = await readOptional(join(cwd, 'yarn.lock'));
  return lock === undefined || !/^__metadata:/m.test(lock);
}
