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

export interface ScanReport {
  findings: Finding[];
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
