import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

/** A request as the test registry saw it. */
export interface SeenRequest {
  url: string;
  authorization?: string;
  ifNoneMatch?: string;
  status: number;
}

/**
 * A small npm-style registry on 127.0.0.1 (port 0) serving packuments with strong ETags, answering 304 to
 * a matching If-None-Match, and recording every request so tests can count on the server side.
 */
export interface TestRegistry {
  url: string;
  requests: SeenRequest[];
  packuments: Map<string, object>;
  /** Raw files served at their exact path (tarballs), e.g. `/pkg/-/pkg-1.0.0.tgz`. */
  files: Map<string, Buffer>;
  /** Milliseconds to wait before answering (for timeout tests). */
  delayMs: number;
  /** Paths answered with a 302 to another URL. */
  redirects: Map<string, string>;
  /** Most requests the server was answering at once. */
  maxInFlight: number;
  /** Only answer requests carrying this Authorization header (401 otherwise), when set. */
  requireAuth?: string;
  close(): Promise<void>;
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const reg: Omit<TestRegistry, 'url' | 'close'> = { requests: [], packuments: new Map(), files: new Map(), redirects: new Map(), delayMs: 0, maxInFlight: 0 };
  let inFlight = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    const seen: SeenRequest = { url: req.url ?? '', status: 0, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}) };
    reg.requests.push(seen);
    reg.maxInFlight = Math.max(reg.maxInFlight, ++inFlight);
    res.on('close', () => inFlight--);
    const answer = () => {
      if (reg.requireAuth && req.headers.authorization !== reg.requireAuth) {
        seen.status = 401;
        res.writeHead(401).end('{"error":"unauthorized"}');
        return;
      }
      const to = reg.redirects.get(req.url ?? '');
      if (to) {
        seen.status = 302;
        res.writeHead(302, { location: to }).end();
        return;
      }
      const file = reg.files.get(req.url ?? '');
      if (file) {
        seen.status = 200;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
        return;
      }
      const doc = reg.packuments.get(name);
      if (!doc) {
        seen.status = 404;
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const body = JSON.stringify(doc);
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        seen.status = 304;
        res.writeHead(304, { etag }).end();
        return;
      }
      seen.status = 200;
      res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
    };
    if (reg.delayMs) setTimeout(answer, reg.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(reg, {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A packument in the registry's full JSON shape. */
export function packument(name: string, versions: Record<string, { published: string; scripts?: Record<string, string>; license?: string; deprecated?: string; attestations?: boolean }>): object {
  return {
    name,
    'dist-tags': { latest: Object.keys(versions).at(-1) },
    time: Object.fromEntries(Object.entries(versions).map(([v, x]) => [v, x.published])),
    versions: Object.fromEntries(
      Object.entries(versions).map(([v, x]) => [
        v,
        {
          name,
          version: v,
          ...(x.license ? { license: x.license } : {}),
          ...(x.scripts ? { scripts: x.scripts } : {}),
          ...(x.deprecated ? { deprecated: x.deprecated } : {}),
          dist: { tarball: `http://example.invalid/${name}/-/${v}.tgz`, ...(x.attestations ? { attestations: { url: 'x', provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } } : {}) },
        },
      ]),
    ),
  };
}
