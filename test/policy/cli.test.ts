import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import { runCli, REPO_ROOT } from '../support/cli.js';
import { startTestRegistry, type TestRegistry } from '../registry/server.js';
import { seedRegistry, writeProject } from './project.js';

const TOKEN = 'npm_policyCheckSecret987654';
let reg: TestRegistry;
let project: string;
let home: string;

interface JsonReport {
  summary: Record<string, number | boolean>;
  checks: Record<string, unknown>;
  packages: { purl: string; name: string; alias?: string; direct: boolean; scope: string; path: string[]; decision: string; rule: string; reason: string; until?: string }[];
  expired_waivers: { id: string }[];
}

beforeAll(async () => {
  reg = await startTestRegistry();
  seedRegistry(reg);
  reg.requireAuth = `Bearer ${TOKEN}`;
  project = writeProject();
  home = mkdtempSync(join(tmpdir(), 'sscs-home-'));
  writeFileSync(join(project, '.npmrc'), `registry=${reg.url}\n//${new URL(reg.url).host}/:_authToken=\${REG_LOGIN}\n`);
});
afterAll(() => reg.close());

// REG_LOGIN is not a name the CLI's output redactor knows, so the test sees whatever sscs would print.
const env = () => ({ HOME: home, REG_LOGIN: TOKEN, XDG_CACHE_HOME: join(home, 'cache') });
const check = (args: string[], extraEnv: Record<string, string> = {}) => runCli(['policy', 'check', 'package-lock.json', ...args], { cwd: project, env: { ...env(), ...extraEnv } });
const byName = (r: JsonReport, name: string) => r.packages.find((p) => p.name === name)!;

describe('sscs policy check', () => {
  it('applies the default policy: malicious alias denied as the real package, fresh version quarantined, scripts and deprecation warned', async () => {
    const r = await check(['--malicious-feed', 'feed', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(byName(report, 'evil-pkg')).toMatchObject({ alias: 'my-lib', direct: true, decision: 'deny', rule: 'malicious-feed', reason: 'listed in the known-malicious feed (MAL-2026-0001)' });
    expect(byName(report, 'fresh')).toMatchObject({ decision: 'quarantine', rule: 'minimum-age' });
    expect(Date.parse(byName(report, 'fresh').until!)).toBeGreaterThan(Date.now());
    expect(byName(report, 'native')).toMatchObject({ decision: 'warn', rule: 'install-scripts' });
    expect(byName(report, 'dev-helper')).toMatchObject({ decision: 'warn', rule: 'deprecated', reason: 'deprecated: no longer maintained', direct: false, scope: 'dev', path: ['dev-tool', 'dev-helper'] });
    expect(byName(report, 'plain')).toMatchObject({ decision: 'allow', rule: 'default', reason: 'no rule matched' });
    expect(byName(report, 'lodahs')).toMatchObject({ decision: 'warn', rule: 'typosquat', reason: 'possible typosquat: name is close to popular package lodash' });
    expect(report.summary).toEqual({ total: 7, allow: 2, warn: 3, quarantine: 1, deny: 1, failed: true });
    expect(report.checks).toEqual({ registry: 'online', malicious_feed: 'feed', typosquat: true, scan: false });
  });

  it('never prints the registry token', async () => {
    const r = await check(['--malicious-feed', 'feed', '--format', 'json', '--cache-dir', join(home, 'c2')], { SSCS_DEBUG: '1' });
    expect(reg.requests.some((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('refuses a registry URL that carries a password, without printing it', async () => {
    const password = 's3cr3tNEXUSpassword';
    const out = join(home, 'leak');
    const r = await check(['--output', `${out}.json`, '--gitlab-report', `${out}.gl.json`, '--junit', `${out}.xml`], { npm_config_registry: `http://ci-user:${password}@127.0.0.1:1/` });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('has credentials in it (user:password@)');
    expect(r.stdout + r.stderr).not.toContain(password);
    for (const f of ['.json', '.gl.json', '.xml']) {
      let text = '';
      try {
        text = readFileSync(`${out}${f}`, 'utf8');
      } catch {
        /* not written: nothing to leak */
      }
      expect(text).not.toContain(password);
    }
  });

  it('reports only in warn mode: exit 0 with the same findings', async () => {
    const r = await check(['--malicious-feed', 'feed', '--mode', 'warn']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('DENY       pkg:npm/evil-pkg@1.0.0 (direct, prod; installed as my-lib)');
    expect(r.stdout).toContain('summary: 1 denied, 1 quarantined, 3 warned, 2 allowed: violations reported (warn mode)');
  });

  it('follows a policy file: first match wins, license rules, waivers, expired waivers reported', async () => {
    writeFileSync(
      join(project, 'policy.yml'),
      [
        'version: 1',
        'rules:',
        '  - id: trusted-fresh',
        '    match: pkg:npm/fresh@2.x',
        '    action: allow',
        '  - id: no-gpl',
        '    when: { license: { deny: [GPL-3.0-only] } }',
        '    action: deny',
        '  - id: scripts',
        '    when: { install_scripts: true }',
        '    action: deny',
        'waivers:',
        '  - id: native-reviewed',
        '    package: native',
        '    version: 3.1.0',
        '    reason: builds a reviewed addon',
        '    owner: platform',
        '    expires: 2999-01-01',
        '  - id: old-waiver',
        '    package: dev-tool',
        '    reason: temporary',
        '    owner: legal',
        '    expires: 2020-01-01',
        '',
      ].join('\n'),
    );
    const r = await check(['--policy', 'policy.yml', '--format', 'json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(byName(report, 'fresh')).toMatchObject({ decision: 'allow', rule: 'trusted-fresh' });
    expect(byName(report, 'native')).toMatchObject({ decision: 'allow', rule: 'native-reviewed' });
    expect(byName(report, 'dev-tool')).toMatchObject({ decision: 'deny', rule: 'no-gpl', reason: 'license GPL-3.0-only is denied' });
    expect(report.expired_waivers).toEqual([{ id: 'old-waiver', package: 'dev-tool', owner: 'legal', expires: '2020-01-01', matched: true }]);
    expect(r.exitCode).toBe(1);
  });

  it('rejects a bad policy file with exit 2, file:line and field', async () => {
    writeFileSync(join(project, 'bad.yml'), 'version: 1\nrules:\n  - action: deny\n    when:\n      instal_scripts: true\n');
    const r = await check(['--policy', 'bad.yml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('sscs: error: bad.yml:5:7 field rules[0].when.instal_scripts: invalid policy: is not a known field\n');
  });

  it('fails closed when the registry is unreachable', async () => {
    const r = await check(['--registry', 'http://127.0.0.1:9/', '--cache-dir', join(home, 'empty-cache'), '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport & { errors: string[] };
    expect(report.packages.every((p) => p.decision === 'quarantine' && p.reason.startsWith('cannot tell: the publish time is unknown (registry http://127.0.0.1:9 unreachable'))).toBe(true);
    expect(report.errors).toHaveLength(1);
  });

  it('fails closed offline without a snapshot, and evaluates the same as online from a snapshot', async () => {
    const none = await check(['--offline']);
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toContain('cannot tell: the publish time is unknown (offline with no metadata snapshot)');

    const online = await check(['--format', 'json', '--write-snapshot', 'snapshot.json']);
    const before = reg.requests.length;
    const offline = await check(['--format', 'json', '--offline', '--metadata-snapshot', 'snapshot.json']);
    expect(reg.requests.length).toBe(before);
    const decisions = (out: string) => (JSON.parse(out) as JsonReport).packages.map((p) => `${p.purl} ${p.decision} ${p.rule}`);
    expect(decisions(offline.stdout)).toEqual(decisions(online.stdout));
    expect(JSON.parse(offline.stdout).checks.registry).toBe('snapshot');
  });

  it('writes a GitLab dependency scanning report valid against the vendored 15.0.7 schema, and JUnit', async () => {
    const r = await check(['--malicious-feed', 'feed', '--gitlab-report', 'gl-dependency-scanning-report.json', '--junit', 'policy.xml', '--mode', 'warn']);
    expect(r.exitCode).toBe(0);
    const schemaText = readFileSync(join(REPO_ROOT, 'schemas/gitlab/dependency-scanning-report-format-15.0.7.json'));
    expect(createHash('sha256').update(schemaText).digest('hex')).toBe('d4cfa7c467adbccca694c7ae4f8b60bfa8022f9ae6b6acf38a4200083d4060c3');
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(schemaText.toString()));
    const report = JSON.parse(readFileSync(join(project, 'gl-dependency-scanning-report.json'), 'utf8'));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.vulnerabilities).toHaveLength(5);
    const evil = report.vulnerabilities.find((v: { location: { dependency: { package: { name: string } } } }) => v.location.dependency.package.name === 'evil-pkg');
    expect(evil).toMatchObject({ severity: 'Critical', identifiers: [{ type: 'sscs_policy_rule', value: 'malicious-feed' }, { type: 'osv', value: 'MAL-2026-0001' }] });

    const junit = readFileSync(join(project, 'policy.xml'), 'utf8');
    expect(junit).toContain('<testsuites name="sscs policy check" tests="7" failures="2"');
    expect(junit).toContain('<failure type="deny" message="malicious-feed: listed in the known-malicious feed (MAL-2026-0001)">');
  });

  it('validates a policy file and prints the schema', async () => {
    const ok = await runCli(['policy', 'validate', 'policy.yml'], { cwd: project });
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'policy.yml: valid (3 rules, 2 waivers)\n' });
    const schema = await runCli(['policy', 'schema']);
    expect(schema.stdout).toBe(readFileSync(join(REPO_ROOT, 'schemas/policy.schema.json'), 'utf8'));
  });
});
