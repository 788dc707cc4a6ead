/**
 * A registry-like upstream for tests: a real HTTP server on 127.0.0.1 that answers the way registry.npmjs.org
 * documents and behaves, where verdaccio is kinder. Sources: npm/registry `docs/responses/package-metadata.md`
 * (full and abbreviated forms), the `@npm/types` Packument/Manifest types, and what the public registry does
 * beyond the docs:
 *  - `Accept: application/vnd.npm.install-v1+json` gets the abbreviated form: top level `name`, `modified`,
 *    `dist-tags`, `versions` only (no `time`); each version keeps the install fields, `hasInstallScript` only
 *    when it is true, and no `scripts`, `license`, `repository`, `_npmUser` or `dist.attestations`;
 *  - the full form has `_id`, `_rev`, `time` (created, modified, one per version), hoisted fields, and per
 *    version `_npmUser`, `scripts`, `license`, `dist.attestations` (for versions published with provenance);
 *  - strong ETags and `304` on `If-None-Match`, `HEAD`, `404 {"error":"Not found"}`;
 *  - a scoped name in a path spelled `@scope%2fname`, `@scope%2Fname`, `%40scope%2fname` or `@scope/name`;
 *    tarballs at `/@scope/name/-/name-1.0.0.tgz`.
 * Knobs reproduce what proxies in front of it (CDNs) do: a Content-Encoding whatever was asked, other
 * spellings of scoped tarball URLs, and null or malformed version entries.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { makeTarball, type PackageSpec } from './verdaccio.ts';

export const ABBREVIATED = 'application/vnd.npm.install-v1+json';
/** Version fields the registry keeps in the abbreviated form (package-metadata.md, plus what it really sends). */
const ABBREVIATED_FIELDS = ['name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies', 'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'acceptDependencies', 'bin', 'directories', 'engines', 'os', 'cpu', 'libc', 'funding', '_hasShrinkwrap'];
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

export type Encoding = 'gzip' | 'br' | 'deflate';
export type ScopedSpelling = '/' | '%2f' | '%2F' | '%40';

export interface RegistryPackageSpec extends PackageSpec {
  /** Publish with a provenance attestation (`dist.attestations`), as `npm publish --provenance` does. */
  provenance?: boolean;
  /** The `_npmUser` who published it. */
  publisher?: string;
  deprecated?: string;
  publishedAt?: Date;
}

export interface RegistryOptions {
  /** Content-Encoding of every packument, whatever the request's Accept-Encoding said. */
  encoding?: Encoding;
  /** The same for tarballs (a CDN compressing what is already gzip). */
  encodeTarballs?: boolean;
  /** How a scoped name is spelled in the tarball URLs of packuments: `/` as registry.npmjs.org does, or encoded. */
  scopedTarballs?: ScopedSpelling;
}

export interface SeenRequest {
  method: string;
  path: string;
  accept: string;
  form?: 'full' | 'abbreviated';
  status: number;
}

export interface NpmRegistry {
  url: string;
  port: number;
  /** Mutable: a test may change how the registry answers between requests. */
  options: RegistryOptions;
  requests: SeenRequest[];
  publish(pkg: RegistryPackageSpec): Promise<void>;
  /** Replaces the tarball's bytes; the packument keeps the old integrity. */
  tamper(name: string, version: string, bytes?: Buffer): Promise<void>;
  /** Makes a version entry `value` (null, a string, an array...) in both forms of the packument. */
  corrupt(name: string, version: string, value: unknown): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

interface Stored {
  name: string;
  created: string;
  modified: string;
  rev: number;
  versions: Map<string, Record<string, any>>;
  time: Map<string, string>;
  tags: Record<string, string>;
  corrupt: Map<string, unknown>;
}

const baseName = (name: string) => name.split('/').pop()!;

function spellScoped(name: string, how: ScopedSpelling): string {
  if (!name.startsWith('@') || how === '/') return name;
  const [scope, bare] = name.slice(1).split('/') as [string, string];
  return how === '%40' ? `%40${scope}%2f${bare}` : `@${scope}${how}${bare}`;
}

function abbreviate(v: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const f of ABBREVIATED_FIELDS) if (v[f] !== undefined) out[f] = v[f];
  const { attestations: _a, ...dist } = v.dist ?? {};
  out.dist = dist;
  const scripts = v.scripts ?? {};
  if (INSTALL_SCRIPTS.some((s) => typeof scripts[s] === 'string') || v.gypfile === true) out.hasInstallScript = true;
  return out;
}

export async function startNpmRegistry(options: RegistryOptions = {}): Promise<NpmRegistry> {
  const packages = new Map<string, Stored>();
  const tarballs = new Map<string, Buffer>();
  const requests: SeenRequest[] = [];
  let port = 0;
  let server: Server | undefined;
  const url = () => `http://127.0.0.1:${port}`;

  // Tarball URLs depend on the port and on options.scopedTarballs, so they are written at serve time.
  const withUrl = (m: Record<string, any>): Record<string, any> => ({
    ...m,
    dist: { ...m.dist, tarball: `${url()}/${spellScoped(m.name, options.scopedTarballs ?? '/')}/-/${baseName(m.name)}-${m.version}.tgz` },
  });

  const documentOf = (p: Stored, form: 'full' | 'abbreviated'): Record<string, any> => {
    const versions: Record<string, unknown> = {};
    for (const [v, m] of p.versions) versions[v] = p.corrupt.has(v) ? p.corrupt.get(v) : form === 'full' ? withUrl(m) : abbreviate(withUrl(m));
    if (form === 'abbreviated') return { name: p.name, 'dist-tags': p.tags, versions, modified: p.modified };
    const latest = p.versions.get(p.tags.latest ?? '') ?? {};
    return {
      _id: p.name,
      _rev: `${p.rev}-${createHash('md5').update(`${p.name}${p.rev}`).digest('hex')}`,
      name: p.name,
      'dist-tags': p.tags,
      versions,
      time: { created: p.created, modified: p.modified, ...Object.fromEntries(p.time) },
      maintainers: latest.maintainers ?? [],
      ...(latest.description ? { description: latest.description } : {}),
      ...(latest.license ? { license: latest.license } : {}),
      ...(latest.repository ? { repository: latest.repository } : {}),
      readme: `# ${p.name}\n`,
      readmeFilename: 'README.md',
    };
  };

  const send = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest, status: number, headers: Record<string, string | number>, body: Buffer, encode: boolean): void => {
    seen.status = status;
    let out = body;
    const h: Record<string, string | number> = { ...headers };
    if (encode && options.encoding && status === 200) {
      out = options.encoding === 'gzip' ? gzipSync(body) : options.encoding === 'br' ? brotliCompressSync(body) : deflateSync(body);
      h['content-encoding'] = options.encoding;
    }
    h['content-length'] = out.length;
    res.writeHead(status, h);
    res.end(req.method === 'HEAD' ? undefined : out);
  };

  const notFound = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) =>
    send(req, res, seen, 404, { 'content-type': 'application/json' }, Buffer.from('{"error":"Not found"}'), false);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const raw = (req.url ?? '/').split('?')[0]!;
    const accept = String(req.headers.accept ?? '');
    const seen: SeenRequest = { method: req.method ?? 'GET', path: raw, accept, status: 0 };
    requests.push(seen);
    if (req.method !== 'GET' && req.method !== 'HEAD') return void send(req, res, seen, 405, { 'content-type': 'application/json' }, Buffer.from('{"error":"Method not allowed"}'), false);
    if (raw === '/-/ping') return void send(req, res, seen, 200, { 'content-type': 'application/json' }, Buffer.from('{}'), false);
    let path: string;
    try {
      path = decodeURIComponent(raw.slice(1));
    } catch {
      return notFound(req, res, seen);
    }
    const tar = /^((?:@[^/]+\/)?[^/@][^/]*)\/-\/(?:@[^/]+\/)?([^/]+\.tgz)$/.exec(path);
    if (tar) {
      const bytes = tarballs.get(`${tar[1]}/-/${tar[2]}`);
      if (!bytes) return notFound(req, res, seen);
      return void send(req, res, seen, 200, { 'content-type': 'application/octet-stream', etag: `"${createHash('sha1').update(bytes).digest('hex')}"` }, bytes, options.encodeTarballs === true);
    }
    const parts = /^((?:@[^/]+\/)?[^/@][^/]*)(?:\/([^/]+))?$/.exec(path);
    const p = parts ? packages.get(parts[1]!) : undefined;
    if (!parts || !p) return notFound(req, res, seen);
    let doc: unknown;
    let type = 'application/json';
    if (parts[2] !== undefined) {
      const v = p.versions.get(p.tags[parts[2]] ?? parts[2]);
      if (!v) return notFound(req, res, seen);
      doc = withUrl(v);
    } else {
      seen.form = accept.includes(ABBREVIATED) ? 'abbreviated' : 'full';
      doc = documentOf(p, seen.form);
      if (seen.form === 'abbreviated') type = ABBREVIATED;
    }
    const body = Buffer.from(JSON.stringify(doc));
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    const headers = { 'content-type': type, etag, 'last-modified': new Date(p.modified).toUTCString(), 'cache-control': 'public, max-age=300', vary: 'accept-encoding, accept' };
    const inm = String(req.headers['if-none-match'] ?? '');
    if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      seen.status = 304;
      res.writeHead(304, headers);
      return void res.end();
    }
    send(req, res, seen, 200, headers, body, true);
  };

  const listen = async (): Promise<void> => {
    const s = createServer({ keepAlive: true }, handle);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((r) => s.close(() => r()));
    s.closeAllConnections();
    await closed;
  };
  await listen();

  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    options,
    requests,
    async publish(spec) {
      const { name, version } = spec;
      const at = (spec.publishedAt ?? new Date()).toISOString();
      const p = packages.get(name) ?? { name, created: at, modified: at, rev: 0, versions: new Map(), time: new Map(), tags: {}, corrupt: new Map() };
      packages.set(name, p);
      const pkgJson: Record<string, any> = { name, version, license: 'MIT', ...(spec.scripts ? { scripts: spec.scripts } : {}), ...(spec.dependencies ? { dependencies: spec.dependencies } : {}), ...spec.manifest };
      // As npm's manifest normalisation does: a binding.gyp package gets an implicit install script.
      if (pkgJson.gypfile === true && !pkgJson.scripts?.install && !pkgJson.scripts?.preinstall) pkgJson.scripts = { ...pkgJson.scripts, install: 'node-gyp rebuild' };
      const files = { 'package.json': JSON.stringify(pkgJson, null, 2), ...(spec.files ?? { 'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n` }) };
      const tgz = await makeTarball(files);
      const file = `${baseName(name)}-${version}.tgz`;
      tarballs.set(`${name}/-/${file}`, tgz);
      const publisher = spec.publisher ?? 'sscs-test';
      p.versions.set(version, {
        ...pkgJson,
        ...(spec.deprecated ? { deprecated: spec.deprecated } : {}),
        _id: `${name}@${version}`,
        _nodeVersion: '22.22.0',
        _npmVersion: '10.9.4',
        _npmUser: { name: publisher, email: `${publisher}@example.test` },
        maintainers: [{ name: publisher, email: `${publisher}@example.test` }],
        directories: {},
        _hasShrinkwrap: false,
        gitHead: createHash('sha1').update(file).digest('hex'),
        repository: { type: 'git', url: `git+https://example.test/${name}.git` },
        dist: {
          integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
          shasum: createHash('sha1').update(tgz).digest('hex'),
          // Filled in when the packument is served: the URL depends on the port and the spelling knob.
          tarball: '',
          fileCount: Object.keys(files).length,
          unpackedSize: Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0),
          signatures: [{ keyid: 'SHA256:sscs-test-key', sig: 'MEUCIQ-not-a-real-signature' }],
          ...(spec.provenance ? { attestations: { url: `https://registry.npmjs.org/-/npm/v1/attestations/${name}@${version}`, provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } } : {}),
        },
      });
      p.time.set(version, at);
      p.modified = at;
      p.rev++;
      p.tags[spec.tag ?? 'latest'] = version;
    },
    async tamper(name, version, bytes) {
      const key = `${name}/-/${baseName(name)}-${version}.tgz`;
      const original = tarballs.get(key);
      if (!original) throw new Error(`no tarball ${key}`);
      tarballs.set(key, bytes ?? Buffer.from(original.map((b, i) => (i === original.length - 1 ? b ^ 0xff : b))));
    },
    corrupt(name, version, value) {
      const p = packages.get(name);
      if (!p) throw new Error(`no package ${name}`);
      p.corrupt.set(version, value);
      p.modified = new Date().toISOString();
      p.rev++;
    },
    stop,
    restart: listen,
    close: stop,
  };
}
