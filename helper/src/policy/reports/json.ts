import type { CheckResult } from '../check.js';

export const JSON_REPORT_FORMAT = 'sscs-policy-check/v1';

/** The JSON result: one record per package, plus the summary and which checks ran. */
export function renderJson(result: CheckResult): string {
  const report = {
    format: JSON_REPORT_FORMAT,
    policy: result.policy,
    mode: result.mode,
    sources: result.sources,
    checks: { registry: result.checks.registry, malicious_feed: result.checks.maliciousFeed, typosquat: result.checks.typosquat, scan: result.checks.scan },
    summary: { total: result.records.length, ...result.counts, failed: result.failed },
    expired_waivers: result.expiredWaivers,
    errors: result.errors,
    packages: result.records.map((r) => ({
      purl: r.purl,
      name: r.name,
      version: r.version,
      ...(r.alias ? { alias: r.alias } : {}),
      direct: r.direct,
      scope: r.dev ? 'dev' : 'prod',
      path: r.path,
      sources: r.sources,
      source: r.source,
      ...(r.resolved ? { resolved: r.resolved } : {}),
      decision: r.decision.action,
      rule: r.decision.rule,
      reason: r.decision.reason,
      ...(r.decision.until ? { until: r.decision.until.toISOString() } : {}),
      ...(r.decision.notes?.length ? { notes: r.decision.notes } : {}),
      ...(r.signals ? { signals: r.signals } : {}),
    })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
