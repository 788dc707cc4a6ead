/**
 * examples/python-deps end to end with gitlab-ci-local in shell mode: the npm-firewall component included at the
 * test repository's own commit, pip from a venv of the machine's python3, the index a local PyPI-like one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const variables = () => ({ SSCS_FIREWALL_PYPI_UPSTREAM: index.simpleUrl, SSCS_FIREWALL_PYPI_FILES: index.filesUrl, SSCS_FIREWALL_UPSTREAM: 'http://127.0.0.1:9/' });

describe('pipelines', () => {
  it('python-deps: pip installs the hashed requirements through the firewall', async () => {
    const repo = await preparePipelineRepo('python-deps');
    const run = await runPipeline(repo, { sigstore, variables: variables(), path: ['/usr/bin'] });
    expect(jobResult(run, 'install'), run.output).toBe('PASS');
    expect(run.output).toContain('served 1 package version(s), refused 0');
    expect(run.output).toContain('Successfully installed sscs-example-lib-1.0.0');
    expect(run.output).not.toMatch(/pypi\.org/);
  });

  it('python-deps: a pinned release the policy quarantines fails the job, named with its rule', async () => {
    const w = index.file('sscs_example_lib-1.1.0-py3-none-any.whl')!.sha256;
    const repo = await preparePipelineRepo('python-deps', { 'requirements.txt': `sscs-example-lib==1.1.0 --hash=sha256:${w}\n` });
    const run = await runPipeline(repo, { sigstore, variables: variables(), path: ['/usr/bin'] });
    expect(jobResult(run, 'install'), run.output).toBe('FAIL');
    expect(run.output).toContain('pkg:pypi/sscs-example-lib@1.1.0: quarantine by too-new');
  });
});
