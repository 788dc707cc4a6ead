/**
 * Every example, end to end with gitlab-ci-local in shell mode against the local Sigstore: the components
 * included at the test repository's own commit, the helper from the working tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { startFakeGitLab, type FakeGitLab } from '../support/gitlab-api.js';
import { jobResult, removePipelineRepos, pipelineClaims, preparePipelineRepo, runPipeline, type PipelineResult } from '../support/pipeline.js';
import { REPO_ROOT } from '../support/cli.js';

const ISOLATED = 'https://sscs.dev/gitlab-ci/builder/isolated/v1';
const JOB_TOKEN = 'glcbt-64-job-token-value-never-printed';

let sigstore: LocalSigstore;
let gitlab: FakeGitLab;
beforeAll(async () => {
  sigstore = await startLocalSigstore();
  gitlab = await startFakeGitLab({ projectId: '1217', jobToken: JOB_TOKEN });
});
afterAll(async () => {
  removePipelineRepos();
  await gitlab?.close();
  await sigstore?.close();
});

function statements(run: PipelineResult, job: string, file: string): { subject: { name: string; digest: Record<string, string> }[]; predicate: any }[] {
  return readFileSync(join(run.artifactsDir(job), file), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function expectPassed(run: PipelineResult, jobs: string[]): void {
  for (const job of jobs) expect(jobResult(run, job), run.output).toBe('PASS');
  expect(run.exitCode, run.output).toBe(0);
}

describe('pipelines', () => {
  it('node-build: builds, attests in an isolated job, verifies with a VSA and a JUnit report, deploys', async () => {
    const repo = await preparePipelineRepo('node-build');
    const run = await runPipeline(repo, { sigstore });
    expectPassed(run, ['build', 'provenance', 'sscs-verify', 'deploy']);

    const [statement] = statements(run, 'provenance', 'attestations/provenance.intoto.jsonl');
    expect(statement!.subject).toEqual([{ name: 'dist/hello-sscs-1.0.0.tgz', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }]);
    expect(statement!.predicate.runDetails.builder.id).toBe(ISOLATED);
    expect(statement!.predicate.buildDefinition.resolvedDependencies[0].digest).toEqual({ gitCommit: repo.sha });
    expect(readdirSync(join(run.artifactsDir('provenance'), 'attestations')).sort()).toEqual(['provenance.intoto.jsonl', 'provenance.sigstore.json']);
    const verification = join(run.artifactsDir('sscs-verify'), 'verification');
    expect(readdirSync(verification).sort()).toEqual(['junit.xml', 'verification.intoto.jsonl']);
    expect(readFileSync(join(verification, 'junit.xml'), 'utf8')).toMatch(/<testsuite[^>]*failures="0"/);
    const vsa = JSON.parse(readFileSync(join(verification, 'verification.intoto.jsonl'), 'utf8').trim().split('\n')[0]!);
    expect(vsa.predicateType).toBe('https://slsa.dev/verification_summary/v1');
    expect(vsa.predicate.verificationResult).toBe('PASSED');
    expect(vsa.predicate.verifiedLevels).toContain('SLSA_BUILD_LEVEL_3');
    expect(vsa.subject).toEqual([{ name: 'dist/hello-sscs-1.0.0.tgz', digest: statement!.subject[0]!.digest }]);
    // One token per job environment (the provenance job's carries `environment`), and none leaks.
    expect(run.idTokens).toHaveLength(2);
    for (const token of run.idTokens) {
      expect(run.output).not.toContain(token);
      const leaking = run.allArtifacts().filter((f) => readFileSync(f, 'utf8').includes(token));
      expect(leaking).toEqual([]);
    }
    expect(run.allArtifacts().length).toBeGreaterThan(4);
  });

  it('platform-gate: the centrally defined gate passes the isolated build, and deploy waits for it', async () => {
    const repo = await preparePipelineRepo('platform-gate');
    const run = await runPipeline(repo, { sigstore });
    expectPassed(run, ['build', 'provenance', 'platform-verify', 'deploy']);
  });

  it('container-image: attests the image by digest, attaches the bundle with oras, verifies the digest', async () => {
    const repo = await preparePipelineRepo('container-image');
    const log = join(repo.dir, 'fake-tools.log');
    const run = await runPipeline(repo, { sigstore, path: [join(REPO_ROOT, 'test', 'support', 'bin')], variables: { FAKE_TOOLS_LOG: log } });
    expectPassed(run, ['build-image', 'image-provenance', 'sscs-verify', 'deploy']);
    const [statement] = statements(run, 'image-provenance', 'attestations/image.intoto.jsonl');
    const digest = statement!.subject[0]!.digest.sha256;
    expect(statement!.subject[0]!.name).toMatch(/\/sscs\/components$/);
    const calls = readFileSync(log, 'utf8');
    expect(calls).toContain(`oras attach --artifact-type application/vnd.dev.sigstore.bundle.v0.3+json ${statement!.subject[0]!.name}@sha256:${digest} attestations/image.sigstore.json:application/vnd.dev.sigstore.bundle.v0.3+json`);
  });

  it('release: in a tag pipeline, publishes the attestations and the VSA with the release', async () => {
    const tag = 'v1.0.0';
    const repo = await preparePipelineRepo('release', {}, { tag });
    const run = await runPipeline(repo, { sigstore, claims: pipelineClaims(repo, tag), variables: { CI_API_V4_URL: gitlab.apiUrl, CI_JOB_TOKEN: JOB_TOKEN } });
    expectPassed(run, ['build', 'provenance', 'sscs-verify', 'sscs-release-attestations']);
    expect([...gitlab.packages.keys()].sort()).toEqual([`attestations/${tag}/provenance.intoto.jsonl`, `attestations/${tag}/provenance.sigstore.json`, `attestations/${tag}/verification.intoto.jsonl`]);
    expect(gitlab.releases.get(tag)!.links.map((l) => l.name)).toEqual(['provenance.intoto.jsonl', 'provenance.sigstore.json', 'verification.intoto.jsonl']);
    const [statement] = statements(run, 'provenance', 'attestations/provenance.intoto.jsonl');
    expect(statement!.predicate.buildDefinition.externalParameters.source.ref).toBe(`refs/tags/${tag}`);
    for (const secret of [JOB_TOKEN, ...run.idTokens]) {
      expect(run.output).not.toContain(secret);
      expect(run.allArtifacts().filter((f) => readFileSync(f, 'utf8').includes(secret))).toEqual([]);
    }
  });
});
