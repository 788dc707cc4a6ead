/**
 * The severity of an OSV vulnerability record (https://ossf.github.io/osv-schema/#severity-field), as the
 * policy's `vulnerable` condition reads it. Order of trust:
 *  1. a CVSS v4 or v3.x base vector in `severity[]` (record level, else the affected entry's own), scored by
 *     ae-cvss-calculator (a maintained implementation of FIRST's CVSS 3.0, 3.1 and 4.0 specifications) and
 *     rated with the specifications' qualitative scale (0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10 critical);
 *  2. a record that gives such a vector and none of them scores (malformed, truncated, rated None): unknown;
 *  3. a record with no vector: `database_specific.severity` as GitHub's advisory database writes it (LOW,
 *     MODERATE, HIGH, CRITICAL);
 *  4. otherwise unknown. Unknown makes the condition follow `on_unknown`.
 * A vector is scored from the record rather than read from a score field: OSV gives vectors, not scores.
 */
// A webpack-built CommonJS module: Node's ESM loader sees no named exports in it, only the default.
import cvss from 'ae-cvss-calculator';
import type { Severity } from '../policy/types.js';

/** Preferred first: the newest CVSS version a record gives is the one its publisher scored last. */
const CVSS_TYPES = ['CVSS_V4', 'CVSS_V3'] as const;
/** Longer than any valid vector; a longer string is not scored. */
const MAX_VECTOR_CHARS = 256;

const GHSA_SEVERITY: Record<string, Severity> = { LOW: 'low', MODERATE: 'medium', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' };

/** CVSS v3.x / v4.0 qualitative rating of a base score; undefined for 0 (None) or a non-score. */
export function ratingOf(score: number): Severity | undefined {
  if (!(score > 0) || score > 10) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/** The base score of a CVSS v3.x or v4.0 vector; undefined when it is not one. */
export function cvssScore(vector: string): number | undefined {
  if (vector.length > MAX_VECTOR_CHARS || !/^CVSS:(3\.[01]|4\.0)\//.test(vector)) return undefined;
  // A metric given twice (…/A:H/AV:P) is not a vector (CVSS v3.1 specification, 6: each metric at most once;
  // v4.0 likewise); the calculator would let the later value win.
  const metrics = vector.split('/').map((m) => m.split(':')[0]);
  if (new Set(metrics).size !== metrics.length) return undefined;
  try {
    const v = cvss.fromVector(vector);
    const s = v?.calculateScores() as { base?: number; overall?: number } | undefined;
    const score = s?.base ?? s?.overall;
    return typeof score === 'number' && Number.isFinite(score) ? score : undefined;
  } catch {
    return undefined;
  }
}

type SeverityEntry = { type?: unknown; score?: unknown };

/** The rating of the newest CVSS vector of a severity list that scores; `unscored` when one is given and none scores. */
function fromSeverityList(list: unknown): { severity: Severity; source: string } | 'unscored' | undefined {
  if (!Array.isArray(list)) return undefined;
  let given = false;
  for (const type of CVSS_TYPES) {
    // An entry of a CVSS type whose score is not a string (null, a number, an object) is a vector given and
    // unreadable, as an empty string is: unknown, not a reason to read the label instead.
    const entry = (list as SeverityEntry[]).find((e) => e?.type === type);
    if (!entry) continue;
    given = true;
    const score = typeof entry.score === 'string' ? cvssScore(entry.score) : undefined;
    const severity = score === undefined ? undefined : ratingOf(score);
    if (severity) return { severity, source: `${type} ${score}` };
  }
  return given ? 'unscored' : undefined;
}

/**
 * The severity of one record for one affected entry; `source` says where it came from (`CVSS_V3 9.8`,
 * `database_specific HIGH`). A record that gives a CVSS v3/v4 vector none of which scores (malformed, truncated,
 * or rated None) has an unknown severity, and the `vulnerable` condition follows `on_unknown`: its
 * database_specific label is not used then. The label is a curator's rating that need not agree with the vector
 * (GitHub lets either be edited), so it could rate lower than the score the publisher gave and we could not
 * read; only a record with no vector at all is rated by its label.
 */
export function osvSeverity(record: Record<string, unknown>, affected?: Record<string, unknown>): { severity: Severity; source: string } | undefined {
  const fromRecord = fromSeverityList(record.severity);
  const fromAffected = fromSeverityList(affected?.severity);
  for (const v of [fromRecord, fromAffected]) if (v !== undefined && v !== 'unscored') return v;
  if (fromRecord === 'unscored' || fromAffected === 'unscored') return undefined;
  const db = record.database_specific as { severity?: unknown } | undefined;
  const label = typeof db?.severity === 'string' ? GHSA_SEVERITY[db.severity.toUpperCase()] : undefined;
  return label ? { severity: label, source: `database_specific ${(db!.severity as string).toUpperCase()}` } : undefined;
}
