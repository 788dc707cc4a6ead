import { createHash } from 'node:crypto';
import type { CheckRecord, CheckResult } from '../check.js';
import { MALICIOUS_RULE_ID } from '../compile.js';
import { VERSION } from '../../version.js';
import { packageManagerOf } from '../../lockfiles/detect.js';

/** The GitLab security report schema version our report declares (vendored in schemas/gitlab/). */
export const GITLAB_REPORT_VERSION = '15.0.7';
const SCHEMA_URL = `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_REPORT_VERSION}/dist/dependency-scanning-report-format.json`;
const OSV_URL = 'https://osv.dev/vulnerability/';
const TOOL = { id: 'sscs-dependency-policy', name: 'sscs dependency policy', version: VERSION, vendor: { name: 'sscs' } };

/** GitLab wants `yyyy-mm-ddThh:mm:ss` in UTC, without fraction or zone. */
const gitlabTime = (d: Date) => d.toISOString().slice(0, 19);

/** A stable UUID-shaped id from the finding's identity, so the same finding keeps its id across pipelines. */
function findingId(r: CheckRecord): string {
  const h = createHash('sha256').update(`${r.purl}\0${r.decision.rule}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function severity(r: CheckRecord): 'Critical' | 'High' | 'Medium' | 'Low' {
  if (r.decision.rule === MALICIOUS_RULE_ID && r.decision.action === 'deny') return 'Critical';
  return r.decision.action === 'deny' ? 'High' : r.decision.action === 'quarantine' ? 'Medium' : 'Low';
}

function identifiers(r: CheckRecord) {
  const ids: { type: string; name: string; value: string; url?: string }[] = [
    { type: 'sscs_policy_rule', name: `sscs policy rule ${r.decision.rule}`, value: r.decision.rule },
  ];
  for (const id of r.malicious ?? []) {
    ids.push({ type: 'osv', name: id, value: id, url: `${OSV_URL}${encodeURIComponent(id)}` });
  }
  return ids;
}

/** The GitLab Dependency Scanning report (artifacts:reports:dependency_scanning): one finding per non-allowed package. */
export function renderGitlab(result: CheckResult, times: { start: Date; end: Date }): string {
  const findings = result.records.filter((r) => r.decision.action !== 'allow');
  const byFile = new Map<string, CheckRecord[]>();
  for (const r of result.records) {
    for (const s of r.sources.length ? r.sources : result.sources) {
      const list = byFile.get(s) ?? [];
      list.push(r);
      byFile.set(s, list);
    }
  }
  const report = {
    version: GITLAB_REPORT_VERSION,
    schema: SCHEMA_URL,
    scan: {
      analyzer: TOOL,
      scanner: TOOL,
      type: 'dependency_scanning',
      start_time: gitlabTime(times.start),
      end_time: gitlabTime(times.end),
      status: 'success',
      messages: result.errors.map((e) => ({ level: 'warn', value: e })),
    },
    vulnerabilities: findings.map((r) => ({
      id: findingId(r),
      name: `Dependency policy: ${r.decision.action} ${r.name}@${r.version}`.slice(0, 255),
      description: `${r.decision.rule}: ${r.decision.reason}${r.decision.notes?.length ? `\n\n${r.decision.notes.map((n) => `- ${n}`).join('\n')}` : ''}`,
      severity: severity(r),
      solution: r.decision.action === 'quarantine' && r.decision.until ? `Wait until ${r.decision.until.toISOString()}, or pin an older version.` : 'Remove or replace the dependency, or add a waiver with an owner and an expiry date to the policy.',
      identifiers: identifiers(r),
      location: {
        file: r.sources[0] ?? result.sources[0] ?? 'unknown',
        dependency: { package: { name: r.name }, version: r.version, direct: r.direct },
      },
    })),
    dependency_files: [...byFile].map(([path, records]) => ({
      path,
      package_manager: packageManagerOf(path, records[0]?.purl.startsWith('pkg:pypi/') ? 'pypi' : 'npm'),
      dependencies: records.map((r) => ({ package: { name: r.name }, version: r.version, direct: r.direct })),
    })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
