import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cvssScore, osvSeverity, ratingOf } from '../../helper/src/feeds/severity.js';
import { evaluate } from '../../helper/src/policy/index.js';
import { parsePolicy } from '../../helper/src/policy/load.js';
import type { PackageFacts, Policy } from '../../helper/src/policy/types.js';
import { runCli } from '../support/cli.js';
import { startTestRegistry, type TestRegistry } from '../registry/server.js';
import { seedRegistry, writeProject } from './project.js';
import { makeZip } from '../scan/support.js';
import { files, ghsa, mal } from '../feeds/osv-records.js';

describe('OSV severity', () => {
  // Worked examples of the specifications: FIRST CVSS v3.1 "Examples" (CVE-2013-1937, CVE-2014-0160, CVE-2014-6271)
  // and the CVSS v4.0 calculator's reference vector.
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1, 'medium'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5, 'high'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
    ['CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N', 3.3, 'low'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'critical'],
  ])('scores %s as %s (%s)', (vector, score, rating) => {
    expect(cvssScore(vector)).toBe(score);
    expect(ratingOf(score)).toBe(rating);
  });

  it('prefers a vector, falls back to the advisory database label, else unknown', () => {
    expect(osvSeverity({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }], database_specific: { severity: 'LOW' } })).toEqual({ severity: 'high', source: 'CVSS_V3 7.5' });
    expect(osvSeverity({ database_specific: { severity: 'MODERATE' } })).toEqual({ severity: 'medium', source: 'database_specific MODERATE' });
    expect(osvSeverity({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:X/garbage' }] })).toBeUndefined();
    expect(osvSeverity({ severity: [{ type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' }] })).toBeUndefined();
    expect(osvSeverity({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N' }] })).toBeUndefined();
  });

  it('takes a vector with a metric given twice as unknown, not scored with the later value', () => {
    expect(cvssScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:P')).toBeUndefined();
    expect(cvssScore('CVSS:3.1/CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBeUndefined();
    expect(cvssScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/VC:L')).toBeUndefined();
    expect(osvSeverity({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:P' }], database_specific: { severity: 'LOW' } })).toBeUndefined();
    expect(cvssScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
  });

  it('takes a CVSS entry whose score is not a string as unknown, as an empty one, not the label', () => {
    for (const score of [null, 9.8, { vector: 'CVSS:3.1/AV:N' }, ''] as unknown[]) {
      expect(osvSeverity({ severity: [{ type: 'CVSS_V3', score }], database_specific: { severity: 'LOW' } }), JSON.stringify(score)).toBeUndefined();
    }
  });

  it('takes an unparsable vector as unknown, not the label beside it, unless another vector of the record scores', () => {
    const broken = { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H' };
    expect(osvSeverity({ severity: [broken], database_specific: { severity: 'LOW' } })).toBeUndefined();
    expect(osvSeverity({ severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/bogus' }], database_specific: { severity: 'CRITICAL' } })).toBeUndefined();
    // A vector on the affected entry is the record's too.
    expect(osvSeverity({ database_specific: { severity: 'LOW' } }, { severity: [broken] })).toBeUndefined();
    // Another vector of the same record that scores is the publisher's rating.
    expect(osvSeverity({ severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/bogus' }, { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }], database_specific: { severity: 'LOW' } })).toEqual({ severity: 'high', source: 'CVSS_V3 7.5' });
    // A CVSS v2 vector is not read at all, so the label rates the record.
    expect(osvSeverity({ severity: [{ type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' }], database_specific: { severity: 'HIGH' } })).toEqual({ severity: 'high', source: 'database_specific HIGH' });
  });
});

describe('vulnerable condition', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const facts = (vulnerabilities?: PackageFacts['vulnerabilities']): PackageFacts => ({ metadataAvailable: true, ...(vulnerabilities ? { vulnerabilities } : {}) });
  const policy = (extra: Partial<Policy> = {}): Policy => ({ version: 1, rules: [{ id: 'no-high-vulns', when: { vulnerable: { severity: 'high' } }, action: 'deny' }], ...extra });
  const pkg = { ecosystem: 'npm' as const, name: 'lodash', version: '4.17.11' };

  it('denies at or above the severity, lets lower ones through', () => {
    expect(evaluate(policy(), pkg, facts([{ id: 'GHSA-1', severity: 'critical' }]), now)).toMatchObject({ action: 'deny', rule: 'no-high-vulns', reason: 'known vulnerabilities: GHSA-1 (critical)' });
    expect(evaluate(policy(), pkg, facts([{ id: 'GHSA-2', severity: 'medium' }]), now)).toMatchObject({ action: 'allow' });
    expect(evaluate(policy(), pkg, facts([]), now)).toMatchObject({ action: 'allow' });
  });

  it('sends an unknown severity, or no vulnerability data at all, to on_unknown', () => {
    expect(evaluate(policy(), pkg, facts([{ id: 'GHSA-3' }]), now)).toMatchObject({ action: 'deny', reason: 'cannot tell: the severity of GHSA-3 is unknown' });
    expect(evaluate(policy({ on_unknown: { vulnerable: 'warn' } }), pkg, facts([{ id: 'GHSA-3' }]), now)).toMatchObject({ action: 'warn' });
    expect(evaluate(policy({ on_unknown: 'allow' }), pkg, facts(), now)).toMatchObject({ action: 'allow' });
    expect(evaluate(policy(), pkg, facts(), now)).toMatchObject({ action: 'deny', reason: 'cannot tell: known vulnerabilities are unknown (no OSV vulnerability record of this ecosystem loaded)' });
    // A known high one decides even beside an unrated one.
    expect(evaluate(policy({ on_unknown: 'allow' }), pkg, facts([{ id: 'GHSA-3' }, { id: 'GHSA-4', severity: 'high' }]), now)).toMatchObject({ action: 'deny', reason: 'known vulnerabilities: GHSA-4 (high)' });
  });

  it('without a severity holds for any vulnerability', () => {
    const any: Policy = { version: 1, rules: [{ id: 'any', when: { vulnerable: {} }, action: 'warn' }] };
    expect(evaluate(any, pkg, facts([{ id: 'GHSA-5' }]), now)).toMatchObject({ action: 'warn', reason: 'known vulnerabilities: GHSA-5' });
  });

  it('is refused with a bad severity by the schema', () => {
    expect(() => parsePolicy('version: 1\nrules:\n  - when: { vulnerable: { severity: severe } }\n    action: deny\n', 'p.yml')).toThrow(expect.objectContaining({ code: 'SCHEMA' }));
    expect(parsePolicy('version: 1\non_unknown: { vulnerable: warn }\nrules:\n  - when: { vulnerable: { severity: high } }\n    action: deny\n', 'p.yml').rules).toHaveLength(1);
  });
});

describe('sscs policy check with vulnerable', () => {
  let reg: TestRegistry;
  let project: string;
  beforeAll(async () => {
    reg = await startTestRegistry();
    seedRegistry(reg);
    project = writeProject();
    writeFileSync(join(project, '.npmrc'), `registry=${reg.url}\n`);
    // osv.dev's npm all.zip: malicious-package and ordinary vulnerability records side by side.
    writeFileSync(join(project, 'osv-npm.zip'), makeZip(files([
      mal('MAL-2026-0001', 'evil-pkg', ['1.0.0']),
      ghsa('GHSA-aaaa-bbbb-0001', 'native', '3.2.0', { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }),
      ghsa('GHSA-aaaa-bbbb-0002', 'plain', '1.0.1', { label: 'LOW' }),
      ghsa('GHSA-aaaa-bbbb-0003', 'fresh', '1.5.0', { label: 'CRITICAL' }),
    ])));
    writeFileSync(join(project, 'policy.yml'), 'version: 1\nrules:\n  - id: no-high-vulns\n    when: { vulnerable: { severity: high } }\n    action: deny\n');
  });
  afterAll(() => reg?.close());

  it('denies the version a high advisory covers, not one it fixed, nor a low one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sscs-home-'));
    const r = await runCli(['policy', 'check', 'package-lock.json', '--policy', 'policy.yml', '--malicious-feed', 'osv-npm.zip', '--format', 'json'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: join(home, 'c') } });
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { packages: { name: string; decision: string; rule: string; reason: string }[] };
    const by = (n: string) => report.packages.find((p) => p.name === n)!;
    expect(by('native')).toMatchObject({ decision: 'deny', rule: 'no-high-vulns', reason: 'known vulnerabilities: GHSA-aaaa-bbbb-0001 (high)' });
    expect(by('plain')).toMatchObject({ decision: 'allow' });
    expect(by('fresh')).toMatchObject({ decision: 'allow' });
    expect(by('evil-pkg')).toMatchObject({ decision: 'deny', rule: 'malicious-feed' });
  });

  it('follows on_unknown for an advisory whose vector does not parse, whatever its label says', async () => {
    writeFileSync(join(project, 'osv-broken.zip'), makeZip(files([
      ghsa('GHSA-aaaa-bbbb-0004', 'plain', '1.0.1', { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', label: 'LOW' }),
    ])));
    const home = mkdtempSync(join(tmpdir(), 'sscs-home-'));
    const check = async (policy: string) => {
      writeFileSync(join(project, 'policy-broken.yml'), policy);
      const r = await runCli(['policy', 'check', 'package-lock.json', '--policy', 'policy-broken.yml', '--malicious-feed', 'osv-broken.zip', '--format', 'json'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: join(home, 'c') } });
      return (JSON.parse(r.stdout) as { packages: { name: string; decision: string; reason: string }[] }).packages.find((p) => p.name === 'plain')!;
    };
    const rule = 'version: 1\nrules:\n  - id: no-high-vulns\n    when: { vulnerable: { severity: high } }\n    action: deny\n';
    // Read as LOW (the label), it would have been allowed.
    expect(await check(rule)).toMatchObject({ decision: 'deny', reason: 'cannot tell: the severity of GHSA-aaaa-bbbb-0004 is unknown' });
    expect(await check(`${rule}on_unknown: { vulnerable: warn }\n`)).toMatchObject({ decision: 'warn' });
  });

  it('reads a feed with no vulnerability record (malicious packages only) as no data: on_unknown, never a pass', async () => {
    writeFileSync(join(project, 'osv-mal-only.zip'), makeZip(files([mal('MAL-2026-0001', 'evil-pkg', ['1.0.0'])])));
    const home = mkdtempSync(join(tmpdir(), 'sscs-home-'));
    const r = await runCli(['policy', 'check', 'package-lock.json', '--policy', 'policy.yml', '--malicious-feed', 'osv-mal-only.zip', '--format', 'json'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: join(home, 'c') } });
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { packages: { name: string; decision: string; rule: string; reason: string }[] };
    const by = (n: string) => report.packages.find((p) => p.name === n)!;
    // Without the fix, the empty vulnerability index answered "none" and every version passed the rule.
    expect(by('native')).toMatchObject({ decision: 'deny', reason: 'cannot tell: known vulnerabilities are unknown (no OSV vulnerability record of this ecosystem loaded)' });
    expect(by('evil-pkg')).toMatchObject({ decision: 'deny', rule: 'malicious-feed' });
  });
});

