import { printableLines } from '../../io/printable.js';
import type { CheckRecord, CheckResult } from '../check.js';

const LABEL = { deny: 'DENY', quarantine: 'QUARANTINE', warn: 'WARN', allow: 'ALLOW' } as const;
const ORDER = ['deny', 'quarantine', 'warn'] as const;

function where(r: CheckRecord): string {
  const kind = `${r.direct ? 'direct' : 'transitive'}, ${r.dev ? 'dev' : 'prod'}`;
  const via = !r.direct && r.path.length > 1 ? `; via ${r.path.slice(0, -1).join(' > ')}` : '';
  const alias = r.alias ? `; installed as ${r.alias}` : '';
  return `${kind}${via}${alias}`;
}

/** The readable summary: every package that is not plainly allowed, then what ran, then the verdict. */
export function renderText(result: CheckResult): string {
  const lines: string[] = [];
  lines.push(`sscs policy check: ${result.records.length} packages from ${result.sources.join(', ')} (policy: ${result.policy}, mode: ${result.mode})`);
  for (const action of ORDER) {
    for (const r of result.records.filter((x) => x.decision.action === action)) {
      const until = r.decision.until ? ` until ${r.decision.until.toISOString()}` : '';
      lines.push(`${LABEL[action].padEnd(11)}${r.purl}${until} (${where(r)})`);
      lines.push(`           ${r.decision.rule}: ${r.decision.reason}`);
      for (const note of r.decision.notes ?? []) lines.push(`           note: ${note}`);
    }
  }
  for (const w of result.expiredWaivers) {
    lines.push(`expired waiver ${w.id} for ${w.package} (owner ${w.owner}) expired on ${w.expires}${w.matched ? ' and no longer applies' : '; remove it'}`);
  }
  for (const e of result.errors) lines.push(`registry: ${e}`);
  const c = result.counts;
  const checks = [
    `registry metadata ${result.checks.registry}`,
    `malicious feed ${result.checks.maliciousFeed ? 'on' : 'off'}`,
    `typosquat ${result.checks.typosquat ? 'on' : 'off'}`,
    `scan ${result.checks.scan ? 'on' : 'off'}`,
  ];
  lines.push(`checks: ${checks.join(', ')}`);
  const verdict = result.failed ? 'FAILED' : c.deny + c.quarantine > 0 ? 'violations reported (warn mode)' : 'passed';
  lines.push(`summary: ${c.deny} denied, ${c.quarantine} quarantined, ${c.warn} warned, ${c.allow} allowed: ${verdict}`);
  return printableLines(lines);
}
