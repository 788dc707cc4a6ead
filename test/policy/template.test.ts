import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI } from '../support/cli.js';
import { templateJob } from '../support/template-job.js';
import { startTestRegistry, type TestRegistry } from '../registry/server.js';
import { seedRegistry, writeProject } from './project.js';

const { inputs, job, run: runJob } = templateJob('dependency-policy.yml');

let reg: TestRegistry;
let project: string;
beforeAll(async () => {
  reg = await startTestRegistry();
  seedRegistry(reg);
  project = writeProject();
});
afterAll(() => reg.close());

describe('templates/dependency-policy.yml', () => {
  it('declares typed, described snake_case inputs with a pinned image', () => {
    for (const [name, input] of Object.entries(inputs)) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(input.description, name).toMatch(/\.$/);
      expect(['string', 'boolean', 'array', 'number'], name).toContain(input.type);
    }
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['as', 'stage', 'rules', 'image', 'policy', 'mode', 'lockfiles']));
    expect(inputs.image!.default).not.toMatch(/latest/);
    expect(inputs.mode!.options).toEqual(['enforce', 'warn']);
  });

  it('runs only sscs policy check, after the common first item, and declares the dependency scanning and JUnit reports', () => {
    expect(job.script).toHaveLength(3);
    expect(job.script[1]).toContain('$[[ inputs.sscs_command ]] policy check ');
    expect(job.artifacts.reports).toEqual({ dependency_scanning: '$[[ inputs.gitlab_report ]]', junit: '$[[ inputs.junit_report ]]' });
  });

  it('passes only flags that sscs policy check has', async () => {
    const { default: def } = await import('../../helper/src/commands/policy-check.js');
    const used = [...(job.script[1] as string).matchAll(/--([a-z-]+)/g)].map((m) => m[1]!);
    for (const flag of used) expect(Object.keys(def.flags), flag).toContain(flag);
  });

  it('fails the job in enforce mode and passes in warn mode, writing both reports', async () => {
    writeFileSync(join(project, '.npmrc'), `registry=${reg.url}\n`);
    const enforce = await runJob(project, { malicious_feed: 'feed' });
    expect(enforce.exitCode).toBe(1);
    expect(enforce.stdout).toContain('DENY       pkg:npm/evil-pkg@1.0.0');
    expect(existsSync(join(project, 'gl-dependency-scanning-report.json'))).toBe(true);
    expect(existsSync(join(project, 'sscs-policy.junit.xml'))).toBe(true);
    const warn = await runJob(project, { malicious_feed: 'feed', mode: 'warn' });
    expect(warn.exitCode).toBe(0);
  });

  it('fails closed on a requirement that pins no version unless allow_unpinned is true', async () => {
    expect(inputs.allow_unpinned).toMatchObject({ type: 'boolean', default: false });
    const dir = mkdtempSync(join(tmpdir(), 'sscs-policy-unpinned-'));
    writeFileSync(join(dir, 'requirements.txt'), 'flask>=3\n');
    const closed = await runJob(dir, { lockfiles: 'requirements.txt' });
    expect(closed.exitCode, closed.all).toBe(2);
    expect(closed.stderr).toContain('1 requirement pins no version, so the installer would choose its version unchecked: flask >=3');
    expect(existsSync(join(dir, 'sscs-policy.junit.xml'))).toBe(false);
    const open = await runJob(dir, { lockfiles: 'requirements.txt', allow_unpinned: true });
    expect(open.exitCode, open.all).toBe(0);
    expect(open.stderr).toContain('pin no version, so they are not checked: flask >=3');
    expect(existsSync(join(dir, 'sscs-policy.junit.xml'))).toBe(true);
  });

  it('evaluates offline from a metadata snapshot when one is given', async () => {
    const snap = await execa(process.execPath, [CLI, 'policy', 'check', 'package-lock.json', '--mode', 'warn', '--registry', reg.url, '--cache-dir', '.cache/sscs', '--write-snapshot', 'meta.json'], { cwd: project, reject: false });
    expect(snap.exitCode).toBe(0);
    const before = reg.requests.length;
    const r = await runJob(project, { metadata_snapshot: 'meta.json', mode: 'warn' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('checks: registry metadata snapshot');
    expect(reg.requests.length).toBe(before);
  });
});
