import { ServiceError } from '../errors.js';
import { PackumentCache, type CacheEntry } from './cache.js';
import { Limiter } from './limit.js';
import { registryFor, type RegistryConfig } from './npmrc.js';
import { toPackumentMeta, type PackumentMeta } from './packument.js';
import { loadPypiProject, PYPI_DEFAULT_INDEX } from './pypi-client.js';
import type { Ecosystem } from '../deps/model.js';
import { readResponseBody } from './response-body.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Large enough for the biggest public packuments (a few tens of MB), small enough to bound memory. */
export const DEFAULT_MAX_PACKUMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 16;
/** A cached packument younger than this is used without asking the registry; older ones are revalidated (ETag). */
export const DEFAULT_CACHE_MAX_AGE_MS = 10 * 60_000;
/**
 * A published version's time, scripts and license never change, so a cached packument that already lists every
 * version asked for is used this long; only a deprecation added since can be missed, for at most this long.
 */
export const DEFAULT_KNOWN_VERSIONS_MAX_AGE_MS = 24 * 3_600_000;
const MAX_REDIRECTS = 3;

export interface RegistryClientOptions {
  config: RegistryConfig;
  /** The Python package index (simple API base URL, trailing slash); default https://pypi.org/simple/. */
  pypiIndex?: string;
  cacheDir?: string;
  timeoutMs?: number;
  maxBytes?: number;
  concurrency?: number;
  cacheMaxAgeMs?: number;
  knownVersionsMaxAgeMs?: number;
  now?: () => number;
}

export interface RegistryStats {
  requests: number;
  notModified: number;
  cacheHits: number;
}

/** Registry URL of a packument: `@scope/name` is sent as `@scope%2fname`, as npm does. */
export function packumentUrl(registry: string, name: string): string {
  return `${registry}${name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`;
}

/**
 * Fetches reduced packuments with bounded concurrency, a per-request timeout, a bounded response size and an
 * on-disk cache revalidated with If-None-Match. Tokens go only to the registry they were configured for.
 */
export class RegistryClient {
  readonly stats: RegistryStats = { requests: 0, notModified: 0, cacheHits: 0 };
  private readonly cache: PackumentCache | undefined;
  private readonly limiter: Limiter;
  private readonly inflight = new Map<string, Promise<PackumentMeta | null>>();

  constructor(private readonly opts: RegistryClientOptions) {
    this.cache = opts.cacheDir ? new PackumentCache(opts.cacheDir) : undefined;
    this.limiter = new Limiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** The document of a package of any ecosystem: a packument for npm, a project page (and release licences) for PyPI. */
  document(ecosystem: Ecosystem, name: string, versions: readonly string[] = []): Promise<PackumentMeta | null> {
    if (ecosystem === 'npm') return this.packument(name, versions);
    return this.once(`pypi\0${name}`, () => this.loadPypi(name, versions));
  }

  /** One load per key for the client's life: concurrent and later callers share its promise. */
  private once(key: string, load: () => Promise<PackumentMeta | null>): Promise<PackumentMeta | null> {
    let p = this.inflight.get(key);
    if (!p) {
      p = load();
      this.inflight.set(key, p);
    }
    return p;
  }

  /**
   * The cached entry for `url`, and whether it is fresh enough to answer without asking: younger than the cache's
   * maximum age, or listing every version the caller needs and younger than the longer known-versions age.
   */
  private async cachedEntry(url: string, versions: readonly string[]): Promise<{ cached?: CacheEntry; fresh: boolean }> {
    const cached = await this.cache?.get(url);
    if (!cached) return { fresh: false };
    const age = (this.opts.now ?? Date.now)() - cached.fetchedAt;
    const knowsAll = versions.length > 0 && versions.every((v) => cached.meta.versions[v] && cached.meta.time[v]);
    const fresh = age < (this.opts.cacheMaxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS) || (knowsAll && age < (this.opts.knownVersionsMaxAgeMs ?? DEFAULT_KNOWN_VERSIONS_MAX_AGE_MS));
    if (fresh) this.stats.cacheHits++;
    return { cached, fresh };
  }

  private async loadPypi(name: string, versions: readonly string[]): Promise<PackumentMeta | null> {
    const index = this.opts.pypiIndex ?? PYPI_DEFAULT_INDEX;
    const url = `${index}${encodeURIComponent(name)}/`;
    const now = this.opts.now ?? Date.now;
    const { cached, fresh } = await this.cachedEntry(url, versions);
    if (cached && fresh) return cached.meta;
    const meta = await loadPypiProject((u, accept) => this.limiter.run(() => this.getText(u, accept, name)), index, name, versions);
    if (meta) await this.cache?.put({ url, fetchedAt: now(), meta });
    return meta;
  }

  /** A bounded GET with no credentials (public indexes): status, body text (200 only) and content type. */
  private async getText(url: string, accept: string, name: string): Promise<{ status: number; body?: string; contentType?: string; url: string }> {
    const res = await this.fetchFollowing(url, { accept, 'user-agent': 'sscs-policy' }, undefined);
    if (res.status !== 200) {
      await res.body?.cancel();
      if (res.status !== 404) throw new ServiceError('HTTP_STATUS', `index ${origin(url)} answered ${res.status} for ${name}`, { where: { field: name } });
      return { status: res.status, url: res.url || url };
    }
    const body = await readBounded(res, this.opts.maxBytes ?? DEFAULT_MAX_PACKUMENT_BYTES, url);
    const contentType = res.headers.get('content-type') ?? undefined;
    return { status: 200, body, url: res.url || url, ...(contentType ? { contentType } : {}) };
  }

  /**
   * The package's metadata, or null when the registry does not have it (404). Throws ServiceError otherwise.
   * `versions`: the versions the caller needs; a cached packument listing them all stays usable for longer.
   */
  packument(name: string, versions: readonly string[] = []): Promise<PackumentMeta | null> {
    return this.once(name, () => this.load(name, versions));
  }

  private async load(name: string, versions: readonly string[]): Promise<PackumentMeta | null> {
    const target = registryFor(this.opts.config, name);
    const url = packumentUrl(target.url, name);
    const now = this.opts.now ?? Date.now;
    const { cached, fresh } = await this.cachedEntry(url, versions);
    if (cached && fresh) return cached.meta;
    return this.limiter.run(async () => {
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'sscs-policy' };
      if (cached?.etag) headers['if-none-match'] = cached.etag;
      const res = await this.fetchFollowing(url, headers, target.authorization);
      if (res.status === 304 && cached) {
        this.stats.notModified++;
        await res.body?.cancel();
        await this.cache?.put({ ...cached, fetchedAt: now() });
        return cached.meta;
      }
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new ServiceError('HTTP_STATUS', `registry ${origin(url)} answered ${res.status} for ${name}`, { where: { field: name } });
      }
      const body = await readBounded(res, this.opts.maxBytes ?? DEFAULT_MAX_PACKUMENT_BYTES, url);
      let raw: unknown;
      try {
        raw = JSON.parse(body);
      } catch (e) {
        throw new ServiceError('SERVICE', `registry ${origin(url)} sent a packument for ${name} that is not JSON`, { cause: e });
      }
      const meta = toPackumentMeta(raw, name, target.url);
      const etag = res.headers.get('etag') ?? undefined;
      await this.cache?.put({ url, fetchedAt: now(), meta, ...(etag ? { etag } : {}) });
      return meta;
    });
  }

  /** fetch() with manual redirects, so that a token is never sent to another origin. */
  private async fetchFollowing(url: string, headers: Record<string, string>, authorization: string | undefined): Promise<Response> {
    const first = new URL(url).origin;
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      this.stats.requests++;
      const h = { ...headers, ...(authorization && new URL(current).origin === first ? { authorization } : {}) };
      let res: Response;
      try {
        res = await fetch(current, { headers: h, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) });
      } catch (e) {
        const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
        throw new ServiceError(timedOut ? 'TIMEOUT' : 'NETWORK', `registry ${origin(current)} ${timedOut ? 'timed out' : `unreachable: ${causeText(e)}`}`, { cause: e });
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && res.status !== 304 && location) {
        await res.body?.cancel();
        current = new URL(location, current).toString();
        continue;
      }
      return res;
    }
    throw new ServiceError('SERVICE', `registry ${origin(url)} redirected more than ${MAX_REDIRECTS} times`);
  }
}

const origin = (url: string) => new URL(url).origin;

/**
 * A short reason for a failed request: the system error code where there is one. Never the error's own
 * message, which for a malformed request can repeat the whole URL, credentials included.
 */
function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : (e as Error).name || 'network error';
}

/** A packument or index page, bounded (response-body.ts). */
async function readBounded(res: Response, maxBytes: number, url: string): Promise<string> {
  return (await readResponseBody(res, maxBytes, `packument at ${origin(url)}`)).toString('utf8');
}
