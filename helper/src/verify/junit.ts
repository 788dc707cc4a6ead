import type { CheckResult } from './checks-model.js';
import type { VerifyReport } from './verifier.js';

/**
 * A JUnit XML report for GitLab's `artifacts:reports:junit`: one test suite per artifact, one test case per
 * check that applies to it (the bundle's checks, then the artifact's own), so a merge request shows which
 * check failed for which artifact.
 */

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest escaped.
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function testcase(suite: string, c: CheckResult): string {
  const open = `    <testcase classname="${xml(suite)}" name="${xml(c.name)}"`;
  if (c.status === 'passed') return `${open}/>`;
  if (c.status === 'skipped') return `${open}>\n      <skipped message="${xml(c.message)}"/>\n    </testcase>`;
  const detail = [c.message, c.expected !== undefined ? `expected: ${c.expected}` : '', c.actual !== undefined ? `actual: ${c.actual}` : ''].filter(Boolean).join('\n');
  return `${open}>\n      <failure type="${xml(c.code ?? 'FAILED')}" message="${xml(c.message)}">${xml(detail)}</failure>\n    </testcase>`;
}

export function junitXml(report: VerifyReport): string {
  const shared = report.checks.filter((c) => c.artifact === undefined);
  const suites = report.artifacts.map((a) => {
    const cases = [...shared, ...report.checks.filter((c) => c.artifact === a.name)];
    const failures = cases.filter((c) => c.status === 'failed').length;
    const skipped = cases.filter((c) => c.status === 'skipped').length;
    return {
      tests: cases.length,
      failures,
      skipped,
      text: [`  <testsuite name="${xml(a.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`, ...cases.map((c) => testcase(a.name, c)), '  </testsuite>'].join('\n'),
    };
  });
  const sum = (k: 'tests' | 'failures' | 'skipped') => suites.reduce((n, s) => n + s[k], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sscs verify ${xml(report.bundle.path)}" tests="${sum('tests')}" failures="${sum('failures')}" errors="0" skipped="${sum('skipped')}">`,
    ...suites.map((s) => s.text),
    '</testsuites>',
    '',
  ].join('\n');
}
