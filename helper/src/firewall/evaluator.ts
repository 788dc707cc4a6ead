/**
 * How the firewall asks for a decision. The policy engine (`evaluate(policy, pkg, facts, now)`) decides from
 * the policy file; on top of it the firewall applies what operators did at run time: a quarantine release
 * lets one quarantined version through, a waiver one denied or quarantined version.
 */
import type { Decision, PackageFacts, PackageRef } from '../policy/types.js';
import { waiverCovers } from './operator.js';
import type { PackageRecords, Store } from './store.js';
import { documentKey } from '../registry/metadata.js';
import { printable } from '../io/printable.js';
import { shellWord } from '../io/shell-quote.js';

export interface PolicySource {
  /** Changes whenever the policy changes, so cached filtered packuments are not reused across policies. */
  version: string;
  /** The policy file's own version (as the reload log lines name it), where there is a file; `version` hashes more. */
  fileVersion?: string;
  evaluate(pkg: PackageRef, facts: PackageFacts, now: Date): Decision;
}

/** What operators recorded about the package, read before deciding (Store.records): waivers and releases. */
export type Overrides = Pick<PackageRecords, 'waivers' | 'releases'>;

/** Decides one version, reading its package's waivers and releases from the store first. */
export async function decideNow(policy: PolicySource, store: Store, pkg: PackageRef, facts: PackageFacts, now: Date): Promise<Decision> {
  // The store keys packages as waivers and the CLI name them: `name` for npm, `pkg:pypi/name` for PyPI.
  return decide(policy, await store.records(documentKey(pkg), now), pkg, facts, now);
}

/** `overrides` are the package's records read at `now` (Store.records); synchronous, so a packument's versions are decided in one pass. */
export function decide(policy: PolicySource, overrides: Overrides, pkg: PackageRef, facts: PackageFacts, now: Date): Decision {
  const d = policy.evaluate(pkg, facts, now);
  if (d.action === 'allow' || d.action === 'warn') return d;
  const waiver = overrides.waivers.find((w) => (w.expiresAt === undefined || w.expiresAt > now) && waiverCovers(w.version, pkg.version, pkg.ecosystem));
  if (waiver) {
    // The allow lasts until the waiver expires (or the policy's own outcome changes first).
    const changesAt = earliest(waiver.expiresAt, d.changesAt);
    return { action: 'allow', rule: `waiver:${waiver.id}`, reason: `waived by ${waiver.by}: ${waiver.reason}`, notes: [`would be ${d.action} by ${d.rule}: ${d.reason}`], ...(changesAt ? { changesAt } : {}) };
  }
  if (d.action === 'quarantine') {
    const release = overrides.releases.find((r) => r.version === pkg.version);
    if (release) {
      return { action: 'allow', rule: `release:${release.id}`, reason: `released from quarantine by ${release.by}: ${release.reason}`, notes: [`quarantined by ${d.rule}: ${d.reason}`], ...(d.changesAt ? { changesAt: d.changesAt } : {}) };
    }
  }
  return d;
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  return a && b ? (a < b ? a : b) : (a ?? b);
}

/** When a decision may change on its own (see Decision.changesAt), as epoch ms; Infinity when never. */
export function changesAtOf(d: Decision): number {
  return Math.min(d.changesAt?.getTime() ?? Infinity, d.until?.getTime() ?? Infinity);
}

/** True when the client may have the version. A `warn` serves it: the warning is logged and audited. */
export function serves(d: Decision): boolean {
  return d.action === 'allow' || d.action === 'warn';
}

/**
 * The way out that a 403 names: operators read it in the npm error output. `flags` is added to the command
 * as given (e.g. ` --data-dir /srv/fw` when the firewall keeps its state somewhere other than the default).
 */
export function wayOut(pkg: PackageRef, d: Decision, flags = ''): string {
  // Quoted when the shell would read it otherwise: a PEP 440 epoch's `!` is history expansion in bash.
  const raw = `${documentKey(pkg)}@${pkg.version}`;
  const id = shellWord(raw);
  if (d.action === 'quarantine') {
    const when = d.until ? ` It is released automatically after ${d.until.toISOString()}.` : '';
    return `${when} To release it now: sscs firewall quarantine release ${id}${flags} --reason "..."`;
  }
  return ` To allow it anyway: sscs firewall waive ${id}${flags} --reason "..." (or add a waiver to the policy file)`;
}

/** The way out a refusal names after its reason (wayOut for `firewall serve`; `firewall run` has its own, run-report.ts). */
export type WayOutOf = (pkg: PackageRef, d: Decision) => string;

/**
 * The 403's message, which npm prints to the user: the version, the rule, the reason and `way`. The reason can
 * hold the upstream's own text (a deprecation message, a license, a version string), so the whole message is
 * made printable (io/printable.ts): no terminal escape and no newline reaches the client's output.
 */
export function blockMessage(pkg: PackageRef, d: Decision, way: WayOutOf = wayOut): string {
  const verb = d.action === 'quarantine' ? 'is quarantined' : 'is denied';
  return printable(`sscs firewall: ${documentKey(pkg)}@${pkg.version} ${verb} by rule ${d.rule}: ${d.reason}.${way(pkg, d)}`);
}
