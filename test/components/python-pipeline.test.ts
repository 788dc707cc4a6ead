/**
 * examples/python-deps end to end with gitlab-ci-local in shell mode: the npm-firewall component included at the
 * test repository's own commit, pip from a venv of the machine's python3, the index a local PyPI-like one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { jobResult, preparePipelineRepo, removePipelineRepos, runPipeline } from '../support/pipeline.js';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

let sigstore: LocalSigstore;
let index: PypiIndex;
beforeAll(async () => {
  sigstore = await startLocalSigstore();
  index = await startPypiIndex();
  const old = new Date(Date.now() - 90 * 86_400_000);
  index.publish({ name: 'sscs-example-lib', version: '1.0.0', uploadedAt: old });
  index.publish({ name: 'sscs-example-lib', version: '1.1.0', uploadedAt: new Date() });
});
afterAll(async () => {
  removePipelineRepos();
  await index?.close();
  await sigstore?.close();
});

/**
 * The example, its firewall pointed at the local index through the component's inputs (the job ignores SSCS_*
 * variables: README, "Dotenv reports").
 */
const ci = () => {
  const example = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'python-deps', '.gitlab-ci.yml'), 'utf8');
  const line = '      install_command: .venv/bin/pip install -r requirements.txt --require-hashes\n';
  if (!example.includes(line)) throw new Error('examples/python-deps/.gitlab-ci.yml: the install_command input moved');
  return example.replace(line, `${line}      pypi_upstream: ${index.simpleUrl}\n      pypi_files: ${index.filesUrl}\n      upstream: http://127.0.0.1:9/\n`);
};

describe('pipelines', () => {
  it('python-deps: pip installs the hashed requirements through the firewall', async () => {
    const repo = await preparePipelineRepo('python-deps', { '.gitlab-ci.yml': ci() });
    const run = await runPipeline(repo, { sigstore, path: ['/usr/bin'] });
    expect(jobResult(run, 'install'), run.output).toBe('PASS');
    expect(run.output).toContain('served 1 package version(s), refused 0');
    expect(run.output).toContain('Successfully installed sscs-example-lib-1.0.0');
    expect(run.output).not.toMatch(/pypi\.org/);
  });

  it('python-deps: a pinned release the policy quarantines fails the job, named with its rule', async () => {
    const w = index.file('sscs_example_lib-1.1.0-py3-none-any.whl')!.sha256;
    const repo = await preparePipelineRepo('python-deps', { '.gitlab-ci.yml': ci(), 'requirements.txt': `sscs-example-lib==1.1.0 --hash=sha256:${w}\n` });
    const run = await runPipeline(repo, { sigstore, path: ['/usr/bin'] });
    expect(jobResult(run, 'install'), run.output).toBe('FAIL');
    expect(run.output).toContain('pkg:pypi/sscs-example-lib@1.1.0: quarantine by too-new');
  });

  it("python-deps: a dotenv report of an earlier job (SSCS=true, SSCS_FIREWALL_*) neither skips the firewall nor redirects it", async () => {
    const w = index.file('sscs_example_lib-1.1.0-py3-none-any.whl')!.sha256;
    const dotenv = ['SSCS=true', 'SSCS_FIREWALL_POLICY=/nonexistent.yml', 'SSCS_FIREWALL_PYPI_UPSTREAM=http://127.0.0.1:9/simple/'];
    const earlier = `prepare:\n  stage: .pre\n  script:\n${dotenv.map((l) => `    - echo ${JSON.stringify(l)} >> prepare.env\n`).join('')}  artifacts:\n    reports:\n      dotenv: prepare.env\n`;
    const repo = await preparePipelineRepo('python-deps', { '.gitlab-ci.yml': `${ci()}\n${earlier}`, 'requirements.txt': `sscs-example-lib==1.1.0 --hash=sha256:${w}\n` });
    const run = await runPipeline(repo, { sigstore, path: ['/usr/bin'] });
    expect(jobResult(run, 'prepare'), run.output).toBe('PASS');
    expect(jobResult(run, 'install'), run.output).toBe('FAIL');
    expect(run.output).toContain('pkg:pypi/sscs-example-lib@1.1.0: quarantine by too-new');
    expect(run.output).toMatch(/install > sscs: ignoring SSCS_FIREWALL_POLICY SSCS_FIREWALL_PYPI_UPSTREAM: set for this job/);
  });
});
