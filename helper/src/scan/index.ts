import type { Readable } from 'node:stream';
import { Collector } from './collect.js';
import { readDirectory } from './directory.js';
import { readTarball } from './tarball.js';
import { viewPackage } from './package.js';
import { RULES } from './rules/index.js';
import { evidence } from './files.js';
import { maskPrivateKeyBlocks } from '../io/secrets.js';
import { DEFAULT_SCAN_LIMITS, isIncompleteFinding, severityRank, type Finding, type ScanLimits, type ScanReport } from './types.js';

export type { Finding, ScanLimits, ScanReport, Severity } from './types.js';
export { DEFAULT_SCAN_LIMITS, SEVERITIES, severityRank, INCOMPLETE_RULES, isIncompleteFinding } from './types.js';
export { scanPythonDistribution, pythonFormatOf, type PythonFormat } from './python/index.js';

/** Findings kept per report; past that a package is plainly hostile and more lines add nothing. */
export const MAX_FINDINGS = 200;

/**
 * Scans an npm package tarball (gzipped or plain tar, a path or a stream) without extracting it. Bad input
 * (not a tarball, unreadable) throws InputError; everything the package does wrong is a finding.
 */
export async function scanTarball(source: string | Readable, opts: Partial<ScanLimits> = {}): Promise<ScanReport> {
  const collector = new Collector({ ...DEFAULT_SCAN_LIMITS, ...opts });
  await readTarball(source, collector);
  return analyse(collector);
}

/** Scans an unpacked package folder (node_modules and .git skipped, links reported and not followed). */
export async function scanDirectory(dir: string, opts: Partial<ScanLimits> = {}): Promise<ScanReport> {
  const collector = new Collector({ ...DEFAULT_SCAN_LIMITS, ...opts });
  await readDirectory(dir, collector);
  return analyse(collector);
}

function analyse(collector: Collector): ScanReport {
  const pkg = viewPackage(collector.files);
  const findings: Finding[] = [...collector.findings];
  for (const rule of RULES) findings.push(...rule(pkg));
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule));
  if (collector.unread.length > 0) {
    // High, so that every severity threshold up to high fails on it too; the policy engine reads it as unknown.
    findings.unshift({ rule: 'scan-incomplete', severity: 'high', file: '(package)', evidence: evidence(collector.unread.slice(0, 3).join('; ')), message: 'part of the package was not read, so the scan cannot call it clean' });
  }
  // A rule may leave the scan incomplete too (a file that runs and could not be analysed, rules/code.ts).
  const complete = collector.unread.length === 0 && !findings.some((f) => isIncompleteFinding(f.rule));
  // What the package names (its files, its name and version) is masked like evidence (files.ts): a PEM private key
  // line there would make the report refused as holding a key, in place of the verdict.
  const kept = findings.slice(0, MAX_FINDINGS).map((f) => ({ ...f, file: maskPrivateKeyBlocks(f.file), evidence: maskPrivateKeyBlocks(f.evidence), message: maskPrivateKeyBlocks(f.message) }));
  const report: ScanReport = { findings: kept, complete, files: collector.entries, bytes: collector.bytes };
  const { name, version } = pkg.manifest ?? {};
  if (typeof name === 'string' && typeof version === 'string') report.package = { name: maskPrivateKeyBlocks(name), version: maskPrivateKeyBlocks(version) };
  return report;
}
