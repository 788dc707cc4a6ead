import semver from 'semver';
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

/** Range types that order npm versions by semver; GIT ranges (commit hashes) say nothing about a version. */
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

/** semver order, with OSV's "0" before every version; undefined when either side is not a version. */
function compare(a: string, b: string): number | undefined {
  if (a === b) return 0;
  if (b === '0') return 1;
  if (a === '0') return -1;
  const pa = semver.parse(a, { loose: true });
  const pb = semver.parse(b, { loose: true });
  return pa && pb ? semver.compare(pa, pb) : undefined;
}

/**
 * Whether `version` falls in one range, evaluating its events in version order as the OSV spec describes. A
 * `limit` event bounds the range from above: at or past it nothing is affected (`limit: "*"` is no bound).
 */
export function inRange(version: string, events: RangeEvent[]): boolean {
  if (events.some((ev) => ev.kind === 'limit' && ev.version !== '*' && (compare(version, ev.version) ?? -1) >= 0)) return false;
  const sorted = events.filter((ev) => ev.kind !== 'limit').sort((x, y) => compare(x.version, y.version) ?? 0);
  let affected = false;
  for (const ev of sorted) {
    const c = compare(version, ev.version);
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

export function affects(pkg: AffectedPackage, version: string): boolean {
  return pkg.versions.has(version) || pkg.ranges.some((r) => inRange(version, r));
}
