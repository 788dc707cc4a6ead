/**
 * Filtered packuments, fetched once and served many times. A packument is parsed and filtered once per
 * (upstream ETag, policy version, release/waiver generation); the result is kept serialised and written to
 * every client as one buffer, so serving a 20 MB packument a thousand times allocates nothing per request.
 * Concurrent misses for one key share one upstream fetch. Bounded by total bytes (least recently used goes).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ServiceError } from '../errors.js';
import type { ConditionName, Decision, PackageFacts } from '../policy/types.js';
import { lacksFacts, readPackument, REGISTRY_CONDITIONS, type PackumentMeta, type RawPackument } from '../registry/packument.js';
import { decide, type PolicySource } from './evaluator.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { filterPackument, type TarballEntry } from './packument.js';
import { encodePackageName } from './route.js';
import type { Store } from './store.js';
import { readDecodedBody, type Upstream } from './upstream.js';

export type Form = 'full' | 'abbreviated';
export const ABBREVIATED_TYPE = 'application/vnd.npm.install-v1+json';

export interface PackumentEntry {
  name: string;
  form: Form;
  body: Buffer;
  contentType: string;
  /** Our own ETag: changes with the upstream's, the policy and the generation. */
  etag: string;
  upstreamEtag?: string;
  tarballs: Map<string, TarballEntry>;
  decisions: Map<string, Decision>;
  /** The facts each decision was made on, so a scan can re-decide with its findings added. */
  facts: Map<string, PackageFacts>;
  /** Versions left after filtering. */
  allowed: number;
  policyVersion: string;
  generation: number;
  fetchedAt: number;
  freshUntil: number;
  /** A decision changes at this time (an age gate ends, a waiver expires): filtered again, never merely revalidated. */
  refilterAt: number;
  /** The form asked of the upstream (full when its abbreviated form lacked facts the policy needs). */
  upstreamForm?: Form;
  /** The body gzipped, made on the first request that accepts gzip and kept with the entry. */
  gzipped?: Promise<Buffer>;
}

export interface PackumentCacheOptions {
  upstream: Upstream;
  policy: PolicySource;
  store: Store;
  metrics: Metrics;
  /** Where clients reach the firewall; known once it listens. */
  publicBase: () => string;
  ttlMs: number;
  maxPackumentBytes: number;
  maxCacheBytes: number;
  /** Serve a stale filtered packument when the upstream fails (the decisions in it were already made). */
  serveStale: boolean;
  /**
   * The policy's conditions that read the registry document (see REGISTRY_CONDITIONS); when the abbreviated
   * form cannot answer one of them, the full document is fetched. Default: all of them.
   */
  needs?: readonly ConditionName[];
  /** Told about version entries skipped as malformed. */
  log?: Logger;
  /** Scan-before-serve is on: recorded scanner findings count as facts. */
  scanned?: boolean;
  /** Adds facts the packument does not hold (known-malicious feed, typosquat check). */
  enrich?: (name: string, version: string, facts: PackageFacts) => PackageFacts;
  now?: () => Date;
}

interface Downloaded {
  doc: RawPackument;
  meta: PackumentMeta;
  skipped: { version: string; why: string }[];
  form: Form;
  contentType?: string;
  etag?: string;
}

export type Lookup = { entry: PackumentEntry; source: 'hit' | 'miss' | 'revalidated' | 'stale' } | { status: number; message: string };

export class PackumentCache {
  readonly #o: PackumentCacheOptions;
  readonly #entries = new Map<string, PackumentEntry>();
  readonly #inflight = new Map<string, Promise<Lookup>>();
  #bytes = 0;

  constructor(o: PackumentCacheOptions) {
    this.#o = o;
  }

  static keyOf(name: string, form: Form, headers: IncomingHttpHeaders): string {
    // Responses for one credential are never served to another: private packages stay private.
    const auth = headers.authorization ? createHash('sha256').update(headers.authorization).digest('base64url').slice(0, 22) : '-';
    return `${form}\0${auth}\0${name}`;
  }

  /** The cached entry for either form, fresh or not: tarball requests only need its version map. */
  peek(name: string, headers: IncomingHttpHeaders): PackumentEntry | undefined {
    return this.#entries.get(PackumentCache.keyOf(name, 'abbreviated', headers)) ?? this.#entries.get(PackumentCache.keyOf(name, 'full', headers));
  }

  async get(name: string, form: Form, headers: IncomingHttpHeaders): Promise<Lookup> {
    const key = PackumentCache.keyOf(name, form, headers);
    const entry = this.#entries.get(key);
    const now = Date.now();
    if (entry && this.#valid(entry) && now < entry.freshUntil) {
      this.#touch(key, entry);
      this.#o.metrics.cache('packument', 'hit');
      return { entry, source: 'hit' };
    }
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#fetch(key, name, form, headers, entry).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return await p;
  }

  #valid(e: PackumentEntry): boolean {
    return e.policyVersion === this.#o.policy.version && e.generation === this.#o.store.generation() && Date.now() < e.refilterAt;
  }

  async #fetch(key: string, name: string, form: Form, headers: IncomingHttpHeaders, old: PackumentEntry | undefined): Promise<Lookup> {
    const o = this.#o;
    const canRevalidate = old?.upstreamEtag !== undefined && this.#valid(old);
    // Ask for the form the entry was last built from: an upstream whose abbreviated form lacked facts is asked for the full one.
    let got = await this.#download(name, old?.upstreamForm ?? form, headers, canRevalidate ? old!.upstreamEtag : undefined);
    if ('status' in got && got.status === 304 && canRevalidate) {
      old!.freshUntil = Math.min(Date.now() + o.ttlMs, old!.refilterAt);
      o.metrics.cache('packument', 'revalidated');
      return { entry: old!, source: 'revalidated' };
    }
    // registry.npmjs.org's abbreviated form has no time, scripts, license or attestations: a policy that
    // tests one of them is answered from the full document, never from the abbreviated form's silence.
    if ('doc' in got && got.form === 'abbreviated') {
      const lacking = lacksFacts(got.meta, o.needs ?? REGISTRY_CONDITIONS);
      if (lacking.length) {
        o.metrics.inc('sscs_firewall_full_packument_fetches_total', 'Full packuments fetched because the abbreviated form lacked facts the policy needs.', { fact: lacking[0]! });
        got = await this.#download(name, 'full', headers, undefined);
      }
    }
    if ('error' in got) return this.#stale(old, got.error);
    if (!('doc' in got)) return got.status >= 500 ? this.#stale(old, new ServiceError('HTTP_STATUS', `upstream answered ${got.status}`)) : { status: got.status === 404 ? 404 : 502, message: got.status === 404 ? `${name} is not in the upstream registry` : `upstream answered ${got.status}` };
    for (const s of got.skipped) o.log?.({ event: 'malformed-version', name, version: s.version, message: `skipped ${name}@${s.version}: ${s.why}; the other versions are served` });
    const entry = this.#filter(name, form, got.doc, got.meta, got.contentType, got.etag);
    entry.upstreamForm = got.form;
    this.#put(key, entry);
    o.metrics.cache('packument', 'miss');
    return { entry, source: 'miss' };
  }

  async #download(name: string, form: Form, headers: IncomingHttpHeaders, etag: string | undefined): Promise<Downloaded | { status: number } | { error: Error }> {
    const o = this.#o;
    const reqHeaders: IncomingHttpHeaders = { ...headers, accept: form === 'abbreviated' ? `${ABBREVIATED_TYPE}, application/json;q=0.8` : 'application/json' };
    delete reqHeaders['if-none-match'];
    if (etag) reqHeaders['if-none-match'] = etag;
    const started = process.hrtime.bigint();
    let res;
    try {
      res = await o.upstream.forPackage(name).request('GET', `/${encodePackageName(name)}`, reqHeaders);
    } catch (e) {
      return { error: e as Error };
    } finally {
      o.metrics.upstreamLatency(Number(process.hrtime.bigint() - started) / 1e9);
    }
    if (res.status !== 200) {
      res.body.resume();
      return { status: res.status };
    }
    try {
      const doc = JSON.parse((await readDecodedBody(res.body, o.maxPackumentBytes)).toString('utf8')) as RawPackument;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
      // Read as the form asked for, or as abbreviated when it says so: the cautious reading of either.
      const got: Form = String(res.headers['content-type'] ?? '').startsWith(ABBREVIATED_TYPE) ? 'abbreviated' : form;
      const from = o.upstream.forPackage(name);
      const { meta, skipped } = readPackument(doc, name, from.origin + from.basePath, got);
      return { doc, meta, skipped, form, ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}), ...(res.headers.etag ? { etag: res.headers.etag } : {}) };
    } catch (e) {
      return { error: e as Error };
    }
  }

  #filter(name: string, form: Form, doc: RawPackument, meta: PackumentMeta, contentType: string | undefined, upstreamEtag: string | undefined): PackumentEntry {
    const o = this.#o;
    const now = o.now?.() ?? new Date();
    const generation = o.store.generation();
    const filtered = filterPackument(doc, {
      meta,
      decide: (version: string, facts: PackageFacts) => {
        const enriched = o.enrich ? o.enrich(name, version, facts) : facts;
        // A version the scanner has seen is judged on its findings here too, not only at its tarball.
        const suspicious = o.scanned ? o.store.scanFindings(name, version) : undefined;
        return decide(o.policy, o.store, { ecosystem: 'npm', name, version }, suspicious ? { ...enriched, suspicious } : enriched, now);
      },
      localPath: (url) => o.upstream.forPackage(name).localPath(url),
      publicBase: o.publicBase(),
    });
    // Blocked versions are recorded (and quarantined ones queued) before any client sees the result.
    o.store.recordDecisions(
      filtered.decisions
        .filter(({ decision }) => decision.action === 'deny' || decision.action === 'quarantine')
        .map(({ version, decision: d }) => ({ name, version, action: d.action, rule: d.rule, reason: d.reason, ...(d.until ? { until: d.until } : {}), policyVersion: o.policy.version, decidedAt: now })),
    );
    const etag = `"sscs-${createHash('sha256').update(filtered.body).update(`${o.policy.version}\0${generation}`).digest('base64url').slice(0, 27)}"`;
    const fetchedAt = Date.now();
    const refilterAt = filtered.changesAt ?? Infinity;
    return {
      name,
      form,
      body: filtered.body,
      contentType: contentType?.startsWith(ABBREVIATED_TYPE) || contentType?.startsWith('application/json') ? contentType : 'application/json',
      etag,
      ...(upstreamEtag ? { upstreamEtag } : {}),
      tarballs: filtered.tarballs,
      decisions: new Map(filtered.decisions.map(({ version, decision }) => [version, decision])),
      facts: new Map(filtered.decisions.map(({ version, facts }) => [version, facts])),
      allowed: filtered.allowed,
      policyVersion: o.policy.version,
      generation,
      fetchedAt,
      freshUntil: Math.min(fetchedAt + o.ttlMs, refilterAt),
      refilterAt,
    };
  }

  #stale(old: PackumentEntry | undefined, cause: Error): Lookup {
    // Not past a time its decisions change at: an expired waiver's allow is not served from a stale copy either.
    if (old && this.#o.serveStale && old.policyVersion === this.#o.policy.version && old.generation === this.#o.store.generation() && Date.now() < old.refilterAt) {
      this.#o.metrics.cache('packument', 'stale');
      return { entry: old, source: 'stale' };
    }
    return { status: 503, message: `upstream registry unavailable (${cause.message}); the firewall does not serve packages it has not checked` };
  }

  #put(key: string, e: PackumentEntry): void {
    const old = this.#entries.get(key);
    if (old) this.#bytes -= old.body.length;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.#bytes += e.body.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#o.maxCacheBytes || k === key) break;
      this.#entries.delete(k);
      this.#bytes -= v.body.length;
    }
  }

  #touch(key: string, e: PackumentEntry): void {
    this.#entries.delete(key);
    this.#entries.set(key, e);
  }
}
