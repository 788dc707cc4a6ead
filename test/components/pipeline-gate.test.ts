/**
 * The verification gate refuses what it must refuse, end to end: an artifact changed after it was attested,
 * and a bundle signed by another project. Also the SLSA Build L2 component (provenance in the build job).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { jobResult, removePipelineRepos, preparePipelineRepo, runPipeline } from '../support/pipeline.js';
import { BUNDLE } from '../support/cli.js';


let sigstore: LocalSigstore;
beforeAll(async () => {
  sigstore = await startLocalSigstore();
});
afterAll(async () => {
  removePipelineRepos();
  await sigstore?.close();
});

/** The node-build example's pipeline with one more job between attestation and the gate. */
function withJobBeforeGate(job: string, gateNeeds: string[]): string {
  const example = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'node-build', '.gitlab-ci.yml'), 'utf8');
  return `${example.replace('needs: [build, provenance]', `needs: [${gateNeeds.join(', ')}]`)}\n${job}`;
}

describe('verification gate', () => {
  it('fails when an artifact changed between the build job and the gate', async () => {
    const tamper = `tamper:
  stage: attest
  needs: [build]
  script:
    - echo 'console.log("injected")' >> dist/hello-sscs-1.0.0.tgz
  artifacts:
    paths: [dist/]
`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': withJobBeforeGate(tamper, ['tamper', 'provenance']) });
    const run = await runPipeline(repo, { sigstore });
    expect(jobResult(run, 'provenance'), run.output).toBe('PASS');
    expect(jobResult(run, 'sscs-verify'), run.output).toBe('FAIL');
    expect(jobResult(run, 'deploy'), run.output).toBeUndefined();
    expect(run.exitCode).not.toBe(0);
    expect(readFileSync(join(run.artifactsDir('sscs-verify'), 'verification', 'junit.xml'), 'utf8')).toMatch(/<failure/);
    const vsa = JSON.parse(readFileSync(join(run.artifactsDir('sscs-verify'), 'verification', 'verification.intoto.jsonl'), 'utf8').trim().split('\n')[0]!);
    expect(vsa.predicate.verificationResult).toBe('FAILED');
  });

  it('fails when the bundle was signed by another project', async () => {
    // Attest the same package as another project would: its own token, its own pipeline.
    const work = mkdtempSync(join(tmpdir(), 'sscs-other-project-'));
    const first = await preparePipelineRepo('node-build');
    const built = await runPipeline(first, { sigstore, jobs: ['build'] });
    expect(built.exitCode, built.output).toBe(0);
    const tgz = readFileSync(join(built.artifactsDir('build'), 'dist', 'hello-sscs-1.0.0.tgz'));
    mkdirSync(join(work, 'dist'));
    writeFileSync(join(work, 'dist', 'hello-sscs-1.0.0.tgz'), tgz);
    const claims = { project_path: 'evil/other', namespace_path: 'evil', project_id: '666', sha: first.sha, ci_config_sha: first.sha };
    const token = sigstore.mintToken(claims);
    const issuer = sigstore.issuerUrl.replace(/\/+$/, '');
    const env = {
      PATH: process.env.PATH,
      SIGSTORE_ID_TOKEN: token,
      CI_SERVER_URL: issuer,
      CI_PROJECT_URL: `${issuer}/evil/other`,
      CI_PROJECT_PATH: 'evil/other',
      CI_PROJECT_ID: '666',
      CI_COMMIT_SHA: first.sha,
      CI_COMMIT_REF_NAME: 'main',
      CI_PIPELINE_ID: '574',
      CI_PIPELINE_URL: `${issuer}/evil/other/-/pipelines/574`,
      CI_PIPELINE_SOURCE: 'push',
      CI_JOB_ID: '302',
      CI_JOB_URL: `${issuer}/evil/other/-/jobs/302`,
      CI_JOB_NAME: 'provenance',
    };
    await execa('sh', ['-c', `node ${BUNDLE} provenance --builder isolated --subject dist/hello-sscs-1.0.0.tgz --output p.intoto.jsonl && node ${BUNDLE} attest --statement p.intoto.jsonl --bundle p.sigstore.json --signing-config ${sigstore.signingConfigPath}`], { cwd: work, env, extendEnv: false });
    const substitute = `substitute:
  stage: attest
  needs: [build]
  script:
    - mkdir -p attestations && cp other/p.sigstore.json attestations/provenance.sigstore.json
  artifacts:
    paths: [attestations/]
`;
    const repo = await preparePipelineRepo('node-build', {
      '.gitlab-ci.yml': withJobBeforeGate(substitute, ['build', 'substitute']),
      'other/p.sigstore.json': readFileSync(join(work, 'p.sigstore.json'), 'utf8'),
    });
    rmSync(work, { recursive: true, force: true });
    const run = await runPipeline(repo, { sigstore });
    expect(jobResult(run, 'sscs-verify'), run.output).toBe('FAIL');
    expect(run.output).toMatch(/evil\/other/);
    expect(run.exitCode).not.toBe(0);
  });

  it('build-provenance (SLSA Build L2): builds, attests and signs in one job; the gate accepts it only with the build-job builder', async () => {
    const ci = `stages: [build, verify]
include:
  - component: $CI_SERVER_FQDN/sscs/components/build-provenance@$CI_COMMIT_SHA
    inputs:
      build_script: [mkdir -p dist, npm pack --pack-destination dist]
      subjects: dist/*.tgz
  - component: $CI_SERVER_FQDN/sscs/components/verify-gate@$CI_COMMIT_SHA
    inputs:
      stage: verify
      needs: [sscs-build]
      artifacts: dist/*.tgz
      builder_id: https://sscs.dev/gitlab-ci/builder/build-job/v1
      # The build job runs in no environment: an L2 gate does not ask for one.
      deployment_environment: ''
  - component: $CI_SERVER_FQDN/sscs/components/verify-gate@$CI_COMMIT_SHA
    inputs:
      as: gate-requiring-l3
      stage: verify
      needs: [sscs-build]
      artifacts: dist/*.tgz
`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': ci });
    const run = await runPipeline(repo, { sigstore });
    expect(jobResult(run, 'sscs-build'), run.output).toBe('PASS');
    expect(jobResult(run, 'sscs-verify'), run.output).toBe('PASS');
    expect(jobResult(run, 'gate-requiring-l3'), run.output).toBe('FAIL');
    const line = readFileSync(join(run.artifactsDir('sscs-build'), 'attestations', 'provenance.intoto.jsonl'), 'utf8');
    expect(JSON.parse(line).predicate.runDetails.builder.id).toBe('https://sscs.dev/gitlab-ci/builder/build-job/v1');
    expect(run.output).toContain('deployment-environment check failed: the certificate has no DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23)');
  });

  it('a build job whose steps sign a statement claiming the isolated builder fails the default gate, naming extension 1.23, and verifies as L2 at most', async () => {
    // The build steps hold the same token identity as the isolated job would: they write and sign their own
    // "isolated" provenance. Only the certificate's DeploymentEnvironment (1.23) tells them apart.
    const forge = [
      'mkdir -p dist attestations',
      'npm pack --pack-destination dist',
      // The component's own job runs sscs from its inputs, never from variables; steps of the build call it directly.
      `${process.execPath} ${BUNDLE} provenance --builder isolated --subject dist/hello-sscs-1.0.0.tgz --output attestations/forged.intoto.jsonl`,
      `${process.execPath} ${BUNDLE} attest --statement attestations/forged.intoto.jsonl --bundle attestations/forged.sigstore.json --signing-config "${sigstore.signingConfigPath}"`,
    ];
    const ci = `stages: [build, verify]
include:
  - component: $CI_SERVER_FQDN/sscs/components/build-provenance@$CI_COMMIT_SHA
    inputs:
      build_script: ${JSON.stringify(forge)}
      subjects: dist/*.tgz
      build_artifacts: [dist/, attestations/]
  - component: $CI_SERVER_FQDN/sscs/components/verify-gate@$CI_COMMIT_SHA
    inputs:
      stage: verify
      needs: [sscs-build]
      artifacts: dist/*.tgz
      bundle: attestations/forged.sigstore.json
`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': ci });
    const run = await runPipeline(repo, { sigstore });
    expect(jobResult(run, 'sscs-build'), run.output).toBe('PASS');
    expect(jobResult(run, 'sscs-verify'), run.output).toBe('FAIL');
    expect(run.output).toContain('deployment-environment check failed: the certificate has no DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23)');
    const built = run.artifactsDir('sscs-build');
    expect(JSON.parse(readFileSync(join(built, 'attestations', 'forged.intoto.jsonl'), 'utf8').split('\n')[0]!).predicate.runDetails.builder.id).toBe('https://sscs.dev/gitlab-ci/builder/isolated/v1');
    // Verified without the environment check, the same bundle proves L2 and no more.
    const identity = `https://${new URL(sigstore.issuerUrl).host}/sscs/components//.gitlab-ci.yml@refs/heads/main`;
    const r = await execa(process.execPath, [BUNDLE, 'verify', 'dist/hello-sscs-1.0.0.tgz', '--bundle', 'attestations/forged.sigstore.json', '--trusted-root', sigstore.trustedRootPath, '--certificate-identity', identity, '--certificate-oidc-issuer', sigstore.issuerUrl, '--format', 'json'], { cwd: built, reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout)).slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', claimed: 'SLSA_BUILD_LEVEL_3' });
  });

  it('slsa-l3 (composite): its hidden provenance job, extended in the project file, and its gate pass', async () => {
    const ci = `stages: [build, attest, verify]
include:
  - component: $CI_SERVER_FQDN/sscs/components/slsa-l3@1.0.0
    inputs:
      build_job: build
      subjects: dist/*.tgz
      provenance_stage: attest
      gate_stage: verify
build:
  stage: build
  script: [mkdir -p dist, npm pack --pack-destination dist]
  artifacts:
    paths: [dist/]
provenance:
  extends: .sscs-provenance
  id_tokens:
    SIGSTORE_ID_TOKEN:
      aud: sigstore
`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': ci });
    const run = await runPipeline(repo, { sigstore });
    for (const job of ['build', 'provenance', 'sscs-verify']) expect(jobResult(run, job), run.output).toBe('PASS');
  });
});
