/**
 * Everything a decision is made under, as one version string: the policy file and mode, whether tarballs are
 * scanned and by which scanner, the known-malicious feed's contents and the helper itself. Cached filtered
 * packuments, recorded decisions and offline serving all compare it, so nothing decided under other inputs is
 * reused: turning on --scan, a new scanner or a new feed decides every version again.
 */
import { createHash } from 'node:crypto';
import { VERSION } from '../version.js';

export interface DecisionInputs {
  /** sha256 of the policy file and the mode (policy-source.ts). */
  policyVersion: string;
  /** SCANNER_VERSION when --scan is on. */
  scanner?: string;
  /** Content digest of the known-malicious feed, when one is loaded. */
  feed?: string;
}

export function decisionInputsVersion(i: DecisionInputs): string {
  const text = [`policy=${i.policyVersion}`, `scan=${i.scanner ?? 'off'}`, `feed=${i.feed ?? 'none'}`, `sscs=${VERSION}`].join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
