import { execa } from 'execa';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DependencyGraph } from '../../helper/src/deps/model.js';
import { REPO_ROOT } from '../support/cli.js';

export const LOCK_FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
export const fixture = (...parts: string[]) => join(LOCK_FIXTURES, ...parts);

/**
 * The environment for the package-manager clients the tests run as independent readers: a closed port as the
 * registry and offline flags, so an accidental fetch fails fast instead of reaching the internet.
 */
export const OFFLINE_ENV = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  npm_config_registry: 'http://127.0.0.1:9',
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  YARN_ENABLE_NETWORK: '0',
  YARN_ENABLE_TELEMETRY: '0',
  YARN_ENABLE_GLOBAL_CACHE: '0',
  YARN_NPM_REGISTRY_SERVER: 'http://127.0.0.1:9',
};

export async function runOffline(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const r = await execa(cmd, args, { cwd, env: { ...OFFLINE_ENV, ...env }, extendEnv: false, reject: false, timeout: 60_000 });
  if (!r.stdout) throw new Error(`${cmd} ${args.join(' ')} printed nothing: ${r.stderr}`);
  return r.stdout;
}

/** A throw-away copy of a fixture folder, for clients that write state (yarn's install-state). */
export async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sscs-lock-${name}-`));
  await cp(fixture(name), dir, { recursive: true });
  return dir;
}

/** npm from PATH: the one beside the Node that runs the tests. */
export const NPM = 'npm';
export const PNPM = join(REPO_ROOT, 'node_modules/.bin/pnpm');
export const YARN_BERRY = join(REPO_ROOT, 'node_modules/@yarnpkg/cli-dist/bin/yarn.js');

export const ids = (g: DependencyGraph, pick: (p: DependencyGraph['packages'][number]) => boolean = () => true) =>
  g.packages.filter(pick).map((p) => `${p.name}@${p.version}`);

/** The real name of a package npm ls shows under an alias: from its registry tarball URL. */
function realName(key: string, resolved: unknown): string {
  const m = typeof resolved === 'string' ? /^https?:\/\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/-\//.exec(resolved) : null;
  return m ? decodeURIComponent(m[1]!) : key;
}

interface LsNode {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, LsNode>;
}

/** Every registry package in `npm ls --all --json` output, as sorted unique name@version. */
export function flattenNpmLs(json: string): string[] {
  const out = new Set<string>();
  const walk = (deps: Record<string, LsNode> | undefined) => {
    for (const [k, v] of Object.entries(deps ?? {})) {
      if (v.version && !String(v.resolved ?? '').startsWith('file:')) out.add(`${realName(k, v.resolved)}@${v.version}`);
      walk(v.dependencies);
    }
  };
  walk((JSON.parse(json) as LsNode).dependencies);
  return [...out].sort();
}

interface PnpmNode {
  from?: string;
  version: string;
  dependencies?: Record<string, PnpmNode>;
  optionalDependencies?: Record<string, PnpmNode>;
}

/** Every package in `pnpm list -r --json` output, as sorted unique name@version (`from` is the real name). */
export function flattenPnpmList(json: string): string[] {
  const out = new Set<string>();
  const walk = (deps: Record<string, PnpmNode> | undefined) => {
    for (const [k, v] of Object.entries(deps ?? {})) {
      if (v.version.startsWith('link:')) continue;
      out.add(`${v.from ?? k}@${v.version}`);
      walk(v.dependencies);
      walk(v.optionalDependencies);
    }
  };
  for (const project of JSON.parse(json) as { dependencies?: Record<string, PnpmNode>; devDependencies?: Record<string, PnpmNode>; optionalDependencies?: Record<string, PnpmNode> }[]) {
    walk(project.dependencies);
    walk(project.devDependencies);
    walk(project.optionalDependencies);
  }
  return [...out].sort();
}

export const sorted = (xs: string[]) => [...new Set(xs)].sort();
