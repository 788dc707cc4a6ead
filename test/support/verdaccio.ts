/**
 * A real npm registry for tests: verdaccio 6 as a child process on 127.0.0.1, with no uplinks (it never
 * reaches the internet), storage in a temp dir, one user and its token. Packages are published with the
 * real `npm publish`, so packuments carry what npm itself writes (integrity, time, hasInstallScript).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const VERDACCIO_BIN = fileURLToPath(new URL('../../node_modules/verdaccio/bin/verdaccio', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
const USER = 'sscs-test';
const PASSWORD = 'sscs-test-password';

export interface PackageSpec {
  name: string;
  version: string;
  /** Files of the package, path -> content; package.json is generated from the other fields. */
  files?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  /** Extra package.json fields (license, bin...). */
  manifest?: Record<string, unknown>;
  /** Dist-tag to publish under (npm needs one for a prerelease); default latest. */
  tag?: string;
}

export interface Verdaccio {
  url: string;
  port: number;
  /** Bearer token of the test user; publishing needs it, reading does not. */
  token: string;
  storageDir: string;
  publish(pkg: string | PackageSpec): Promise<void>;
  unpublish(name: string, version?: string): Promise<void>;
  /** Path of a version's tarball in storage, so a test can tamper with it after publishing. */
  tarballPath(name: string, version: string): string;
  /** Replaces the stored tarball of name@version with other bytes; the packument keeps the old integrity. */
  tamper(name: string, version: string, bytes?: Buffer): Promise<void>;
  /** Writes a packument straight into storage (for packuments too big to publish version by version). */
  seed(name: string, packument: Record<string, unknown>, tarballs?: Record<string, Buffer>): Promise<void>;
  /**
   * Seeds a package with many versions at once: real tarballs (package/package.json plus `padding` bytes of
   * readme per version in the packument, to make big packuments) and a packument with their integrity.
   */
  seedVersions(name: string, versions: string[], opts?: { readmeBytes?: number; publishedAt?: Date }): Promise<void>;
  /** Stops verdaccio and keeps its storage, so a test can take the upstream down... */
  stop(): Promise<void>;
  /** ...and bring it back on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Who may read packages: everyone, or (a private registry) only clients with the test user's token. */
export type ReadAccess = '$all' | '$authenticated';

function configYaml(storage: string, htpasswd: string, access: ReadAccess): string {
  return [
    `storage: ${JSON.stringify(storage)}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(htpasswd)}`,
    '    max_users: 100',
    'uplinks: {}',
    'packages:',
    "  '@*/*':",
    `    access: ${access}`,
    '    publish: $authenticated',
    '    unpublish: $authenticated',
    "  '**':",
    `    access: ${access}`,
    '    publish: $authenticated',
    '    unpublish: $authenticated',
    'middlewares:',
    '  audit:',
    '    enabled: false',
    'web:',
    '  enable: false',
    'max_body_size: 200mb',
    'log: { type: stdout, format: json, level: error }',
    '',
  ].join('\n');
}

async function waitForPing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}: ${output()}`);
    try {
      const r = await fetch(`${url}/-/ping`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`verdaccio did not start within ${START_TIMEOUT_MS} ms: ${output()}`);
}

async function createUser(url: string): Promise<string> {
  const r = await fetch(`${url}/-/user/org.couchdb.user:${USER}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: USER, password: PASSWORD, type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await r.json()) as { token?: string };
  if (!r.ok || !body.token) throw new Error(`verdaccio user creation failed: ${r.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** A clean environment for npm: nothing from the developer's or CI's npm config leaks in. */
export function npmEnv(registry: string, dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    npm_config_registry: `${registry}/`,
    npm_config_userconfig: join(dir, '.npmrc'),
    npm_config_globalconfig: join(dir, 'global-npmrc'),
    npm_config_cache: join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_loglevel: 'error',
    // A refused download fails the run at once instead of after minutes of retries.
    npm_config_fetch_retries: '0',
    ...extra,
  };
}

export async function startVerdaccio(opts: { storageDir?: string; access?: ReadAccess } = {}): Promise<Verdaccio> {
  const work = await mkdtemp(join(tmpdir(), 'sscs-verdaccio-'));
  const storageDir = opts.storageDir ?? join(work, 'storage');
  await mkdir(storageDir, { recursive: true });
  const configPath = join(work, 'config.yaml');
  const htpasswd = join(work, 'htpasswd');
  await writeFile(configPath, configYaml(storageDir, htpasswd, opts.access ?? '$all'));

  let child: ChildProcess | undefined;
  let port = 0;
  let url = '';
  const start = async (): Promise<void> => {
    let lastError: unknown;
    // The free port can be taken between probing and listening by a parallel test: try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      const p = port || (await freePort());
      let out = '';
      const c = spawn(process.execPath, [VERDACCIO_BIN, '--config', configPath, '--listen', `127.0.0.1:${p}`], {
        cwd: work,
        env: { PATH: process.env.PATH ?? '', HOME: work, NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      c.stdout?.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-4000)));
      c.stderr?.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-4000)));
      try {
        await waitForPing(`http://127.0.0.1:${p}`, c, () => out);
        child = c;
        port = p;
        url = `http://127.0.0.1:${p}`;
        return;
      } catch (e) {
        lastError = e;
        c.kill('SIGKILL');
      }
    }
    throw lastError;
  };
  await start();
  const token = await createUser(url);
  const npmDir = join(work, 'npm');
  await mkdir(npmDir, { recursive: true });
  await writeFile(join(npmDir, '.npmrc'), `//127.0.0.1:${port}/:_authToken=${token}\n`);

  const stopChild = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const storagePathOf = (name: string): string => join(storageDir, ...name.split('/'));
  const tarballPath = (name: string, version: string): string =>
    join(storagePathOf(name), `${name.split('/').pop()}-${version}.tgz`);

  const self: Verdaccio = {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    token,
    storageDir,
    async publish(pkg) {
      let dir: string;
      let tag: string | undefined;
      if (typeof pkg === 'string') {
        dir = pkg;
      } else {
        dir = await mkdtemp(join(work, 'pkg-'));
        const manifest = {
          name: pkg.name,
          version: pkg.version,
          license: 'MIT',
          ...(pkg.scripts ? { scripts: pkg.scripts } : {}),
          ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
          ...pkg.manifest,
        };
        await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
        for (const [path, content] of Object.entries(pkg.files ?? { 'index.js': `module.exports = ${JSON.stringify(`${pkg.name}@${pkg.version}`)};\n` })) {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), content);
        }
        tag = pkg.tag;
      }
      await execa('npm', ['publish', '--ignore-scripts', '--provenance=false', ...(tag ? ['--tag', tag] : [])], {
        cwd: dir,
        env: npmEnv(url, npmDir),
        extendEnv: false,
        timeout: 60_000,
      });
    },
    async unpublish(name, version) {
      await execa('npm', ['unpublish', version ? `${name}@${version}` : name, '--force'], {
        cwd: npmDir,
        env: npmEnv(url, npmDir),
        extendEnv: false,
        timeout: 60_000,
      });
    },
    tarballPath,
    async tamper(name, version, bytes) {
      const path = tarballPath(name, version);
      const original = await readFile(path);
      // Same length, other bytes: a proxy that only checked sizes would pass it.
      const evil = bytes ?? Buffer.from(original.map((b, i) => (i === original.length - 1 ? b ^ 0xff : b)));
      await writeFile(path, evil);
    },
    async seed(name, packument, tarballs = {}) {
      const dir = storagePathOf(name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify(packument));
      for (const [file, data] of Object.entries(tarballs)) await writeFile(join(dir, file), data);
    },
    async seedVersions(name, versions, opts = {}) {
      const base = name.split('/').pop()!;
      const when = (opts.publishedAt ?? new Date(Date.now() - 30 * 24 * 3600 * 1000)).toISOString();
      const doc: Record<string, any> = { name, versions: {}, time: { created: when, modified: when }, 'dist-tags': {}, _attachments: {}, _distfiles: {}, _uplinks: {}, _rev: '1-0' };
      const tarballs: Record<string, Buffer> = {};
      for (const version of versions) {
        const manifest = { name, version, license: 'MIT', description: 'x'.repeat(opts.readmeBytes ?? 0) };
        const tgz = await makeTarball({ 'package.json': JSON.stringify({ name, version, license: 'MIT' }) });
        const file = `${base}-${version}.tgz`;
        tarballs[file] = tgz;
        doc.versions[version] = {
          ...manifest,
          _id: `${name}@${version}`,
          dist: { integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`, shasum: createHash('sha1').update(tgz).digest('hex'), tarball: `${url}/${name}/-/${file}` },
        };
        doc.time[version] = when;
        doc._attachments[file] = { shasum: doc.versions[version].dist.shasum, version };
      }
      doc['dist-tags'].latest = versions[versions.length - 1];
      await self.seed(name, doc, tarballs);
    },
    async stop() {
      await stopChild();
    },
    restart: start,
    async close() {
      await stopChild();
      await rm(work, { recursive: true, force: true });
    },
  };
  return self;
}

/** Lists the files of a package's storage folder (for tests that inspect what verdaccio stored). */
export async function storedFiles(v: Verdaccio, name: string): Promise<string[]> {
  return await readdir(join(v.storageDir, ...name.split('/')));
}

/** A minimal npm tarball (ustar, gzipped) holding `files` under `package/`. */
export async function makeTarball(files: Record<string, string>): Promise<Buffer> {
  const blocks: Buffer[] = [];
  for (const [path, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(`package/${path}`, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
