/**
 * The contract of the one policy engine, shared by `sscs policy check` (lockfiles, SBOMs) and
 * `sscs firewall serve` (the registry proxy). Policy is plain data; each rule is a pure function of
 * (policy, package, facts, now). Facts are gathered by the caller (registry metadata, malicious feed,
 * scanner), so the engine never does I/O.
 */

export type Action = 'allow' | 'deny' | 'quarantine' | 'warn';

/** What is known about one package version. `undefined` means unknown (metadata unavailable). */
export interface PackageFacts {
  /** Publish time of this version (registry `time[version]`). */
  publishedAt?: Date;
  hasInstallScripts?: boolean;
  deprecated?: string | false;
  /** SPDX expression from the package manifest. */
  license?: string;
  /** Whether the registry holds a provenance attestation for this version; undefined when it cannot say. */
  hasProvenance?: boolean;
  /** Known-malicious feed records that list this version (OSV ids such as MAL-2025-1234). */
  maliciousIds?: string[];
  /** Popular package names this one may be a typosquat of. */
  typosquatOf?: string[];
  /** Scanner findings over the tarball, when it was scanned. */
  suspicious?: { rule: string; severity: 'low' | 'medium' | 'high' | 'critical'; evidence: string }[];
  /** False when facts could not be fetched at all (registry unreachable, offline with no snapshot). */
  metadataAvailable: boolean;
}

export interface PackageRef {
  ecosystem: 'npm';
  name: string;
  version: string;
}

export interface Decision {
  action: Action;
  /** Id of the rule or waiver that decided, e.g. `rules[3]`, `deny-event-stream`, `waivers[0]`, `default`. */
  rule: string;
  /** One sentence a user can act on. */
  reason: string;
  /** For an age-gate quarantine: when the version becomes old enough. */
  until?: Date;
  /** Warnings from rules that matched but did not decide (warn actions, expired waivers). */
  notes?: string[];
}
