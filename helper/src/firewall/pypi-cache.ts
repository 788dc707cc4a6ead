/**
 * PyPI project pages, fetched from the upstream index once, read through the one facts module, decided file by
 * file, and kept with both served forms rendered. Keyed like npm packuments: per project and per credential, and
 * built again when the policy, the release/waiver generation or a decision's own clock (an age gate) moves on.
 * Concurrent misses for one key share one upstream fetch; bounded by total bytes, least recently used first out.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Decision, PackageFacts, PackageRef } from '../policy/types.js';
import { PEP440 } from '../ecosystems/pep440.js';
import { pep503 } from '../ecosystems/pypi.js';
import { documentKey } from '../registry/metadata.js';
import type { PackumentMeta } from '../registry/packument.js';
import { fileFacts, projectMeta } from '../registry/pypi-facts.js';
import { readProjectPage, SIMPLE_ACCEPT } from '../registry/pypi-client.js';
import type { SimpleFile } from '../registry/pypi-simple.js';
import { changesAtOf, decide, serves, type PolicySource } from './evaluator.js';
import { MAX_PENDING_FETCHES, RETRY_AFTER_S } from './packument-cache.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { ExpectedDigest } from './integrity.js';
import { renderHtml, renderJson } from './pypi-page.js';
import { PYPI_FILE } from './route.js';
import type { Store } from './store.js';
import { readDecodedBody, type Upstream } from './upstream.js';

export interface PypiEntry {
  name: string;
  /** Every file of the upstream page the firewall could read, by file name. */
  files: Map<string, SimpleFile>;
  decisions: Map<string, Decision>;
  facts: Map<string, PackageFacts>;
  meta: PackumentMeta;
  /** The files served, in page order. */
  served: SimpleFile[];
  json: Buffer;
  html: Buffer;
  etag: string;
  upstreamEtag?: string;
  policyVersion: string;
  generation: number;
  freshUntil: number;
  refilterAt: number;
}

/** `retryAfter` (seconds): the firewall is at its in-flight bound, not the upstream down; ask again later. */
export type PypiLookup = { entry: PypiEntry; source: 'hit' | 'miss' | 'revalidated' | 'stale' } | { status: number; message: string; retryAfter?: number };

const BUSY = { status: 503, message: 'the firewall is fetching as many PyPI pages and files as it may at once; try again shortly', retryAfter: RETRY_AFTER_S } as const;

export interface PypiPagesOptions {
  index: Upstream;
  /** URL prefixes (besides the index's own) files may be fetched from, by URL, e.g. https://files.pythonhosted.org/. */
  fileHosts: Map<string, Upstream>;
  policy: PolicySource;
  store: Store;
  metrics: Metrics;
  publicBase: () => string;
  ttlMs: number;
  maxPageBytes: number;
  maxCacheBytes: number;
  serveStale: boolean;
  enrich?: (name: string, version: string, facts: PackageFacts, ecosystem: PackageRef['ecosystem']) => PackageFacts;
  /** Scan-before-serve is on: recorded scanner findings count as facts, as for npm (packument-cache.ts). */
  scanned?: boolean;
  log?: Logger;
}

const NO_SHA256: Decision = { action: 'deny', rule: 'firewall:no-sha256', reason: 'the index gives no sha256 for this file, so the firewall cannot check its bytes' };
const OFF_UPSTREAM: Decision = { action: 'deny', rule: 'firewall:file-off-upstream', reason: 'the file is hosted outside the configured index and file hosts, so the firewall cannot fetch it' };

/**
 * The release a file belongs to as decisions, messages, the store and the audit log name it: the PEP 503 name and
 * the PEP 440 normal form of the version the file name spells (`Pkg-1.0.0.RC1.tar.gz` -> `pkg@1.0.0rc1`), the same
 * forms policy matching compares in, so that every spelling of one release is one release everywhere.
 */
export function pypiRef(name: string, version: string): PackageRef {
  return { ecosystem: 'pypi', name: pep503(name), version: PEP440.normalize(version) };
}

/** The sha256 of the index as the digest the integrity stream and the file cache take. */
export function sha256Digest(hex: string): ExpectedDigest {
  const digest = Buffer.from(hex, 'hex').toString('base64');
  return { algorithm: 'sha256', digest, sri: `sha256-${digest}` };
}

export const DIGEST_CHANGED = 'firewall:digest-changed';

/** A file name the index now lists with another sha256 than the one it was first served with. */
export function digestChanged(filename: string, first: string, now: string): Decision {
  return {
    action: 'deny', rule: DIGEST_CHANGED,
    reason: `${filename} was first served with sha256 ${first.slice(0, 12)}… and the index now lists sha256 ${now.slice(0, 12)}…; file names are immutable on PyPI, so the index was tampered with or the file replaced`,
  };
}

export class PypiPages {
  readonly #o: PypiPagesOptions;
  readonly #entries = new Map<string, PypiEntry>();
  readonly #inflight = new Map<string, Promise<PypiLookup>>();
  /** Upstream fetches (project pages and files) running at once; bounded as npm's packument fetches are. */
  #slots = 0;
  #bytes = 0;

  constructor(o: PypiPagesOptions) {
    this.#o = o;
  }

  static keyOf(name: string, headers: IncomingHttpHeaders): string {
    const auth = headers.authorization ? createHash('sha256').update(headers.authorization).digest('base64url').slice(0, 22) : '-';
    return `${auth}\0${name}`;
  }

  /** The firewall's own URL, as the pages it serves name it. */
  publicBase(): string {
    return this.#o.publicBase();
  }

  /** Who a request fetches as from the index (sha256 of the Authorization sent, or ANONYMOUS); see Upstream. */
  credentialOf(headers: IncomingHttpHeaders): string {
    return this.#o.index.credentialOf(headers);
  }

  /** The upstream a file URL is fetched from, and its path there; undefined when no configured host serves it. */
  fileSource(url: string): { upstream: Upstream; path: string } | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    if (u.search || u.username || u.password) return undefined;
    // The index itself, or a --pypi-files prefix (on any origin, the index's own included: Nexus, Artifactory and
    // devpi put files beside /simple/ on one host); the longest prefix that holds the path wins.
    const host = [this.#o.index, ...this.#o.fileHosts.values()]
      .filter((h) => h.origin === u.origin && u.pathname.startsWith(h.basePath))
      .sort((a, b) => b.basePath.length - a.basePath.length)[0];
    if (!host) return undefined;
    return { upstream: host, path: `/${u.pathname.slice(host.basePath.length)}` };
  }

  #valid(e: PypiEntry): boolean {
    return e.policyVersion === this.#o.policy.version && e.generation === this.#o.store.generation() && Date.now() < e.refilterAt;
  }

  async get(name: string, headers: IncomingHttpHeaders): Promise<PypiLookup> {
    const key = PypiPages.keyOf(name, headers);
    const entry = this.#entries.get(key);
    if (entry && this.#valid(entry) && Date.now() < entry.freshUntil) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#o.metrics.cache('packument', 'hit');
      return { entry, source: 'hit' };
    }
    let p = this.#inflight.get(key);
    if (!p) {
      const release = this.slot();
      if (!release) return BUSY;
      p = this.#fetch(key, name, headers, entry).finally(() => {
        this.#inflight.delete(key);
        release();
      });
      this.#inflight.set(key, p);
    }
    return await p;
  }

  /**
   * One of the MAX_PENDING_FETCHES upstream fetches, shared by project pages and files, or undefined when all
   * are taken (the caller answers 503 with Retry-After). The returned function gives it back; once only.
   */
  slot(): (() => void) | undefined {
    if (this.#slots >= MAX_PENDING_FETCHES) {
      this.#o.metrics.inc('sscs_firewall_busy_total', 'Requests refused with 503 and Retry-After because packument fetches in flight were at their bound.');
      return undefined;
    }
    this.#slots++;
    let held = true;
    return () => {
      if (held) this.#slots--;
      held = false;
    };
  }

  async #fetch(key: string, name: string, headers: IncomingHttpHeaders, old: PypiEntry | undefined): Promise<PypiLookup> {
    const o = this.#o;
    const reqHeaders: IncomingHttpHeaders = { ...headers, accept: SIMPLE_ACCEPT };
    delete reqHeaders['if-none-match'];
    const revalidate = old?.upstreamEtag !== undefined && this.#valid(old);
    if (revalidate) reqHeaders['if-none-match'] = old!.upstreamEtag;
    const started = process.hrtime.bigint();
    let res;
    try {
      res = await o.index.request('GET', `/${name}/`, reqHeaders);
    } catch (e) {
      return this.#stale(old, (e as Error).message);
    } finally {
      o.metrics.upstreamLatency(Number(process.hrtime.bigint() - started) / 1e9);
    }
    if (res.status === 304 && revalidate) {
      res.body.resume();
      old!.freshUntil = Math.min(Date.now() + o.ttlMs, old!.refilterAt);
      o.metrics.cache('packument', 'revalidated');
      return { entry: old!, source: 'revalidated' };
    }
    if (res.status !== 200) {
      res.body.resume();
      if (res.status >= 500) return this.#stale(old, `upstream answered ${res.status}`);
      if (res.status >= 300 && res.status < 400) {
        // Redirects are not followed (a page could move the firewall to any host): say what to configure instead.
        const to = typeof res.headers.location === 'string' ? ` to ${res.headers.location.slice(0, 200).replace(/[^\x21-\x7e]/g, '?')}` : '';
        return { status: 502, message: `upstream index answered ${res.status} (a redirect${to}); the firewall does not follow redirects: set --pypi-upstream to the index URL it redirects to` };
      }
      return res.status === 404 ? { status: 404, message: `${name} is not in the upstream index` } : { status: 502, message: `upstream index answered ${res.status}` };
    }
    let entry: PypiEntry;
    try {
      const body = (await readDecodedBody(res.body, o.maxPageBytes)).toString('utf8');
      const pageUrl = `${o.index.origin}${o.index.basePath}${name}/`;
      const page = readProjectPage(body, String(res.headers['content-type'] ?? ''), name, pageUrl);
      for (const s of page.skipped) o.log?.({ event: 'skipped-file', name, message: `skipped ${s.filename.slice(0, 200)} of ${name}: ${s.why}` });
      entry = await this.#build(name, page.files, projectMeta(page, pageUrl), typeof res.headers.etag === 'string' ? res.headers.etag : undefined);
    } catch (e) {
      return this.#stale(old, (e as Error).message);
    }
    this.#put(key, entry);
    o.metrics.cache('packument', 'miss');
    return { entry, source: 'miss' };
  }

  async #build(name: string, files: SimpleFile[], meta: PackumentMeta, upstreamEtag: string | undefined): Promise<PypiEntry> {
    const o = this.#o;
    const now = new Date();
    // The generation before the records are read: a release landing in between makes this entry stale at once.
    const generation = o.store.generation();
    const key = documentKey({ ecosystem: 'pypi', name });
    const records = await o.store.records(key, now);
    const remembered = await o.store.fileDigests(key);
    const decisions = new Map<string, Decision>();
    const facts = new Map<string, PackageFacts>();
    const byName = new Map<string, SimpleFile>();
    const served: SimpleFile[] = [];
    let refilterAt = Infinity;
    const blocked = new Map<string, Decision>();
    for (const f of files) {
      if (byName.has(f.filename)) continue;
      // A name the file route would refuse could be listed but never fetched: left out, and said why.
      if (!PYPI_FILE.test(f.filename)) {
        o.log?.({ event: 'skipped-file', name, message: `skipped ${f.filename.slice(0, 200)} of ${name}: not a file name the firewall serves` });
        continue;
      }
      byName.set(f.filename, f);
      const pkg = pypiRef(name, f.version);
      let ff = fileFacts(meta, f);
      if (o.enrich) ff = o.enrich(name, pkg.version, ff, 'pypi');
      // A release the scanner has seen is judged on its findings on the page too, not only at its file.
      const suspicious = o.scanned ? records.scans.get(pkg.version) : undefined;
      if (suspicious) ff = { ...ff, suspicious };
      const first = remembered.get(f.filename);
      const d = !f.sha256 ? NO_SHA256 : first !== undefined && first !== f.sha256 ? digestChanged(f.filename, first, f.sha256)
        : !this.fileSource(f.url) ? OFF_UPSTREAM : decide(o.policy, records, pkg, ff, now);
      if (d.rule === DIGEST_CHANGED) o.log?.({ event: 'digest-changed', name, message: d.reason });
      decisions.set(f.filename, d);
      facts.set(f.filename, ff);
      refilterAt = Math.min(refilterAt, changesAtOf(d));
      if (serves(d)) served.push(f);
      else if ((d.action === 'deny' || d.action === 'quarantine') && !blocked.has(pkg.version)) blocked.set(pkg.version, d);
    }
    // Blocked releases are recorded (quarantined ones queued) before any client sees the page.
    await o.store.recordDecisions(
      [...blocked].map(([version, d]) => ({ name: key, version, action: d.action, rule: d.rule, reason: d.reason, ...(d.until ? { until: d.until } : {}), policyVersion: o.policy.version, decidedAt: now })),
    );
    const base = o.publicBase();
    const json = renderJson(name, served, base);
    const html = renderHtml(name, served, base);
    const etag = `"sscs-${createHash('sha256').update(json).update(`${o.policy.version}\0${generation}`).digest('base64url').slice(0, 27)}"`;
    const fetchedAt = Date.now();
    return {
      name, files: byName, decisions, facts, meta, served, json, html, etag, ...(upstreamEtag ? { upstreamEtag } : {}),
      policyVersion: o.policy.version, generation, freshUntil: Math.min(fetchedAt + o.ttlMs, refilterAt), refilterAt,
    };
  }

  #stale(old: PypiEntry | undefined, why: string): PypiLookup {
    if (old && this.#o.serveStale && this.#valid(old)) {
      this.#o.metrics.cache('packument', 'stale');
      return { entry: old, source: 'stale' };
    }
    return { status: 503, message: `upstream index unavailable (${why}); the firewall does not serve packages it has not checked` };
  }

  close(): void {
    this.#o.index.close();
    for (const u of this.#o.fileHosts.values()) u.close();
  }

  #put(key: string, e: PypiEntry): void {
    const old = this.#entries.get(key);
    if (old) this.#bytes -= old.json.length + old.html.length;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.#bytes += e.json.length + e.html.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#o.maxCacheBytes || k === key) break;
      this.#entries.delete(k);
      this.#bytes -= v.json.length + v.html.length;
    }
  }
}
