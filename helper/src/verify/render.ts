import type { CheckResult } from './checks-model.js';
import type { VerifyPolicy } from './policy.js';
import { firstFailure, type VerifyReport } from './verifier.js';

/** How a report is shown: one line for people, the whole model for machines. */

export function verdictLine(report: VerifyReport): string {
  const what = report.artifacts.map((a) => a.name).join(', ');
  const ran = report.checks.filter((c) => c.status === 'passed').length;
  if (report.verified) {
    const by = report.signer
      ? `signed by ${report.signer.subjectAlternativeName ?? 'an unnamed identity'} (issuer ${report.signer.issuer ?? 'unknown'})`
      : 'signed with the given key';
    // The level proven (level.ts), for SLSA provenance: a reader sees L2 versus L3 without asking for JSON.
    const level = report.slsaBuildLevel && report.provenance ? `; SLSA Build L${report.slsaBuildLevel.level.slice(-1)}` : '';
    return `verified: ${what} (${report.bundle.path}, ${by}; ${ran} checks passed${level})`;
  }
  const f = firstFailure(report);
  return `not verified: ${what}: ${f ? `${f.name} check failed: ${f.message}` : 'unknown failure'}`;
}

export function failureMessage(report: VerifyReport): { message: string; hint?: string } {
  const failures = report.checks.filter((c) => c.status === 'failed');
  const first = failures[0] as CheckResult;
  const message = `${first.name} check failed${first.artifact ? ` for ${first.artifact}` : ''}: ${first.message}`;
  const others = failures.slice(1).map((c) => `also failed: ${c.name}${c.artifact ? ` (${c.artifact})` : ''}: ${c.message}`);
  return others.length ? { message, hint: others.join('\n') } : { message };
}

export function reportJson(report: VerifyReport, policy: VerifyPolicy): string {
  return `${JSON.stringify({ ...report, policy }, null, 2)}\n`;
}
