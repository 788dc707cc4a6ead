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
import { Limiter, type Reservation } from './limiter.js';
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
  enrich?: (name: string, version: string, facts: PackageFacts, ecosystem?: 'npm' | 'pypi') => PackageFacts;
  /** Upstream packument bytes being fetched and built at once, across all clients (--max-inflight-mb). */
  maxInflightBytes?: number;
  now?: () => Date;
}

/** Packument fetches (per credential and name) waiting or running at once; past it, 503 with Retry-After. */
export const MAX_PENDING_FETCHES = 256;
export const DEFAULT_INFLIGHT_BYTES = 256 * 1024 * 1024;
/** What a refused client is told to wait, in seconds. */
export const RETRY_AFTER_S = 2;

interface Downloaded {
  doc: RawPackument;
  meta: PackumentMeta;
  skipped: { version: string; why: string }[];
  form: Form;
  contentType?: string;
  etag?: string;
}

/** `retryAfter` (seconds): the firewall is at its in-flight bound, not the upstream down; ask again later. */
export type Lookup = { entry: PackumentEntry; source: 'hit' | 'miss' | 'revalidated' | 'stale' } | { status: number; message: string; retryAfter?: number };

const BUSY: Lookup = { status: 503, message: 'the firewall is fetching as many packuments as it may at once; try again shortly', retryAfter: RETRY_AFTER_S };

export class PackumentCache {
  readonly #o: PackumentCacheOptions;
  readonly #entries = new Map<string, PackumentEntry>();
  readonly #inflight = new Map<string, Promise<Lookup>>();
  /** Per form and name, across credentials: the tail of the fetches queued one after another. */
  readonly #byName = new Map<string, Promise<unknown>>();
  /** Per form and name: the entry built last, under whichever credential (see #sibling). */
  readonly #latest = new Map<string, PackumentEntry>();
  readonly #budget: Limiter;
  readonly #refs = new Map<PackumentEntry, number>();
  #bytes = 0;

  constructor(o: PackumentCacheOptions) {
    this.#o = o;
    this.#budget = new Limiter(o.maxInflightBytes ?? DEFAULT_INFLIGHT_BYTES, MAX_PENDING_FETCHES);
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
      if (this.#inflight.size >= MAX_PENDING_FETCHES) return this.#busy();
      p = this.#oneAtATime(form, name, () => this.#limited(key, name, form, headers, entry)).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return await p;
  }

  #busy(): Lookup {
    this.#o.metrics.inc('sscs_firewall_busy_total', 'Requests refused with 503 and Retry-After because packument fetches in flight were at their bound.');
    return BUSY;
  }

  /**
   * Fetches of one name under different credentials run one after another, so that 40 tokens asking for one
   * 60 MB packument hold one copy in flight, not 40; each later one revalidates the copy just built (#sibling).
   */
  #oneAtATime(form: Form, name: string, fetch: () => Promise<Lookup>): Promise<Lookup> {
    const k = `${form}\0${name}`;
    const run = (this.#byName.get(k) ?? Promise.resolve()).then(fetch);
    const tail = run.then(() => undefined, () => undefined);
    this.#byName.set(k, tail);
    void tail.then(() => {
      if (this.#byName.get(k) === tail) this.#byName.delete(k);
    });
    return run;
  }

  /** What a fetch reserved of the in-flight budget is held until its entry is built, then given back. */
  async #limited(key: string, name: string, form: Form, headers: IncomingHttpHeaders, own: PackumentEntry | undefined): Promise<Lookup> {
    const held: Reservation[] = [];
    try {
      return await this.#fetch(key, name, form, headers, own ?? this.#sibling(form, name), held);
    } finally {
      for (const r of held) r.release();
    }
  }

  /**
   * Another credential's entry for the name, still valid: asked for with its ETag, an upstream that answers
   * 304 for this credential too says the representation is the same (RFC 9110 8.8.3), so the built entry is
   * shared; any other answer is built on its own, and nothing one credential sees is served to another unasked.
   */
  #sibling(form: Form, name: string): PackumentEntry | undefined {
    const e = this.#latest.get(`${form}\0${name}`);
    return e && this.#valid(e) ? e : undefined;
  }

  #valid(e: PackumentEntry): boolean {
    return e.policyVersion === this.#o.policy.version && e.generation === this.#o.store.generation() && Date.now() < e.refilterAt;
  }

  async #fetch(key: string, name: string, form: Form, headers: IncomingHttpHeaders, old: PackumentEntry | undefined, held: Reservation[] = []): Promise<Lookup> {
    const o = this.#o;
    const canRevalidate = old?.upstreamEtag !== undefined && this.#valid(old);
    // Ask for the form the entry was last built from: an upstream whose abbreviated form lacked facts is asked for the full one.
    let got = await this.#download(name, old?.upstreamForm ?? form, headers, canRevalidate ? old!.upstreamEtag : undefined, held);
    if ('status' in got && got.status === 304 && canRevalidate) {
      old!.freshUntil = Math.min(Date.now() + o.ttlMs, old!.refilterAt);
      if (this.#entries.get(key) !== old) this.#put(key, old!);
      o.metrics.cache('packument', 'revalidated');
      return { entry: old!, source: 'revalidated' };
    }
    // The other credential's entry did not revalidate: nothing of it is used (the stale fallback included).
    if (old && this.#entries.get(key) !== old) old = undefined;
    // registry.npmjs.org's abbreviated form has no time, scripts, license or attestations: a policy that
    // tests one of them is answered from the full document, never from the abbreviated form's silence.
    if ('doc' in got && got.form === 'abbreviated') {
      const lacking = lacksFacts(got.meta, o.needs ?? REGISTRY_CONDITIONS);
      if (lacking.length) {
        o.metrics.inc('sscs_firewall_full_packument_fetches_total', 'Full packuments fetched because the abbreviated form lacked facts the policy needs.', { fact: lacking[0]! });
        got = await this.#download(name, 'full', headers, undefined, held);
      }
    }
    if ('busy' in got) return this.#busy();
    if ('error' in got) return this.#stale(old, got.error);
    if (!('doc' in got)) return got.status >= 500 ? this.#stale(old, new ServiceError('HTTP_STATUS', `upstream answered ${got.status}`)) : { status: got.status === 404 ? 404 : 502, message: got.status === 404 ? `${name} is not in the upstream registry` : `upstream answered ${got.status}` };
    for (const s of got.skipped) o.log?.({ event: 'malformed-version', name, version: s.version, message: `skipped ${name}@${s.version}: ${s.why}; the other versions are served` });
    const entry = await this.#filter(name, form, got.doc, got.meta, got.contentType, got.etag);
    entry.upstreamForm = got.form;
    this.#put(key, entry);
    o.metrics.cache('packument', 'miss');
    return { entry, source: 'miss' };
  }

  async #download(name: string, form: Form, headers: IncomingHttpHeaders, etag: string | undefined, held: Reservation[] = []): Promise<Downloaded | { status: number } | { error: Error } | { busy: true }> {
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
    // The body is read only within the in-flight budget: what the upstream says it sends, or the most a body
    // may be when it does not say (or is coded: it may expand). Past the queue, the body is not read at all.
    const declared = Number(res.headers['content-length'] ?? NaN);
    const wait = this.#budget.acquire(Number.isFinite(declared) && !res.headers['content-encoding'] ? Math.min(declared, o.maxPackumentBytes) : o.maxPackumentBytes);
    if (!wait) {
      res.body.destroy();
      return { busy: true };
    }
    held.push(await wait);
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

  async #filter(name: string, form: Form, doc: RawPackument, meta: PackumentMeta, contentType: string | undefined, upstreamEtag: string | undefined): Promise<PackumentEntry> {
    const o = this.#o;
    const now = o.now?.() ?? new Date();
    // The generation before the records are read: a release landing in between makes this entry stale at once.
    const generation = o.store.generation();
    const records = await o.store.records(name, now);
    const filtered = filterPackument(doc, {
      meta,
      decide: (version: string, facts: PackageFacts) => {
        const enriched = o.enrich ? o.enrich(name, version, facts) : facts;
        // A version the scanner has seen is judged on its findings here too, not only at its tarball.
        const suspicious = o.scanned ? records.scans.get(version) : undefined;
        return decide(o.policy, records, { ecosystem: 'npm', name, version }, suspicious ? { ...enriched, suspicious } : enriched, now);
      },
      localPath: (url) => o.upstream.forPackage(name).localPath(url),
      publicBase: o.publicBase(),
    });
    // Blocked versions are recorded (and quarantined ones queued) before any client sees the result.
    await o.store.recordDecisions(
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
    if (old) this.#unref(old);
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.#ref(e);
    this.#latest.set(`${e.form}\0${e.name}`, e);
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#o.maxCacheBytes || k === key) break;
      this.#entries.delete(k);
      this.#unref(v);
    }
  }

  /** An entry shared by several credentials (#sibling) holds its bytes once, and goes when the last one does. */
  #ref(e: PackumentEntry): void {
    const n = this.#refs.get(e) ?? 0;
    if (n === 0) this.#bytes += e.body.length;
    this.#refs.set(e, n + 1);
  }

  #unref(e: PackumentEntry): void {
    const n = (this.#refs.get(e) ?? 1) - 1;
    if (n > 0) return void this.#refs.set(e, n);
    this.#refs.delete(e);
    this.#bytes -= e.body.length;
    if (this.#latest.get(`${e.form}\0${e.name}`) === e) this.#latest.delete(`${e.form}\0${e.name}`);
  }

  #touch(key: string, e: PackumentEntry): void {
    this.#entries.delete(key);
    this.#entries.set(key, e);
  }
}
