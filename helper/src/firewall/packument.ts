/**
 * Filters a packument (full or abbreviated) through the policy: versions the client may not have are
 * removed with their `time` entries, dist-tags move to the newest allowed version below them (or go), and
 * tarball URLs are rewritten to the firewall so that every tarball passes through it.
 */
import semver from 'semver';
import type { Decision, PackageFacts } from '../policy/types.js';
import { factsFromPackument, type PackumentMeta, type RawManifest, type RawPackument } from '../registry/packument.js';
import { changesAtOf, serves } from './evaluator.js';
import { canonicalPath } from './route.js';

export interface TarballEntry {
  version: string;
  integrity?: string;
  shasum?: string;
  /** The upstream URL it is fetched from (same origin and base as the configured upstream). */
  upstreamPath: string;
}

export interface FilteredPackument {
  body: Buffer;
  /** Tarball path under the firewall -> the version it belongs to, for every version in the upstream doc. */
  tarballs: Map<string, TarballEntry>;
  decisions: { version: string; decision: Decision; facts: PackageFacts }[];
  /** How many versions the client may have. */
  allowed: number;
  /** Earliest time a decision may change on its own (an age gate ends, a waiver expires), epoch ms. */
  changesAt?: number;
}

export interface FilterContext {
  /** The document read through the one facts module; a version it skipped as malformed is removed. */
  meta: PackumentMeta;
  decide(version: string, facts: PackageFacts): Decision;
  /** Maps an upstream tarball URL to a path under the firewall, or undefined when it is not the upstream's. */
  localPath(url: string): string | undefined;
  /** Origin (and base path, no trailing slash) clients reach the firewall at. */
  publicBase: string;
}

const OFF_UPSTREAM: Decision = {
  action: 'deny',
  rule: 'firewall:tarball-off-upstream',
  reason: 'its tarball is hosted outside the configured upstream registry, so the firewall cannot check it',
};

export function filterPackument(doc: RawPackument, ctx: FilterContext): FilteredPackument {
  const versions = doc.versions && typeof doc.versions === 'object' ? doc.versions : {};
  const time = doc.time && typeof doc.time === 'object' ? doc.time : undefined;
  const tarballs = new Map<string, TarballEntry>();
  const decisions: FilteredPackument['decisions'] = [];
  const allowed: string[] = [];
  let changesAt: number | undefined;

  for (const [version, manifest] of Object.entries(versions)) {
    if (!Object.hasOwn(ctx.meta.versions, version)) {
      // Not a manifest (null, a string...): no client could install it, and it must not fail the rest.
      delete versions[version];
      if (time) delete time[version];
      continue;
    }
    const m = manifest as RawManifest;
    const dist = m.dist && typeof m.dist === 'object' ? m.dist : undefined;
    const upstreamPath = typeof dist?.tarball === 'string' ? ctx.localPath(dist.tarball) : undefined;
    // Keyed and rewritten in the one spelling requests are parsed into, whatever the upstream's (`@s%2fn`, `%40s`).
    const local = upstreamPath === undefined ? undefined : canonicalPath(upstreamPath);
    const facts = factsFromPackument(ctx.meta, version);
    const decision = local === undefined ? OFF_UPSTREAM : ctx.decide(version, facts);
    decisions.push({ version, decision, facts });
    const changes = changesAtOf(decision);
    if (changes !== Infinity) changesAt = Math.min(changesAt ?? Infinity, changes);
    if (local !== undefined && upstreamPath !== undefined && dist) {
      tarballs.set(local, {
        version,
        upstreamPath,
        ...(typeof dist.integrity === 'string' ? { integrity: dist.integrity } : {}),
        ...(typeof dist.shasum === 'string' ? { shasum: dist.shasum } : {}),
      });
    }
    if (serves(decision) && dist && local !== undefined) {
      dist.tarball = ctx.publicBase + local;
      allowed.push(version);
    } else {
      delete versions[version];
      if (time) delete time[version];
    }
  }
  const tags = doc['dist-tags'];
  if (tags && typeof tags === 'object') fixDistTags(tags, allowed);
  return { body: Buffer.from(JSON.stringify(doc)), tarballs, decisions, allowed: allowed.length, ...(changesAt !== undefined ? { changesAt } : {}) };
}

/**
 * A tag on a removed version moves to the newest allowed version below it, never from a release to a
 * prerelease, so that `latest` on a quarantined 2.0.0 becomes 1.9.0 and clients resolve that.
 */
export function fixDistTags(tags: Record<string, string>, allowed: string[]): void {
  const ok = new Set(allowed);
  for (const [tag, target] of Object.entries(tags)) {
    if (ok.has(target)) continue;
    const below = allowed.filter((v) => semver.valid(v) && semver.valid(target) && semver.lt(v, target) && (semver.prerelease(target) || !semver.prerelease(v)));
    const best = below.sort(semver.rcompare)[0];
    if (best) tags[tag] = best;
    else delete tags[tag];
  }
}
