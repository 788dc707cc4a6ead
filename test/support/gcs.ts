/**
 * A public Google Cloud Storage object served over HTTP as the osv.dev bucket serves `<ecosystem>/all.zip`
 * (GCS XML API, "GET Object" and its reference headers):
 *  - ETag is the quoted hex MD5 of a non-composite object; Last-Modified is the upload time (RFC 1123);
 *  - x-goog-hash: crc32c=<base64>,md5=<base64>; x-goog-generation; x-goog-stored-content-length;
 *  - If-None-Match matching the ETag answers 304 (and If-Modified-Since is then ignored, RFC 9110 13.2.2);
 *    If-Modified-Since at or after Last-Modified answers 304 too;
 *  - a public object carries Cache-Control: public, max-age=3600.
 * Tests may also make it misbehave: a 5xx, a body that does not match its x-goog-hash, a cut body, and
 * redirect a path elsewhere (302 with a Location, as a mirror or a load balancer would).
 */
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** CRC-32C (Castagnoli), the checksum GCS gives in x-goog-hash. */
const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32c(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface GcsObjectServer {
  url: string;
  /** Replaces the object: a new generation, ETag and Last-Modified. */
  put(body: Buffer, at?: Date): void;
  /** The next response's misbehaviour, once. */
  fault?: 'status-503' | 'wrong-hash' | 'cut';
  /** Request path (without query) → Location answered with 302. */
  redirects: Record<string, string>;
  requests: { headers: IncomingHttpHeaders; status: number; url: string }[];
  close(): Promise<void>;
}

export async function startGcsObjectServer(path: string): Promise<GcsObjectServer> {
  let body = Buffer.alloc(0);
  let generation = 0;
  let lastModified = new Date(0);
  let md5 = '';
  const srv: GcsObjectServer = {
    url: '',
    requests: [],
    redirects: {},
    put(next, at = new Date()) {
      body = next;
      generation = Date.now() * 1000 + (generation % 1000) + 1;
      // HTTP dates have whole seconds: a second upload within one second still gets a later date.
      lastModified = new Date(Math.max(Math.floor(at.getTime() / 1000) * 1000, lastModified.getTime() + 1000));
      md5 = createHash('md5').update(next).digest('hex');
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const location = srv.redirects[(req.url ?? '').split('?')[0]!];
    if (location !== undefined) {
      srv.requests.push({ headers: req.headers, status: 302, url: req.url ?? '' });
      res.writeHead(302, { location }).end();
      return;
    }
    const status = answer(req.headers, req.url ?? '');
    srv.requests.push({ headers: req.headers, status, url: req.url ?? '' });
    const fault = srv.fault;
    srv.fault = undefined;
    if (status === 404) {
      res.writeHead(404, { 'content-type': 'application/xml; charset=UTF-8' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    if (fault === 'status-503') {
      res.writeHead(503, { 'content-type': 'application/xml; charset=UTF-8' }).end('<Error><Code>ServiceUnavailable</Code></Error>');
      return;
    }
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32c(body));
    const md5b64 = Buffer.from(md5, 'hex').toString('base64');
    const headers = {
      etag: `"${md5}"`,
      'last-modified': lastModified.toUTCString(),
      'cache-control': 'public, max-age=3600',
      'x-goog-generation': String(generation),
      'x-goog-metageneration': '1',
      'x-goog-hash': `crc32c=${crc.toString('base64')},md5=${fault === 'wrong-hash' ? createHash('md5').update('other').digest('base64') : md5b64}`,
      'x-goog-stored-content-length': String(body.length),
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-storage-class': 'STANDARD',
    };
    if (status === 304) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/zip', 'content-length': String(body.length) });
    if (fault === 'cut') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      res.destroy();
      return;
    }
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  function answer(h: IncomingHttpHeaders, url: string): number {
    if (url.split('?')[0] !== path || generation === 0) return 404;
    const inm = h['if-none-match'];
    if (inm !== undefined) return inm.split(',').map((t) => t.trim()).some((t) => t === `"${md5}"` || t === '*') ? 304 : 200;
    const ims = h['if-modified-since'] ? Date.parse(h['if-modified-since']) : NaN;
    if (!Number.isNaN(ims) && lastModified.getTime() <= ims) return 304;
    return 200;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  srv.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return srv;
}
