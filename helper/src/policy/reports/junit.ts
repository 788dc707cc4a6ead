import type { CheckResult } from '../check.js';

const xml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: one test case per package; deny and quarantine are failures, warnings go to system-out. */
export function renderJunit(result: CheckResult, seconds: number): string {
  const failures = result.counts.deny + result.counts.quarantine;
  const cases = result.records.map((r) => {
    const d = r.decision;
    const head = `    <testcase classname="${xml(r.sources[0] ?? 'dependencies')}" name="${xml(r.purl)}">`;
    if (d.action === 'deny' || d.action === 'quarantine') {
      return `${head}\n      <failure type="${d.action}" message="${xml(`${d.rule}: ${d.reason}`)}">${xml([`${d.action} by ${d.rule}: ${d.reason}`, ...(d.notes ?? [])].join('\n'))}</failure>\n    </testcase>`;
    }
    if (d.action === 'warn') return `${head}\n      <system-out>${xml([`warn by ${d.rule}: ${d.reason}`, ...(d.notes ?? [])].join('\n'))}</system-out>\n    </testcase>`;
    return `${head}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sscs policy check" tests="${result.records.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="dependency policy (${xml(result.policy)}, ${result.mode})" tests="${result.records.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
