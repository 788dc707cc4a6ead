/**
 * The one upstream registry the firewall may reach. Every call has a timeout; every URL is the configured
 * base plus a path built by the firewall, and a URL taken from a packument is followed only when it has the
 * upstream's own origin and base path.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { contentCoding, decodeBody } from './content-encoding.js';

/** The credential identity of a request that carries no Authorization and meets no upstream token. */
export const ANONYMOUS = 'anonymous';

/** Request headers passed to the upstream; everything else from the client (cookies, Host) stays here. */
const FORWARDED_HEADERS = ['authorization', 'accept', 'if-none-match', 'npm-command', 'npm-session', 'user-agent', 'content-type', 'content-encoding'] as const;

export interface UpstreamResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

export interface UpstreamOptions {
  /** e.g. `https://registry.npmjs.org/` or `https://gitlab.example/api/v4/projects/1/packages/npm/` */
  url: string;
  timeoutMs: number;
  /**
   * Deadline of a whole response, body included: the idle timeout alone is reset by every byte, so an
   * upstream trickling a byte at a time would otherwise hold a request (and its socket) forever.
   */
  deadlineMs: number;
  /** Used when the client sends no Authorization of its own (a CI proxy reading a private registry). */
  token?: string;
  /**
   * Whether a client's own Authorization is passed on (default true). A scope's upstream gets only its own
   * token: the client's header was meant for the firewall, and must not travel to another registry's host.
   */
  forwardClientAuth?: boolean;
}

/**
 * GitLab's group and instance npm endpoints (`.../api/v4/groups/<id>/-/packages/npm/`, `.../api/v4/packages/npm/`)
 * answer packuments whose tarballs sit at the project endpoint, outside that base path:
 * `.../api/v4/projects/<id>/packages/npm/<name>/-/<file>` (GitLab's NpmPackagePresenter#tarball_url).
 */
const GITLAB_NPM_BASE = /^(.*\/api\/v4\/)(?:groups\/[^/]+\/-\/packages\/npm\/|packages\/npm\/)$/;
/** Project-endpoint tarball locations remembered, so a tarball request finds where its packument put it. */
const MAX_PROJECT_TARBALLS = 100_000;

export class Upstream {
  readonly origin: string;
  /** Base path, always ending in `/`. */
  readonly basePath: string;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly #token: string | undefined;
  readonly #forwardClientAuth: boolean;
  readonly #scopes = new Map<string, Upstream>();
  /** GitLab: the API root (`/api/v4/`) whose project endpoints hold this group's tarballs. */
  readonly #gitlabApiRoot: string | undefined;
  /** Local path of a tarball outside the base path -> its path on the origin (GitLab project endpoints only). */
  readonly #projectTarballs = new Map<string, string>();
  readonly #agent: http.Agent;
  readonly #lib: typeof http | typeof https;

  constructor(opts: UpstreamOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ServiceError('SERVICE', `upstream must be http(s), not ${u.protocol}`);
    this.origin = u.origin;
    this.basePath = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
    this.timeoutMs = opts.timeoutMs;
    this.deadlineMs = opts.deadlineMs;
    this.#token = opts.token;
    this.#forwardClientAuth = opts.forwardClientAuth ?? true;
    this.#gitlabApiRoot = GITLAB_NPM_BASE.exec(this.basePath)?.[1];
    this.#lib = u.protocol === 'https:' ? https : http;
    this.#agent = new this.#lib.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** Routes `@scope` to its own upstream (set up once, before the firewall serves). */
  route(scope: string, upstream: Upstream): void {
    this.#scopes.set(scope, upstream);
  }

  /** The upstream that serves a package: its scope's own, else this default one. */
  forPackage(name: string): Upstream {
    if (this.#scopes.size === 0 || !name.startsWith('@')) return this;
    return this.#scopes.get(name.slice(0, name.indexOf('/'))) ?? this;
  }

  /** The path (under the firewall's root) that an upstream URL maps to, or undefined if it is not upstream's. */
  localPath(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    if (u.origin !== this.origin || u.search || u.hash) return undefined;
    if (u.pathname.startsWith(this.basePath)) return `/${u.pathname.slice(this.basePath.length)}`;
    return this.#projectTarball(u.pathname);
  }

  /** A GitLab project-endpoint tarball of this group's packument, under the same local path scheme as the rest. */
  #projectTarball(pathname: string): string | undefined {
    const root = this.#gitlabApiRoot;
    if (root === undefined || !pathname.startsWith(`${root}projects/`)) return undefined;
    const m = /^projects\/\d+\/packages\/npm\/((?:@[^/]+\/)?[^/]+\/-\/(?:@[^/]+\/)?[^/]+\.tgz)$/.exec(pathname.slice(root.length));
    if (!m) return undefined;
    const local = `/${m[1]}`;
    if (this.#projectTarballs.size >= MAX_PROJECT_TARBALLS && !this.#projectTarballs.has(local)) this.#projectTarballs.clear();
    this.#projectTarballs.set(local, pathname);
    return local;
  }

  /** The Authorization this firewall sends upstream for a client's headers: the client's own, else the token. */
  #authorization(clientHeaders: http.IncomingHttpHeaders): string | undefined {
    const client = this.#forwardClientAuth ? clientHeaders.authorization : undefined;
    return client || (this.#token ? `Bearer ${this.#token}` : undefined);
  }

  /**
   * Who the upstream sees for these client headers, as a sha256 (never the credential itself) or ANONYMOUS:
   * what was fetched under one identity is served offline only to the same identity.
   */
  credentialOf(clientHeaders: http.IncomingHttpHeaders): string {
    const auth = this.#authorization(clientHeaders);
    return auth === undefined ? ANONYMOUS : `sha256:${createHash('sha256').update(auth).digest('hex')}`;
  }

  /** Sends `method` to base + relPath (relPath built by the firewall, starting with `/`). */
  async request(method: string, relPath: string, clientHeaders: http.IncomingHttpHeaders, body?: Buffer): Promise<UpstreamResponse> {
    const project = this.#projectTarballs.get(relPath);
    const url = new URL(project ?? this.basePath.slice(0, -1) + relPath, this.origin);
    // Defence in depth: whatever relPath held, the request goes to the upstream's origin and base path (or, for a
    // GitLab group, a project endpoint one of its packuments named).
    const inside = project !== undefined ? url.pathname === project && project.startsWith(`${this.#gitlabApiRoot}projects/`) : url.pathname.startsWith(this.basePath);
    if (url.origin !== this.origin || !inside) {
      throw new ServiceError('SERVICE', 'refusing an upstream URL outside the configured registry');
    }
    const headers: http.OutgoingHttpHeaders = { 'accept-encoding': 'identity' };
    for (const h of FORWARDED_HEADERS) {
      const v = clientHeaders[h];
      if (v !== undefined) headers[h] = v as string;
    }
    const authorization = this.#authorization(clientHeaders);
    if (authorization !== undefined) headers.authorization = authorization;
    if (body) headers['content-length'] = body.length;
    const started = Date.now();
    return await new Promise<UpstreamResponse>((resolve, reject) => {
      const req = this.#lib.request(url, { method, headers, agent: this.#agent, timeout: this.timeoutMs }, (res) => {
        // The response headers arrived; the body still has its own idle timeout below.
        clearTimeout(overall);
        // Observed even when nobody reads the body (a status we do not serve is drained with resume()): a stall
        // or deadline destroying it then must not end the process. Readers still see the error themselves.
        res.on('error', () => {});
        res.setTimeout(this.timeoutMs, () => res.destroy(new ServiceError('TIMEOUT', `upstream body stalled for ${this.timeoutMs} ms`)));
        const deadline = setTimeout(() => res.destroy(new ServiceError('TIMEOUT', `upstream response took longer than the deadline of ${this.deadlineMs} ms`)), this.deadlineMs - (Date.now() - started));
        res.once('close', () => clearTimeout(deadline));
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
      });
      const overall = setTimeout(() => req.destroy(new ServiceError('TIMEOUT', `upstream did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('timeout', () => req.destroy(new ServiceError('TIMEOUT', `upstream did not answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => {
        clearTimeout(overall);
        reject(e instanceof ServiceError ? e : new ServiceError('NETWORK', `upstream unreachable: ${(e as Error).message}`, { cause: e }));
      });
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
    for (const u of this.#scopes.values()) u.close();
  }
}

/** Reads a body into memory as sent (a client's request body is relayed with its own Content-Encoding), refusing more than maxBytes. */
export async function readBody(body: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(body.headers['content-length'] ?? -1);
  if (declared > maxBytes) {
    body.destroy();
    throw new ServiceError('SERVICE', `upstream response of ${declared} bytes is over the limit of ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of body) {
    total += (c as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      throw new ServiceError('SERVICE', `upstream response is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads an upstream response into memory decoded (see decodeBody), refusing more than maxBytes: the declared
 * length and the decoded bytes both count, so a compressed body cannot expand past the limit.
 */
export async function readDecodedBody(body: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(body.headers['content-length'] ?? -1);
  if (declared > maxBytes) {
    body.destroy();
    throw new ServiceError('SERVICE', `upstream response of ${declared} bytes is over the limit of ${maxBytes}`);
  }
  const decoded = decodeBody(body);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of decoded) {
      total += (c as Buffer).length;
      if (total > maxBytes) throw new ServiceError('SERVICE', `upstream response is over the limit of ${maxBytes} bytes${contentCoding(body) === 'identity' ? '' : ' once decoded'}`);
      chunks.push(c as Buffer);
    }
  } catch (e) {
    decoded.destroy();
    body.destroy();
    if (e instanceof ServiceError) throw e;
    throw new ServiceError('SERVICE', `upstream response could not be decoded: ${(e as Error).message}`, { cause: e });
  }
  return Buffer.concat(chunks, total);
}
