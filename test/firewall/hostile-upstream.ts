/**
 * A registry-like upstream on 127.0.0.1 that a test can turn hostile: it serves packuments (with an ETag and
 * 304 revalidation, as registry.npmjs.org and verdaccio do) and tarballs from memory, and lets the test choose
 * how a tarball's bytes are delivered (chunked, split, tampered, never finished) and republish a version.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileVersion {
  tarball: Buffer;
  /** `dist.integrity` as listed; default sha512 of the tarball. `null` leaves it out. */
  integrity?: string | null;
  /** `dist.shasum` as listed; default sha1 of the tarball. `null` leaves it out. */
  shasum?: string | null;
  /** Bytes actually sent for the tarball, when they differ from what the integrity names (a tampered upstream). */
  sent?: Buffer;
  publishedAt?: Date;
  /** Extra manifest fields (scripts, hasInstallScript...). */
  manifest?: Record<string, unknown>;
}

/** How a tarball body is written; the default sends it whole with a content-length. */
export type Delivery = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface HostileUpstream {
  url: string;
  /** name -> version -> what is published; change it at any time (a republish). */
  packages: Map<string, Map<string, HostileVersion>>;
  delivery: Delivery;
  /** Holds each packument body this long after its headers (so that requests overlap). */
  packumentBodyDelayMs: number;
  /** Requests seen, as `METHOD path status`. */
  requests: string[];
  publish(name: string, version: string, v: HostileVersion): void;
  close(): Promise<void>;
}

export const sri = (algorithm: 'sha512' | 'sha384' | 'sha256' | 'sha1', bytes: Buffer): string => `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
export const sha1hex = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

export const wholeBody: Delivery = (_req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
};

/** Chunked (no content-length), the last `tail` bytes written alone after a pause: they arrive in their own read. */
export const lastChunkAlone = (tail = 16, pauseMs = 30): Delivery => (_req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  res.write(body.subarray(0, body.length - tail));
  setTimeout(() => res.end(body.subarray(body.length - tail)), pauseMs);
};

/** Chunked, in pieces of `size` bytes a few ms apart. */
export const chunked = (size = 16 * 1024, pauseMs = 1): Delivery => (_req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i >= body.length) return void res.end();
    res.write(body.subarray(i, (i += size)));
    setTimeout(next, pauseMs);
  };
  next();
};

function packument(base: string, name: string, versions: Map<string, HostileVersion>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const time: Record<string, string> = {};
  const file = name.split('/').pop();
  for (const [version, v] of versions) {
    const dist: Record<string, unknown> = { tarball: `${base}/${name}/-/${file}-${version}.tgz` };
    if (v.integrity !== null) dist.integrity = v.integrity ?? sri('sha512', v.tarball);
    if (v.shasum !== null) dist.shasum = v.shasum ?? sha1hex(v.tarball);
    out[version] = { name, version, ...v.manifest, dist };
    time[version] = (v.publishedAt ?? new Date(Date.UTC(2020, 0, 1))).toISOString();
  }
  const latest = [...versions.keys()].pop();
  return { name, 'dist-tags': latest ? { latest } : {}, versions: out, time };
}

export async function startHostileUpstream(): Promise<HostileUpstream> {
  let base = '';
  const up: HostileUpstream = {
    url: '',
    packages: new Map(),
    delivery: wholeBody,
    packumentBodyDelayMs: 0,
    requests: [],
    publish(name, version, v) {
      let versions = up.packages.get(name);
      if (!versions) up.packages.set(name, (versions = new Map()));
      versions.set(version, v);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const log = (status: number): void => void up.requests.push(`${req.method} ${path} ${status}`);
    const tar = /^\/(.+?)\/-\/(?:@[^/]+\/)?[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (tar) {
      const v = up.packages.get(tar[1]!)?.get(tar[2]!);
      if (!v) return void (log(404), res.writeHead(404).end());
      log(200);
      return void up.delivery(req, res, v.sent ?? v.tarball);
    }
    const versions = up.packages.get(path.slice(1));
    if (!versions) return void (log(404), res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'));
    const body = Buffer.from(JSON.stringify(packument(base, path.slice(1), versions)));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) return void (log(304), res.writeHead(304, { etag }).end());
    log(200);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, etag });
    if (!up.packumentBodyDelayMs) return void res.end(body);
    res.flushHeaders();
    setTimeout(() => res.end(body), up.packumentBodyDelayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.url = base;
  return up;
}

/** Chunked (no content-length), the whole body in one write: it arrives in reads as fast as the socket gives them. */
export const chunkedAtOnce: Delivery = (_req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  res.end(body);
};
