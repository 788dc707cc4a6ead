/**
 * Release-history facts: each version of a packument against the versions before it (provenance dropped,
 * publisher changed, install script added, dormancy). Computed once from the whole document when it is
 * read, and kept with each version, so that a snapshot that keeps only the locked versions keeps them too.
 *
 * "Earlier" is by publish time (`time[version]`, full form only: the abbreviated form has no `time`); a
 * version whose time is unknown gets no time-ordered facts. The previous version of a line is the next
 * lower version by semver precedence (what `install_script_added` compares with), whatever its time.
 */
import semver from 'semver';
import { HISTORY_DEPTH } from '../policy/types.js';

/** What the history needs of one version, as read from the document. */
export interface VersionRecord {
  version: string;
  /** Publish time, ms since epoch; undefined: unknown. */
  publishedAt?: number;
  attested: boolean;
  /** `_npmUser.name`; undefined: the document does not say. */
  publisher?: string;
  hasInstallScript?: boolean;
}

/** The stored (JSON) form of policy/types ReleaseHistory: times are ISO strings. */
export interface HistoryMeta {
  earlier?: number;
  previousPublishedAt?: string;
  previousVersion?: string;
  attestedBack?: number;
  publisherBack?: number;
  publisherUnknownBack?: number;
  previousPublisher?: string;
  predecessor?: { version: string; hasInstallScript?: boolean };
}

/** One history per version, in O(n log n + n * HISTORY_DEPTH). */
export function releaseHistory(records: readonly VersionRecord[]): Map<string, HistoryMeta> {
  const out = new Map<string, HistoryMeta>(records.map((r) => [r.version, {}]));
  const byTime = records.filter((r) => r.publishedAt !== undefined).sort((a, b) => a.publishedAt! - b.publishedAt!);
  for (const [i, r] of byTime.entries()) {
    const h = out.get(r.version)!;
    const from = Math.max(0, i - HISTORY_DEPTH);
    h.earlier = i - from;
    if (i === 0) continue;
    const prev = byTime[i - 1]!;
    h.previousVersion = prev.version;
    h.previousPublishedAt = new Date(prev.publishedAt!).toISOString();
    if (prev.publisher !== undefined) h.previousPublisher = prev.publisher;
    h.attestedBack = 0;
    h.publisherBack = 0;
    h.publisherUnknownBack = 0;
    for (let j = i - 1, back = 1; j >= from; j--, back++) {
      const e = byTime[j]!;
      if (e.attested && !h.attestedBack) h.attestedBack = back;
      if (e.publisher === undefined) h.publisherUnknownBack ||= back;
      else if (r.publisher !== undefined && e.publisher === r.publisher && !h.publisherBack) h.publisherBack = back;
    }
  }
  const bySemver = records.filter((r) => semver.valid(r.version)).sort((a, b) => semver.compare(a.version, b.version));
  for (let i = 1; i < bySemver.length; i++) {
    const p = bySemver[i - 1]!;
    out.get(bySemver[i]!.version)!.predecessor = { version: p.version, ...(p.hasInstallScript !== undefined ? { hasInstallScript: p.hasInstallScript } : {}) };
  }
  return out;
}

const nat = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Keeps only well-typed fields of a stored history (a snapshot or cache entry is input). */
export function sanitizeHistory(raw: unknown): HistoryMeta | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const h = raw as Record<string, unknown>;
  const out: HistoryMeta = {};
  for (const k of ['earlier', 'attestedBack', 'publisherBack', 'publisherUnknownBack'] as const) if (nat(h[k])) out[k] = h[k];
  for (const k of ['previousVersion', 'previousPublisher'] as const) if (typeof h[k] === 'string') out[k] = h[k];
  if (typeof h.previousPublishedAt === 'string' && !Number.isNaN(Date.parse(h.previousPublishedAt))) out.previousPublishedAt = h.previousPublishedAt;
  const p = h.predecessor as Record<string, unknown> | undefined;
  if (p && typeof p === 'object' && typeof p.version === 'string') {
    out.predecessor = { version: p.version, ...(typeof p.hasInstallScript === 'boolean' ? { hasInstallScript: p.hasInstallScript } : {}) };
  }
  return out;
}
