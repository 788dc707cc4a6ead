import { SEMVER } from '../ecosystems/semver.js';
import type { Versioning } from '../ecosystems/versioning.js';
import { InputError, type Where } from '../errors.js';

/**
 * The part of an OSV record (https://ossf.github.io/osv-schema/) that says which package versions it covers,
 * as ossf/malicious-packages publishes them: `affected[].package {ecosystem, name}` with `versions` and/or
 * `ranges` (SEMVER or ECOSYSTEM events introduced / fixed / last_affected; `introduced: "0"` is every version).
 */
export interface AffectedPackage {
  id: string;
  ecosystem: string;
  name: string;
  versions: Set<string>;
  ranges: RangeEvent[][];
}

export type RangeEvent = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; version: string };

/** Range types that order versions (SEMVER; ECOSYSTEM by the ecosystem's own scheme); GIT ranges (commit hashes) say nothing about a version. */
const ORDERED_RANGE_TYPES = new Set(['SEMVER', 'ECOSYSTEM']);
const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
const MAX_AFFECTED = 1000;
const MAX_VERSIONS = 100_000;

function fail(message: string, where: Where, field: string): never {
  throw new InputError('SCHEMA', message, { where: { ...where, field } });
}

/**
 * Reads one record; undefined for a withdrawn one, an empty list for one with no `affected` (both are valid OSV).
 * Throws SCHEMA naming the file and field when malformed.
 */
export function parseOsvRecord(doc: unknown, where: Where): AffectedPackage[] | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('OSV record is not a JSON object', where, '$');
  const rec = doc as Record<string, unknown>;
  if (typeof rec.id !== 'string' || rec.id === '') fail('OSV record has no id', where, 'id');
  if (rec.withdrawn !== undefined) return undefined;
  if (rec.affected === undefined) return [];
  if (!Array.isArray(rec.affected)) fail('affected must be a list', where, 'affected');
  if (rec.affected.length > MAX_AFFECTED) fail(`more than ${MAX_AFFECTED} affected entries`, where, 'affected');
  const out: AffectedPackage[] = [];
  for (const [i, a] of rec.affected.entries()) {
    const field = `affected[${i}]`;
    if (!a || typeof a !== 'object' || Array.isArray(a)) fail('affected entry must be an object', where, field);
    const pkg = (a as { package?: { ecosystem?: unknown; name?: unknown } }).package;
    // The schema lets an entry name no package (a GIT range over a repository): it says nothing about a package version.
    if (pkg === undefined) continue;
    if (typeof pkg?.ecosystem !== 'string' || typeof pkg.name !== 'string') fail('affected entry has no package ecosystem and name', where, `${field}.package`);
    const entry = a as { versions?: unknown; ranges?: unknown };
    if (entry.versions !== undefined && (!Array.isArray(entry.versions) || entry.versions.length > MAX_VERSIONS || !entry.versions.every((v) => typeof v === 'string'))) {
      fail('versions must be a list of strings', where, `${field}.versions`);
    }
    if (entry.ranges !== undefined && !Array.isArray(entry.ranges)) fail('ranges must be a list', where, `${field}.ranges`);
    const ranges: RangeEvent[][] = [];
    for (const [j, r] of ((entry.ranges as unknown[] | undefined) ?? []).entries()) {
      const range = r as { type?: unknown; events?: unknown };
      if (typeof range?.type !== 'string' || !Array.isArray(range.events)) fail('range needs a type and events', where, `${field}.ranges[${j}]`);
      if (!ORDERED_RANGE_TYPES.has(range.type)) continue;
      ranges.push(range.events.map((e: unknown, k) => parseEvent(e, where, `${field}.ranges[${j}].events[${k}]`)));
    }
    out.push({ id: rec.id as string, ecosystem: pkg.ecosystem.toLowerCase(), name: pkg.name, versions: new Set((entry.versions as string[] | undefined) ?? []), ranges });
  }
  return out;
}

function parseEvent(e: unknown, where: Where, field: string): RangeEvent {
  const ev = (e ?? {}) as Record<string, unknown>;
  for (const kind of EVENT_KINDS) {
    if (typeof ev[kind] === 'string') return { kind, version: ev[kind] as string };
  }
  return fail('range event needs introduced, fixed, last_affected or limit', where, field);
}

/** The ecosystem's order, with OSV's "0" before every version; undefined when either side is not a version. */
function compare(a: string, b: string, versioning: Versioning): number | undefined {
  if (a === b) return 0;
  if (b === '0') return 1;
  if (a === '0') return -1;
  return versioning.compare(a, b);
}

/**
 * Whether `version` falls in one range, evaluating its events in version order as the OSV spec describes. A
 * `limit` event bounds the range from above: at or past it nothing is affected (`limit: "*"` is no bound).
 * Versions order by the package's ecosystem's scheme (npm: semver, PyPI: PEP 440), as OSV's ECOSYSTEM ranges mean.
 */
export function inRange(version: string, events: RangeEvent[], versioning: Versioning = SEMVER): boolean {
  if (events.some((ev) => ev.kind === 'limit' && ev.version !== '*' && (compare(version, ev.version, versioning) ?? -1) >= 0)) return false;
  const sorted = events.filter((ev) => ev.kind !== 'limit').sort((x, y) => compare(x.version, y.version, versioning) ?? 0);
  let affected = false;
  for (const ev of sorted) {
    const c = compare(version, ev.version, versioning);
    if (c === undefined) continue;
    if (ev.kind === 'introduced') {
      if (c < 0) break;
      affected = true;
    } else if (ev.kind === 'fixed') {
      if (c < 0) break;
      affected = false;
    } else if (c > 0) {
      affected = false;
    } else {
      break;
    }
  }
  return affected;
}

/**
 * Whether a record covers `version`: listed (exactly, or as the same release in the scheme: PEP 440's `1.0` is
 * `1.0.0`) or inside one of its ranges.
 */
export function affects(pkg: AffectedPackage, version: string, versioning: Versioning = SEMVER): boolean {
  if (pkg.versions.has(version) || pkg.ranges.some((r) => inRange(version, r, versioning))) return true;
  for (const v of pkg.versions) if (versioning.equals(v, version)) return true;
  return false;
}
