/**
 * The contract of the one policy engine, shared by `sscs policy check` (lockfiles, SBOMs) and
 * `sscs firewall serve` (the registry proxy). Policy is plain data; each rule is a pure function of
 * (policy, package, facts, now). Facts are gathered by the caller (registry metadata, malicious feed,
 * scanner), so the engine never does I/O.
 *
 * The policy types below mirror the JSON Schema in ./schema.ts (the one source of the committed
 * schemas/policy.schema.json); test/policy/schema.test.ts fails when their keys drift apart.
 */

import type { Ecosystem, SourceKind } from '../deps/model.js';

export type Action = 'allow' | 'deny' | 'quarantine' | 'warn';
export type Mode = 'enforce' | 'warn';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** What is known about one package version. `undefined` means unknown (metadata unavailable). */
export interface PackageFacts {
  /** Where the code comes from (git, a tarball URL or file); undefined: a registry. Known from the lockfile, never unknown. */
  source?: SourceKind;
  /** Publish time of this version (npm: registry `time[version]`; PyPI: the earliest upload time of its files). */
  publishedAt?: Date;
  /**
   * Whether installing runs the package's own code: npm `preinstall`/`install`/`postinstall` scripts; PyPI a
   * release (or the files a lockfile allows) with only an sdist, whose build backend runs at install.
   */
  hasInstallScripts?: boolean;
  deprecated?: string | false;
  /** SPDX expression from the package manifest. */
  license?: string;
  /**
   * Whether the registry holds a provenance attestation for this version; undefined when it cannot say
   * (a registry that does not offer attestations, or no metadata at all).
   */
  hasProvenance?: boolean;
  /** The npm account that published this version (`_npmUser.name`); undefined: the document does not say. */
  publisher?: string;
  /** What the registry's record of earlier versions says about this one (registry/history.ts); undefined: unknown. */
  history?: ReleaseHistory;
  /** Known-malicious feed records that list this version (OSV ids such as MAL-2025-1234); undefined: no feed. */
  maliciousIds?: string[];
  /**
   * Known vulnerabilities (OSV records that are not MAL-) covering this version, each with its severity when the
   * record gives one (feeds/severity.ts); undefined: no vulnerability data was loaded.
   */
  vulnerabilities?: { id: string; severity?: Severity }[];
  /** Popular package names this one may be a typosquat of; undefined: not checked. */
  typosquatOf?: string[];
  /** Scanner findings over the tarball, when it was scanned; undefined: not scanned. */
  suspicious?: { rule: string; severity: Severity; evidence: string }[];
  /** False when facts could not be fetched at all (registry unreachable, offline with no snapshot). */
  metadataAvailable: boolean;
  /** Why metadata is unavailable, shown in reasons (e.g. `registry unreachable`, `offline, no snapshot`). */
  metadataError?: string;
}

/**
 * This version against the versions before it, read from the whole registry document. "Earlier" is by
 * publish time (`time[version]`); distances count back among earlier versions, newest first (1 = the
 * version published just before this one), looking at most HISTORY_DEPTH versions back.
 */
export interface ReleaseHistory {
  /** Versions published before this one, at most HISTORY_DEPTH; undefined: this version's publish time is unknown. */
  earlier?: number;
  /** Publish time of the version published just before this one (any release line). */
  previousPublishedAt?: Date;
  previousVersion?: string;
  /** Distance back to the nearest earlier version with a provenance attestation; 0: none within reach. */
  attestedBack?: number;
  /** Distance back to the nearest earlier version published by the same account; 0: none within reach. */
  publisherBack?: number;
  /** Distance back to the nearest earlier version whose publisher the document does not name; 0: none. */
  publisherUnknownBack?: number;
  /** Who published the version just before this one, for reasons. */
  previousPublisher?: string;
  /**
   * The next lower version by semver precedence (the same line's previous release) and whether it had
   * install scripts (undefined: not known). Absent: this is the lowest version.
   */
  predecessor?: { version: string; hasInstallScript?: boolean };
}

/** How far back the history looks, and the most a policy's window may be. */
export const HISTORY_DEPTH = 100;

/**
 * The package a decision is about. `name` is in the ecosystem's normal form (`ecosystemOf(e).normalizeName`: npm
 * as published, PyPI PEP 503-normalised; the matcher normalises again, so a caller that forgets is still right);
 * `version` as the registry or lockfile spells it, compared with the ecosystem's versioning (semver, PEP 440).
 */
export interface PackageRef {
  ecosystem: Ecosystem;
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
  /**
   * The earliest time this decision may change on its own, with the same facts: a waiver that lifted a rule
   * expires, an age gate ends. Whoever keeps the decision (a cache) must decide again at that time.
   */
  changesAt?: Date;
  /** Warnings from rules that matched but did not decide (warn actions, expired waivers, waived rules). */
  notes?: string[];
  /** Ids of waivers that matched this package but have expired (they no longer apply). */
  expiredWaivers?: string[];
}

// ---------------------------------------------------------------------------------------------------
// The policy file

/** The conditions a rule can test; a rule matches when all of its conditions hold. */
export const CONDITION_NAMES = [
  'source',
  'published_within',
  'typosquat',
  'install_scripts',
  'provenance',
  'deprecated',
  'license',
  'suspicious',
  'provenance_dropped',
  'publisher_changed',
  'install_script_added',
  'dormant_for',
  'vulnerable',
] as const;
export type ConditionName = (typeof CONDITION_NAMES)[number];

export interface LicenseCondition {
  /** SPDX ids the project accepts: the condition holds when the expression cannot be satisfied with them. */
  allow?: string[];
  /** SPDX ids the project refuses: the condition holds when every way to satisfy the expression uses one. */
  deny?: string[];
}

export interface Conditions {
  /** Holds when the package comes from one of these: `registry`, `git`, `url` (a remote tarball), `file` (a tarball on disk). */
  source?: SourceKind[];
  /** Holds for a version published less than this long ago (`30m`, `48h`, `7d`, `2w`). */
  published_within?: string;
  /** `true`: holds when the name looks like a typosquat of a popular package. */
  typosquat?: boolean;
  /** `true`: holds when the version has install scripts (preinstall, install, postinstall); `false`: when not. */
  install_scripts?: boolean;
  /** `false`: holds when the registry offers provenance attestations and this version has none. */
  provenance?: boolean;
  /** `true`: holds when the version is deprecated. */
  deprecated?: boolean;
  license?: LicenseCondition;
  /** Holds when the scanner reported a finding at or above this severity. */
  suspicious?: Severity;
  /**
   * `true` (or N): holds when this version has no provenance attestation while one of the N versions published
   * before it had one (`true`: N = DEFAULT_HISTORY_WINDOW). `false`: holds when that is not the case.
   */
  provenance_dropped?: boolean | number;
  /**
   * `true` (or N): holds when the account that published this version (`_npmUser`) published none of the N
   * versions published before it (`true`: N = DEFAULT_HISTORY_WINDOW). A first release never holds.
   */
  publisher_changed?: boolean | number;
  /** `true`: holds when this version has install scripts and the previous version of its line (semver) had none. */
  install_script_added?: boolean;
  /** Holds when the previous release (by publish time) came at least this long before this one (`52w`, `365d`). */
  dormant_for?: string;
  /** Holds when a known vulnerability at or above `severity` covers the version (absent: any severity). */
  vulnerable?: VulnerableCondition;
}

export interface VulnerableCondition {
  /** Minimum severity (CVSS v3/v4 rating, else the advisory's own); a vulnerability of unknown severity follows on_unknown. */
  severity?: Severity;
}

/** The window of `provenance_dropped: true` and `publisher_changed: true`, in versions. */
export const DEFAULT_HISTORY_WINDOW = 10;

/** Field form of a package pattern; unset fields match anything. */
export interface PackageMatcher {
  ecosystem?: Ecosystem;
  /** npm scope, with or without `@` (PyPI names have none, so a scope never matches one). */
  scope?: string;
  /** Glob over the full name (`*` matches any run of characters, `?` one); for PyPI compared PEP 503-normalised. */
  name?: string;
  /** Range in the ecosystem's grammar (npm: semver range; PyPI: PEP 440 specifier or version), prereleases included. */
  version?: string;
}

/** `pkg:npm/@scope/name-glob@range`, `pkg:pypi/name-glob@specifier`, a bare name glob (any ecosystem), or the field form. */
export type MatchSpec = string | PackageMatcher;

export interface Rule {
  id?: string;
  description?: string;
  /** Which packages the rule is about; absent: every package. A list matches when any entry does. */
  match?: MatchSpec | MatchSpec[];
  /** Conditions that must all hold; absent: the rule applies to every matched package. */
  when?: Conditions;
  action: Action;
  /** Shown to the user when the rule decides; defaults to a sentence built from the conditions. */
  reason?: string;
  /** What to do when a condition needs metadata that is unavailable; overrides the policy's `on_unknown`. */
  on_unknown?: Action;
}

export interface Waiver {
  id?: string;
  /** Package pattern, as in a rule's `match` string. */
  package: string;
  /** Range in the pattern's ecosystem's grammar (semver range, PEP 440 specifier); absent: every version. */
  version?: string;
  reason: string;
  /** Who answers for the waiver (a person or team). */
  owner: string;
  /** `YYYY-MM-DD` (valid through that day, UTC) or an RFC 3339 timestamp. */
  expires: string;
  /** Rule ids (and `malicious-feed`) the waiver lifts; absent: all of them. */
  rules?: string[];
}

export interface Policy {
  version: 1;
  /** `enforce`: deny and quarantine fail the check; `warn`: report only. The command line overrides it. */
  mode?: Mode;
  /** Outcome for a package listed in the known-malicious feed (checked before any rule). Default deny. */
  malicious?: 'deny' | 'quarantine' | 'warn';
  /** Outcome when no rule decides. Default allow. */
  default_action?: Action;
  /** Outcome when a condition cannot be evaluated, globally or per condition. Default: the rule's own action. */
  on_unknown?: Action | Partial<Record<ConditionName, Action>>;
  rules?: Rule[];
  waivers?: Waiver[];
}
