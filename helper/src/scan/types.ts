/** What the scanner reports. Plain data, shared with the policy engine (PackageFacts.suspicious). */

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface Finding {
  /** Stable rule id, e.g. `install-script-remote-code`; documented in the README's rule table. */
  rule: string;
  severity: Severity;
  /** Path inside the package (the tarball's leading `package/` removed), or the raw entry path for tar rules. */
  file: string;
  line?: number;
  /** The text that matched, shortened and with control characters escaped. */
  evidence: string;
  message: string;
}

/**
 * Rule ids that say the package was not read or analysed whole (a limit, the time budget, an unreadable
 * archive). The policy engine reads them as an unknown `suspicious` fact, never as clean: the rule's
 * `on_unknown` outcome applies (by default the rule's own action).
 */
export const INCOMPLETE_RULES: readonly string[] = ['scan-incomplete', 'scan-budget', 'unscannable'];

export function isIncompleteFinding(rule: string): boolean {
  return INCOMPLETE_RULES.includes(rule);
}

export interface ScanReport {
  findings: Finding[];
  /** False when part of the package was not read or analysed; a `scan-incomplete` finding says why. */
  complete: boolean;
  /** Entries seen (files, links, directories). */
  files: number;
  /** Uncompressed bytes seen. */
  bytes: number;
  package?: { name: string; version: string };
}

/** Bounds on what an untrusted package can make the scanner do. */
export interface ScanLimits {
  /** Entries in the archive or directory tree; more stops the scan with a finding. */
  maxEntries: number;
  /** Uncompressed bytes of the whole archive (tar stream, or file sizes of a directory). */
  maxTotalBytes: number;
  /** A file larger than this is not read into memory (only its first bytes are looked at). */
  maxFileBytes: number;
  /** All file text held in memory at once. */
  maxReadBytes: number;
  /** Longest entry path accepted. */
  maxPathLength: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxEntries: 20_000,
  maxTotalBytes: 512 * 1024 * 1024,
  maxFileBytes: 16 * 1024 * 1024,
  maxReadBytes: 256 * 1024 * 1024,
  maxPathLength: 1024,
};
