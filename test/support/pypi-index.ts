/**
 * A PyPI-like upstream for tests: two real HTTP servers on 127.0.0.1, an index (as pypi.org) and a file host
 * (as files.pythonhosted.org), over distributions built here (pypi-dist.ts). What it reproduces, from
 * warehouse's own code (warehouse/api/simple.py, packaging/utils.py `_simple_detail`, templates/api/simple/
 * detail.html) and the simple repository API spec (PEP 503, 592, 629, 658/714, 691, 700, 740):
 *  - `/simple/<project>/` chosen by `Accept` among `text/html`, `application/vnd.pypi.simple.v1+html` and
 *    `application/vnd.pypi.simple.v1+json` by q-value, offer order breaking ties; none acceptable or no Accept
 *    gets HTML; `Vary: Accept`;
 *  - a project asked by a name that is not its normalised one answers 301 to the normalised URL (and a path
 *    without the trailing slash 301 to the one with it);
 *  - the JSON form: `meta.api-version` 1.1, `name`, `versions`, `files` with `url`, `hashes.sha256`,
 *    `requires-python`, `size`, `upload-time` (PEP 700), `yanked` (false, true or the reason, PEP 592),
 *    `core-metadata` and `data-dist-info-metadata` (`{sha256}` or false, PEP 714), `provenance` (URL or null,
 *    PEP 740); the HTML form the same as anchors with `#sha256=` and `data-*` attributes;
 *  - file URLs on the other origin, `/packages/<2>/<2>/<rest>/<filename>`, and `<file>.metadata` beside each
 *    wheel (warehouse extracts core metadata from wheels only; an sdist's `core-metadata` is false);
 *  - the JSON API `/pypi/<project>/json` (info of the newest release, `releases`, `urls`) and
 *    `/pypi/<project>/<version>/json` (that release's `info` and `urls`), `license_expression` included;
 *  - strong ETags with 304 on If-None-Match.
 * Knobs: tamper with a file's bytes or its core metadata (the index keeps the old sha256), offer core metadata
 * the way warehouse did before PEP 714, without a hash or not at all, answer in HTML only (an index without
 * PEP 691, as many mirrors are), and stop/restart.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSdist, buildWheel, normalise, type BuiltFile, type PyProjectSpec } from './pypi-dist.ts';

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';
const OFFERS = ['text/html', SIMPLE_HTML, SIMPLE_JSON] as const;

export interface PyReleaseSpec extends PyProjectSpec {
  /** Which distributions the release has; default a wheel and an sdist. */
  kinds?: ('wheel' | 'sdist')[];
  uploadedAt?: Date;
  /** PEP 592: true, or the reason. */
  yanked?: boolean | string;
  /** PEP 740: the files have a provenance object. */
  provenance?: boolean;
}

export interface IndexOptions {
  /** Answer HTML whatever the Accept header says (an index without PEP 691). */
  htmlOnly?: boolean;
  /** Files on the index's own origin under this path (e.g. Nexus's `/repository/pypi/packages/`), not on the file host. */
  filesOnIndex?: string;
  /**
   * How core metadata (PEP 658/714) is offered: `pypi` (default) as warehouse does today, `data-core-metadata` and
   * `data-dist-info-metadata` in HTML, `core-metadata` and `data-dist-info-metadata` in JSON, each `sha256=<hex>` /
   * `{sha256}`; `pep658` as warehouse did before PEP 714, `data-dist-info-metadata` only in both forms; `unhashed`
   * offered without a hash (`"true"` / `true`, as PEP 658 allows); `none` not offered.
   */
  metadata?: 'pypi' | 'pep658' | 'unhashed' | 'none';
}

export interface SeenPypiRequest {
  host: 'index' | 'files';
  method: string;
  path: string;
  accept: string;
  status: number;
}

interface StoredFile extends BuiltFile {
  project: string;
  version: string;
  sha256: string;
  uploadedAt: Date;
  spec: PyReleaseSpec;
  /** Bytes served instead (tampered), the index keeping `sha256`. */
  served?: Buffer;
  /** Core metadata served instead (tampered), the index keeping the sha256 of `metadata`. */
  servedMetadata?: Buffer;
}

export interface PypiIndex {
  /** Index origin, e.g. http://127.0.0.1:PORT */
  url: string;
  /** `${url}/simple/` */
  simpleUrl: string;
  /** File host origin. */
  filesUrl: string;
  options: IndexOptions;
  requests: SeenPypiRequest[];
  publish(spec: PyReleaseSpec): BuiltFile[];
  /** Replaces a file's bytes (default: the same length, one byte flipped in the middle); the index keeps the old sha256. */
  tamper(filename: string, bytes?: Buffer): void;
  /** Replaces a file's core metadata (`<file>.metadata`); the index keeps listing the old sha256. */
  tamperMetadata(filename: string, bytes: Buffer): void;
  /** A published file: its bytes, their sha256 and its core metadata (the `.metadata` file) as published. */
  file(filename: string): { bytes: Buffer; sha256: string; metadata: Buffer } | undefined;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** webob's acceptable_offers as warehouse uses it: highest q first, offer order breaking ties; none -> HTML. */
export function negotiate(accept: string | undefined): (typeof OFFERS)[number] {
  if (!accept) return 'text/html';
  const ranges = accept.split(',').map((part) => {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim());
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)).find(Boolean);
    return { type: (type ?? '').toLowerCase(), q: q ? Number(q[1]) : 1 };
  });
  const scored = OFFERS.map((offer, i) => {
    const [major] = offer.split('/');
    const match = ranges.filter((r) => r.type === offer || r.type === `${major}/*` || r.type === '*/*').sort((a, b) => b.type.length - a.type.length)[0];
    return { offer, i, q: match?.q ?? 0 };
  }).filter((s) => s.q > 0);
  scored.sort((a, b) => b.q - a.q || a.i - b.i);
  return scored[0]?.offer ?? 'text/html';
}

export async function startPypiIndex(options: IndexOptions = {}): Promise<PypiIndex> {
  const files = new Map<string, StoredFile>();
  const requests: SeenPypiRequest[] = [];
  let indexServer: Server | undefined;
  let filesServer: Server | undefined;
  let indexPort = 0;
  let filesPort = 0;
  const indexUrl = () => `http://127.0.0.1:${indexPort}`;
  const filesUrl = () => `http://127.0.0.1:${filesPort}`;
  const fileUrl = (f: StoredFile) => `${options.filesOnIndex ? `${indexUrl()}${options.filesOnIndex.replace(/\/$/, '')}` : filesUrl()}/packages/${f.sha256.slice(0, 2)}/${f.sha256.slice(2, 4)}/${f.sha256.slice(4)}/${f.filename}`;
  const projectFiles = (project: string) => [...files.values()].filter((f) => f.project === project).sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true }) || a.filename.localeCompare(b.filename));
  const projectNames = new Set<string>();
  const projects = () => [...projectNames].sort();
  const yankedOf = (f: StoredFile): boolean | string => (f.spec.yanked === undefined ? false : f.spec.yanked);
  const provenanceUrl = (f: StoredFile) => `${indexUrl()}/integrity/${f.project}/${f.version}/${f.filename}/provenance`;

  const offer = options.metadata ?? 'pypi';
  const metadataJson = (f: StoredFile): Record<string, unknown> => {
    const v = offer === 'unhashed' ? true : { sha256: sha256(f.metadata) };
    // Warehouse extracts METADATA from wheels only (`metadata_file_sha256_digest` is set at a wheel's upload).
    if (offer === 'none' || f.kind !== 'wheel') return { 'core-metadata': false, 'data-dist-info-metadata': false };
    return offer === 'pep658' ? { 'data-dist-info-metadata': v } : { 'data-dist-info-metadata': v, 'core-metadata': v };
  };
  const metadataAttrs = (f: StoredFile): string[] => {
    const v = offer === 'unhashed' ? 'true' : `sha256=${sha256(f.metadata)}`;
    if (offer === 'none' || f.kind !== 'wheel') return [];
    return offer === 'pep658' ? [`data-dist-info-metadata="${v}"`] : [`data-dist-info-metadata="${v}"`, `data-core-metadata="${v}"`];
  };

  const simpleJson = (project: string) => {
    const list = projectFiles(project);
    return {
      meta: { 'api-version': '1.1', '_last-serial': list.length },
      name: project,
      versions: [...new Set(list.map((f) => f.version))],
      files: list.map((f) => ({
        filename: f.filename,
        url: fileUrl(f),
        hashes: { sha256: f.sha256 },
        'requires-python': f.spec.requiresPython ?? null,
        size: f.bytes.length,
        'upload-time': f.uploadedAt.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
        yanked: yankedOf(f),
        ...metadataJson(f),
        provenance: f.spec.provenance ? provenanceUrl(f) : null,
      })),
    };
  };

  const simpleHtml = (project: string) => {
    const anchors = projectFiles(project).map((f) => {
      const attrs = [`href="${escapeHtml(`${fileUrl(f)}#sha256=${f.sha256}`)}"`];
      if (f.spec.requiresPython) attrs.push(`data-requires-python="${escapeHtml(f.spec.requiresPython)}"`);
      const y = yankedOf(f);
      if (y !== false) attrs.push(`data-yanked="${y === true ? '' : escapeHtml(y)}"`);
      attrs.push(...metadataAttrs(f));
      if (f.spec.provenance) attrs.push(`data-provenance="${escapeHtml(provenanceUrl(f))}"`);
      return `    <a ${attrs.join(' ')}>${escapeHtml(f.filename)}</a><br />`;
    });
    return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${project}</title>\n  </head>\n  <body>\n    <h1>Links for ${project}</h1>\n${anchors.join('\n')}\n  </body>\n</html>\n<!--SERIAL ${files.size}-->\n`;
  };

  const jsonFile = (f: StoredFile) => {
    const y = yankedOf(f);
    return {
      filename: f.filename,
      packagetype: f.kind === 'wheel' ? 'bdist_wheel' : 'sdist',
      python_version: f.kind === 'wheel' ? 'py3' : 'source',
      digests: { sha256: f.sha256, md5: createHash('md5').update(f.bytes).digest('hex') },
      size: f.bytes.length,
      upload_time: f.uploadedAt.toISOString().slice(0, 19),
      upload_time_iso_8601: f.uploadedAt.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      url: fileUrl(f),
      requires_python: f.spec.requiresPython ?? null,
      yanked: y !== false,
      yanked_reason: typeof y === 'string' ? y : null,
    };
  };

  const info = (f: StoredFile) => ({
    name: f.spec.name,
    version: f.version,
    license: f.spec.license ?? null,
    license_expression: f.spec.licenseExpression ?? null,
    classifiers: f.spec.classifiers ?? [],
    requires_python: f.spec.requiresPython ?? null,
    requires_dist: f.spec.requiresDist ?? null,
    yanked: yankedOf(f) !== false,
    yanked_reason: typeof yankedOf(f) === 'string' ? yankedOf(f) : null,
  });

  // Rendered pages and ETags are kept until the next publish or tamper, so the index answers as a static server
  // would (the benchmark measures the firewall against it).
  const pages = new Map<string, { json: Buffer; html: Buffer }>();
  const etags = new WeakMap<Buffer, string>();
  const pageOf = (project: string) => {
    let p = pages.get(project);
    if (!p) pages.set(project, (p = { json: Buffer.from(JSON.stringify(simpleJson(project))), html: Buffer.from(simpleHtml(project)) }));
    return p;
  };
  const send = (req: IncomingMessage, res: ServerResponse, seen: SeenPypiRequest, status: number, headers: Record<string, string | number>, body?: Buffer | string): void => {
    seen.status = status;
    const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (b && status === 200) {
      let etag = etags.get(b);
      if (!etag) etags.set(b, (etag = `"${createHash('sha256').update(b).digest('hex').slice(0, 32)}"`));
      if (req.headers['if-none-match'] === etag) {
        seen.status = 304;
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      headers = { ...headers, etag };
    }
    res.writeHead(status, { ...headers, ...(b ? { 'content-length': b.length } : {}) });
    res.end(req.method === 'HEAD' ? undefined : b);
  };

  const notFound = (req: IncomingMessage, res: ServerResponse, seen: SeenPypiRequest) => send(req, res, seen, 404, { 'content-type': 'text/plain' }, '404 Not Found');

  const onIndex = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const seen: SeenPypiRequest = { host: 'index', method: req.method ?? 'GET', path, accept: String(req.headers.accept ?? ''), status: 0 };
    requests.push(seen);
    const type = options.htmlOnly ? 'text/html' : negotiate(req.headers.accept);
    const typed = (json: unknown, html: string | Buffer) =>
      type === SIMPLE_JSON
        ? send(req, res, seen, 200, { 'content-type': SIMPLE_JSON, vary: 'Accept' }, Buffer.isBuffer(json) ? json : JSON.stringify(json))
        : send(req, res, seen, 200, { 'content-type': `${type}; charset=utf-8`, vary: 'Accept' }, html);
    if (path === '/simple/') {
      const list = projects();
      return typed({ meta: { 'api-version': '1.1', '_last-serial': files.size }, projects: list.map((name) => ({ name })) }, `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1"><title>Simple index</title></head><body>\n${list.map((p) => `<a href="/simple/${p}/">${p}</a>`).join('\n')}\n</body></html>\n`);
    }
    const simple = /^\/simple\/([^/]+)(\/?)$/.exec(path);
    if (simple) {
      const [, asked, slash] = simple as unknown as [string, string, string];
      const project = normalise(decodeURIComponent(asked));
      if (!projectNames.has(project)) return notFound(req, res, seen);
      if (asked !== project || !slash) return send(req, res, seen, 301, { location: `/simple/${project}/`, 'content-type': 'text/plain' }, '');
      const page = pageOf(project);
      return typed(page.json, page.html);
    }
    const api = /^\/pypi\/([^/]+)\/(?:([^/]+)\/)?json\/?$/.exec(path);
    if (api) {
      const [, asked, version] = api as unknown as [string, string, string | undefined];
      const project = normalise(decodeURIComponent(asked));
      const list = projectFiles(project);
      if (!list.length) return send(req, res, seen, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
      if (version !== undefined) {
        const of = list.filter((f) => f.version === version);
        if (!of.length) return send(req, res, seen, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
        return send(req, res, seen, 200, { 'content-type': 'application/json' }, JSON.stringify({ info: info(of[0]!), last_serial: files.size, urls: of.map(jsonFile), vulnerabilities: [] }));
      }
      const newest = list.filter((f) => f.spec.yanked === undefined || f.spec.yanked === false).at(-1) ?? list.at(-1)!;
      const releases: Record<string, unknown[]> = {};
      for (const f of list) (releases[f.version] ??= []).push(jsonFile(f));
      return send(req, res, seen, 200, { 'content-type': 'application/json' }, JSON.stringify({ info: info(newest), last_serial: files.size, releases, urls: list.filter((f) => f.version === newest.version).map(jsonFile), vulnerabilities: [] }));
    }
    if (options.filesOnIndex && path.startsWith(options.filesOnIndex)) return serveFile(req, res, seen, `/${path.slice(options.filesOnIndex.length).replace(/^\//, '')}`);
    const prov = /^\/integrity\/([^/]+)\/([^/]+)\/([^/]+)\/provenance$/.exec(path);
    if (prov) {
      const f = files.get(prov[3]!);
      if (!f?.spec.provenance) return notFound(req, res, seen);
      // PEP 740's provenance object; the bundles are not real Sigstore bundles (nothing here verifies them).
      return send(req, res, seen, 200, { 'content-type': 'application/vnd.pypi.integrity.v1+json' }, JSON.stringify({ version: 1, attestation_bundles: [{ publisher: { kind: 'GitLab', repository: `group/${f.project}`, environment: '' }, attestations: [] }] }));
    }
    return notFound(req, res, seen);
  };

  const onFiles = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const seen: SeenPypiRequest = { host: 'files', method: req.method ?? 'GET', path, accept: String(req.headers.accept ?? ''), status: 0 };
    requests.push(seen);
    serveFile(req, res, seen, path);
  };

  const serveFile = (req: IncomingMessage, res: ServerResponse, seen: SeenPypiRequest, path: string): void => {
    const m = /^\/packages\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]+)\/([^/]+)$/.exec(path);
    if (!m) return notFound(req, res, seen);
    const metadata = m[4]!.endsWith('.metadata');
    const f = files.get(metadata ? m[4]!.slice(0, -'.metadata'.length) : m[4]!);
    if (!f || `${m[1]}${m[2]}${m[3]}` !== f.sha256 || (metadata && (f.kind !== 'wheel' || offer === 'none'))) return notFound(req, res, seen);
    if (metadata) return send(req, res, seen, 200, { 'content-type': 'application/octet-stream' }, f.servedMetadata ?? f.metadata);
    return send(req, res, seen, 200, { 'content-type': 'application/octet-stream' }, f.served ?? f.bytes);
  };

  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void, port: number): Promise<[Server, number]> => {
    const s = createServer(handler);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    return [s, (s.address() as AddressInfo).port];
  };
  const start = async () => {
    [indexServer, indexPort] = await listen(onIndex, indexPort);
    [filesServer, filesPort] = await listen(onFiles, filesPort);
  };
  const stop = async () => {
    for (const s of [indexServer, filesServer]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    indexServer = filesServer = undefined;
  };
  await start();

  return {
    get url() {
      return indexUrl();
    },
    get simpleUrl() {
      return `${indexUrl()}/simple/`;
    },
    get filesUrl() {
      return filesUrl();
    },
    options,
    requests,
    publish(spec) {
      const kinds = spec.kinds ?? ['wheel', 'sdist'];
      const built = kinds.map((k) => (k === 'wheel' ? buildWheel(spec) : buildSdist(spec)));
      pages.clear();
      projectNames.add(normalise(spec.name));
      for (const b of built) {
        files.set(b.filename, { ...b, project: normalise(spec.name), version: spec.version, sha256: sha256(b.bytes), uploadedAt: spec.uploadedAt ?? new Date(), spec });
      }
      return built;
    },
    tamper(filename, bytes) {
      const f = files.get(filename);
      if (!f) throw new Error(`no file ${filename}`);
      const b = Buffer.from(f.bytes);
      b[b.length >> 1] ^= 0xff;
      f.served = bytes ?? b;
      pages.clear();
    },
    tamperMetadata(filename, bytes) {
      const f = files.get(filename);
      if (!f) throw new Error(`no file ${filename}`);
      f.servedMetadata = bytes;
    },
    file(filename) {
      const f = files.get(filename);
      return f ? { bytes: f.bytes, sha256: f.sha256, metadata: f.metadata } : undefined;
    },
    stop,
    restart: start,
    close: stop,
  };
}
