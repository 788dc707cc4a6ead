/**
 * What operators do at run time, checked once for the CLI and the admin API alike: a release applies only to a
 * version in the quarantine queue, and a waiver's expiry must lie ahead. Either mistake would otherwise be
 * recorded as if it had done something.
 */
import { InputError } from '../errors.js';
import { ecosystemOf, isEcosystem, type Ecosystem } from '../ecosystems/index.js';
import { PatternError, rangePredicate } from '../policy/match.js';
import type { Release, Store, Waiver } from './store.js';

/** Releases a quarantined version; InputError (exit 2, HTTP 409) when it is not in the quarantine queue. */
export async function releaseQuarantined(store: Store, name: string, given: string, by: string, reason: string): Promise<Release> {
  const version = await queuedSpelling(store, name, given);
  const d = await store.decision(name, version);
  const released = await store.release(name, version);
  if (d?.action !== 'quarantine' || released) {
    const why = released ? `it was already released (release:${released.id} by ${released.by})` : d ? `the firewall ${d.action === 'deny' ? 'denies' : 'did not quarantine'} it (${d.rule})` : 'the firewall has not quarantined it';
    throw new InputError('INPUT', `${name}@${version} is not in the quarantine queue: ${why}`, {
      hint: d?.action === 'deny' ? `A denied version is let through with a waiver: sscs firewall waive ${name}@${version} --reason "..."` : "See the queue with 'sscs firewall quarantine list'.",
    });
  }
  return await store.releaseFromQuarantine(name, version, by, reason);
}

/**
 * The version as the quarantine queue holds it. The firewall queues a PyPI release under its PEP 440 normal form
 * (`vers-02.0.tar.gz` as `2.0`; databases from before hold the index file's spelling), while an operator may type
 * either: the queued entry that is the same release answers for it. npm versions are exact strings, so they are taken as given.
 */
async function queuedSpelling(store: Store, name: string, version: string): Promise<string> {
  const ecosystem = ecosystemOfKey(name);
  if (ecosystem === 'npm' || (await store.decision(name, version))) return version;
  const { normalize } = ecosystemOf(ecosystem).versioning;
  const normal = normalize(version);
  return (await store.quarantine()).find((q) => q.name === name && normalize(q.version) === normal)?.version ?? version;
}

/**
 * Whether a run-time waiver's version (an exact version, '*', or a semver range such as '>=1.0.0 <2.0.0' or
 * '1.x') covers a version: the same range matching as a policy-file waiver's `version` (policy/match.ts).
 * A stored version that does not parse as a range (recorded before ranges were checked) covers only itself.
 */
export function waiverCovers(waived: string, version: string, ecosystem: Ecosystem = 'npm'): boolean {
  if (waived === version) return true;
  try {
    return rangePredicate(waived, ecosystem)(version);
  } catch (e) {
    if (e instanceof PatternError) return false;
    throw e;
  }
}

/**
 * Adds a run-time waiver; InputError (exit 2, HTTP 400) when its version is neither an exact version, '*' nor a
 * semver range (it could never apply), or when its expiry is not in the future.
 */
export async function addWaiverChecked(store: Store, w: { name: string; version: string; by: string; reason: string; expiresAt?: Date }, now: Date): Promise<Waiver> {
  const ecosystem = ecosystemOfKey(w.name);
  if (w.version.trim() !== w.version || w.version.length > 256 || !isRange(w.version, ecosystem)) {
    const pypi = ecosystem === 'pypi';
    throw new InputError('INPUT', `'${w.version}' is not a version or a ${pypi ? 'PEP 440 version specifier' : 'semver range'}: the waiver could never apply`, {
      where: { field: 'version' },
      hint: pypi
        ? "Give an exact version (2.0), '*' for every version, or PEP 440 specifiers such as '>=2.0,<3' or '~=2.1'."
        : "Give an exact version (1.2.3), '*' for every version, or a semver range such as '>=1.0.0 <2.0.0' or '1.x'.",
    });
  }
  if (w.expiresAt && w.expiresAt.getTime() <= now.getTime()) {
    throw new InputError('INPUT', `the waiver would expire at ${w.expiresAt.toISOString()}, which is not in the future`, { where: { field: '--expires' } });
  }
  return await store.addWaiver(w);
}

/** The ecosystem of a store key (documentKey): `pkg:<type>/name`, or a bare npm name. */
export function ecosystemOfKey(name: string): Ecosystem {
  const type = /^pkg:([a-z]+)\//.exec(name)?.[1];
  return type && isEcosystem(type) ? type : 'npm';
}

function isRange(version: string, ecosystem: Ecosystem): boolean {
  try {
    rangePredicate(version, ecosystem);
    return true;
  } catch (e) {
    if (e instanceof PatternError) return false;
    throw e;
  }
}
