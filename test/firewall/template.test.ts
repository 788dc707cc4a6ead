import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templateJob } from '../support/template-job.js';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio.js';

const { inputs, job, run } = templateJob('npm-firewall.yml');
/** npm inside the job: its cache in the job folder, no retries, no audit or fund calls. */
const runJob = (cwd: string, values: Record<string, unknown>) =>
  run(cwd, values, { npm_config_cache: join(cwd, '.npm'), npm_config_fetch_retries: '0', npm_config_audit: 'false', npm_config_fund: 'false' });

async function project(deps: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-job-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'job', version: '1.0.0', private: true, dependencies: deps }));
  await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: deny-evil\n    match: evil-pkg\n    action: deny\n    reason: known bad package\n');
  return dir;
}

describe('templates/npm-firewall.yml', () => {
  let v: Verdaccio;
  beforeAll(async () => {
    v = await startVerdaccio();
    await v.seedVersions('good-a', ['1.0.0']);
    await v.seedVersions('evil-pkg', ['1.0.0']);
  });
  afterAll(async () => v?.close());

  it('declares typed, described snake_case inputs with a pinned image', () => {
    for (const [name, input] of Object.entries(inputs)) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(input.description, name).toMatch(/\.$/);
      expect(['string', 'boolean', 'array', 'number'], name).toContain(input.type);
    }
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['as', 'stage', 'rules', 'image', 'policy', 'upstream', 'install_command']));
    expect(inputs.image!.default).not.toMatch(/latest/);
    expect(job.script).toHaveLength(3);
    expect(job.script[1]).toContain('$[[ inputs.sscs_command ]] firewall run');
    expect(job.artifacts.reports).toEqual({ dependency_scanning: '$[[ inputs.gitlab_report ]]', junit: '$[[ inputs.junit_report ]]' });
  });

  it('installs an allowed tree and reports what was served', async () => {
    const dir = await project({ 'good-a': '1.0.0' });
    const r = await runJob(dir, { policy: 'policy.yml', upstream: v.url, install_command: 'npm install --no-audit' });
    expect(r.all).toContain('served 1 package version(s), refused 0');
    expect(r.exitCode).toBe(0);
    const junit = await readFile(join(dir, 'sscs-firewall.junit.xml'), 'utf8');
    expect(junit).toContain('good-a');
    const report = JSON.parse(await readFile(join(dir, 'gl-dependency-scanning-report.json'), 'utf8')) as { vulnerabilities: unknown[] };
    expect(report.vulnerabilities).toEqual([]);
  });

  it('fails the job on a refused package with a summary and a finding in the report', async () => {
    const dir = await project({ 'good-a': '1.0.0', 'evil-pkg': '1.0.0' });
    const r = await runJob(dir, { policy: 'policy.yml', upstream: v.url, install_command: 'npm install --no-audit' });
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('evil-pkg@1.0.0: deny by deny-evil: known bad package');
    expect(r.all).toContain('`npm install --no-audit` failed: the firewall refused evil-pkg@1.0.0');
    const report = JSON.parse(await readFile(join(dir, 'gl-dependency-scanning-report.json'), 'utf8')) as { vulnerabilities: { identifiers: { value: string }[] }[] };
    expect(report.vulnerabilities.map((x) => x.identifiers[0]!.value)).toEqual(['deny-evil']);
  });
});
