/**
 * Release-history facts: each version of a packument against the versions before it (provenance dropped,
 * publisher changed, install script added, dormancy). Computed once from the whole document when it is
 * read, and kept with each version, so that a snapshot that keeps only the locked versions keeps them too.
 *
 * "Earlier" is by publish time (`time[version]`, full form only: the abbreviated form has no `time`); a
 * version whose time is unknown gets no time-ordered facts. The previous version of a line is the next
 * lower version by the ecosystem's precedence (semver; PEP 440 for PyPI), what `install_script_added`
 * compares with, whatever its time.
 */
import semver from 'semver';
import { HISTORY_DEPTH, type ReleaseHistory } from '../policy/types.js';

/** What the history needs of one version, as read from the document. */
export interface VersionRecord {
  version: string;
  /** Publish time, ms since epoch; undefined: unknown. */
  publishedAt: number | undefined;
  /** The same as the document spells it (kept as is: formatting 5,000 dates costs more than the rest). */
  time: string | undefined;
  attested: boolean;
  /** `_npmUser.name`; undefined: the document does not say. */
  publisher: string | undefined;
  hasInstallScript: boolean | undefined;
}

/** The stored (JSON) form of policy/types ReleaseHistory: times are ISO strings. */
export type HistoryMeta = Omit<ReleaseHistory, 'previousPublishedAt'> & { previousPublishedAt?: string };

/**
 * One history per version, in O(n log n). `compare`: the ecosystem's version order (undefined: not a version
 * of its scheme); default semver, parsed once.
 */
export function releaseHistory(records: readonly VersionRecord[], compare?: (a: string, b: string) => number | undefined): Map<string, HistoryMeta> {
  const out = new Map<string, HistoryMeta>(records.map((r) => [r.version, {}]));
  const byTime = records.filter((r) => r.publishedAt !== undefined).sort((a, b) => a.publishedAt! - b.publishedAt!);
  // One pass in publish order, remembering where each fact was last seen: O(n), not O(n * HISTORY_DEPTH).
  let lastAttested = -1;
  let lastUnknownPublisher = -1;
  const lastBy = new Map<string, number>();
  for (const [i, r] of byTime.entries()) {
    const h = out.get(r.version)!;
    h.earlier = Math.min(i, HISTORY_DEPTH);
    if (i > 0) {
      const prev = byTime[i - 1]!;
      const back = (j: number | undefined): number => (j !== undefined && j >= 0 && i - j <= HISTORY_DEPTH ? i - j : 0);
      h.previousVersion = prev.version;
      h.previousPublishedAt = prev.time ?? new Date(prev.publishedAt!).toISOString();
      if (prev.publisher !== undefined) h.previousPublisher = prev.publisher;
      h.attestedBack = back(lastAttested);
      h.publisherBack = r.publisher === undefined ? 0 : back(lastBy.get(r.publisher));
      h.publisherUnknownBack = back(lastUnknownPublisher);
    }
    if (r.attested) lastAttested = i;
    if (r.publisher === undefined) lastUnknownPublisher = i;
    else lastBy.set(r.publisher, i);
  }
  const bySemver = compare ? records.filter((r) => compare(r.version, r.version) !== undefined).sort((a, b) => compare(a.version, b.version)!) : semverOrder(records);
  for (let i = 1; i < bySemver.length; i++) {
    const p = bySemver[i - 1]!;
    out.get(bySemver[i]!.version)!.predecessor = { version: p.version, ...(p.hasInstallScript !== undefined ? { hasInstallScript: p.hasInstallScript } : {}) };
  }
  return out;
}

/** Parsed once: semver.compare on strings parses both sides at every comparison (10x the cost on 5,000 versions). */
function semverOrder(records: readonly VersionRecord[]): VersionRecord[] {
  return records
    .map((r) => ({ r, v: semver.parse(r.version) }))
    .filter((x): x is { r: VersionRecord; v: semver.SemVer } => x.v !== null)
    .sort((a, b) => a.v.compare(b.v))
    .map((x) => x.r);
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
