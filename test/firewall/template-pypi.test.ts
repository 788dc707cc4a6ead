/** templates/npm-firewall.yml with a Python install: the job's script as a runner runs it, pip 23.0.1 in a venv. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templateJob } from '../support/template-job.js';
import { pipEnv, pipFreeze, pipOf, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const { run } = templateJob('npm-firewall.yml');

describe('templates/npm-firewall.yml with pip', () => {
  let index: PypiIndex;
  beforeAll(async () => {
    index = await startPypiIndex();
    index.publish({ name: 'good-py', version: '1.0.0', uploadedAt: new Date('2024-01-01T00:00:00Z') });
    index.publish({ name: 'evil-py', version: '1.0.0', uploadedAt: new Date('2024-01-01T00:00:00Z') });
  });
  afterAll(async () => index?.close());

  const project = async (requirements: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-pyjob-'));
    await writeFile(join(dir, 'requirements.txt'), requirements);
    await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: deny-evil\n    match: "pkg:pypi/evil-py"\n    action: deny\n    reason: known bad package\n');
    return dir;
  };
  const inputs = (home: string) => ({ policy: 'policy.yml', upstream: 'http://127.0.0.1:9/', pypi_upstream: index.simpleUrl, pypi_files: index.filesUrl, install_command: `${pipOf(home)} install -r requirements.txt` });

  it('installs an allowed Python requirement through the firewall', async () => {
    const home = await venv();
    const dir = await project('good-py==1.0.0\n');
    const r = await run(dir, inputs(home), pipEnv(home));
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('served 1 package version(s), refused 0');
    expect(await pipFreeze(home)).toMatchObject({ 'good-py': '1.0.0' });
  });

  it('fails the job on a denied Python requirement with a finding in the report', async () => {
    const home = await venv();
    const dir = await project('good-py==1.0.0\nevil-py==1.0.0\n');
    const r = await run(dir, inputs(home), pipEnv(home));
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('pkg:pypi/evil-py@1.0.0: deny by deny-evil: known bad package');
    const report = JSON.parse(await readFile(join(dir, 'gl-dependency-scanning-report.json'), 'utf8')) as { vulnerabilities: { identifiers: { value: string }[]; location: { dependency: { package: { name: string } } } }[] };
    expect(report.vulnerabilities.map((x) => x.identifiers[0]!.value)).toEqual(['deny-evil']);
  });
});
