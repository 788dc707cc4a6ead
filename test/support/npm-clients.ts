/**
 * Real npm, pnpm and yarn runs against a registry URL, each in its own temp project with its own cache, so
 * nothing is shared between runs and nothing reaches the internet.
 */
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmEnv } from './verdaccio.js';

const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const YARN = fileURLToPath(new URL('../../node_modules/@yarnpkg/cli-dist/bin/yarn.js', import.meta.url));

export interface ClientRun {
  exitCode: number;
  output: string;
  dir: string;
}

async function project(deps: Record<string, string>, registry: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-client-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'sscs-client-test', version: '1.0.0', private: true, dependencies: deps }));
  // pnpm reads the registry from .npmrc, not from npm_config_registry.
  await writeFile(join(dir, '.npmrc'), `registry=${registry}/\n`);
  return dir;
}

/** `localAddress`: npm connects from this address (npm's local-address setting), e.g. 127.0.0.2. */
export async function npmInstall(registry: string, deps: Record<string, string>, opts: { localAddress?: string } = {}): Promise<ClientRun> {
  const dir = await project(deps, registry);
  const env = npmEnv(registry, dir, opts.localAddress ? { npm_config_local_address: opts.localAddress } : {});
  const r = await execa('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, env, extendEnv: false, reject: false, all: true, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, output: String(r.all), dir };
}

export async function pnpmInstall(registry: string, deps: Record<string, string>): Promise<ClientRun> {
  const dir = await project(deps, registry);
  const env = npmEnv(registry, dir, {
    npm_config_store_dir: join(dir, 'pnpm-store'),
    npm_config_cache_dir: join(dir, 'pnpm-cache'),
    npm_config_state_dir: join(dir, 'pnpm-state'),
    // pnpm would otherwise hold back the versions the test has just published.
    npm_config_minimum_release_age: '0',
    CI: 'true',
  });
  const r = await execa(PNPM, ['install', '--ignore-scripts', '--reporter=append-only'], { cwd: dir, env, extendEnv: false, reject: false, all: true, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, output: String(r.all), dir };
}

export async function yarnInstall(registry: string, deps: Record<string, string>): Promise<ClientRun> {
  const dir = await project(deps, registry);
  const host = new URL(registry).hostname;
  await writeFile(
    join(dir, '.yarnrc.yml'),
    [`npmRegistryServer: "${registry}"`, 'unsafeHttpWhitelist:', `  - "${host}"`, 'nodeLinker: node-modules', 'enableGlobalCache: false', 'enableMirror: false', 'enableTelemetry: false', 'enableScripts: false', 'npmMinimalAgeGate: 0', ''].join('\n'),
  );
  await writeFile(join(dir, 'yarn.lock'), '');
  const env = { PATH: process.env.PATH ?? '', HOME: dir, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_CACHE_FOLDER: join(dir, 'yarn-cache'), YARN_ENABLE_PROGRESS_BARS: 'false' };
  const r = await execa(process.execPath, [YARN, 'install'], { cwd: dir, env, extendEnv: false, reject: false, all: true, timeout: 120_000 });
  return { exitCode: r.exitCode ?? -1, output: String(r.all), dir };
}
