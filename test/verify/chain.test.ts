import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { gitlabJobEnv } from '../support/gitlab-env.js';
import { sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { BUILD_TYPE, BUILDER_ID_ISOLATED } from '../../helper/src/provenance/constants.js';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, string | number>;

/** The job environment GitLab would set beside this token: every variable agrees with its claim. */
function jobEnvFor(token: string): Record<string, string> {
  const c = claimsOf(token);
  const project = `${c.iss}/${c.project_path}`;
  return gitlabJobEnv({
    SIGSTORE_ID_TOKEN: token,
    CI_SERVER_URL: String(c.iss),
    CI_PROJECT_PATH: String(c.project_path),
    CI_PROJECT_URL: project,
    CI_PROJECT_ID: String(c.project_id),
    CI_PROJECT_NAMESPACE: String(c.namespace_path),
    CI_PROJECT_VISIBILITY: String(c.project_visibility),
    CI_COMMIT_SHA: String(c.sha),
    CI_COMMIT_REF_NAME: String(c.ref),
    CI_PIPELINE_ID: String(c.pipeline_id),
    CI_PIPELINE_URL: `${project}/-/pipelines/${c.pipeline_id}`,
    CI_PIPELINE_SOURCE: String(c.pipeline_source),
    CI_JOB_ID: String(c.job_id),
    CI_JOB_URL: `${project}/-/jobs/${c.job_id}`,
    CI_RUNNER_ID: String(c.runner_id),
  });
}

// The whole chain as a pipeline runs it, each step its own process: `sscs provenance` in a job holding a
// token for group/project on refs/heads/main, `sscs attest` through the local Sigstore, `sscs verify` offline.
describe('provenance, attest and verify, end to end', () => {
  let stack: LocalSigstore;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-chain-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/app.tgz'), 'the build output\n');
    // The isolated job runs in its provenance environment (environment: sscs-provenance).
    token = stack.mintToken({ project_path: 'group/project', ref: 'main', ref_type: 'branch', environment: 'sscs-provenance' });
    const env = { ...jobEnvFor(token), CI_PROJECT_DIR: dir };
    const p = await runCli(['provenance', '--builder', 'isolated', '--subject', 'dist/**', '-o', 'p.intoto.jsonl'], { cwd: dir, env });
    expect(p.stderr).toContain('wrote 1 statement covering 1 subject');
    const a = await runCli(['attest', '--statement', 'p.intoto.jsonl', '--bundle', 'p.sigstore.json', '--signing-config', stack.signingConfigPath], { cwd: dir, env });
    expect(a.exitCode, a.stderr).toBe(0);
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verify = (extra: string[], artifact = 'dist/app.tgz') =>
    runCli(['verify', artifact, '--bundle', 'p.sigstore.json', '--trusted-root', stack.trustedRootPath, '--certificate-oidc-issuer', stack.issuerUrl, ...extra], { cwd: dir });

  it('passes the GitLab policy, checked against the certificate and the provenance sscs wrote', async () => {
    const c = claimsOf(token);
    const r = await verify([
      '--certificate-identity', sanFor(stack),
      '--source-ref', 'refs/heads/main',
      '--source-repo', `${stack.issuerUrl}/group/project`,
      '--source-digest', String(c.sha),
      '--build-config-uri', sanFor(stack),
      '--pipeline-source', String(c.pipeline_source),
      '--builder-id', BUILDER_ID_ISOLATED,
      '--deployment-environment', 'sscs-provenance',
      '--build-type', BUILD_TYPE,
      '--format', 'json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const checks = (JSON.parse(r.stdout) as { checks: { name: string; status: string; message: string }[] }).checks;
    const check = (name: string) => checks.find((x) => x.name === name);
    // Each GitLab fact is read from both the certificate and the provenance, and both agree.
    for (const name of ['source-ref', 'source-repo', 'source-digest', 'build-config-uri', 'pipeline-source']) {
      expect(check(name), name).toMatchObject({ status: 'passed' });
      expect(check(name)!.message, name).toContain('(certificate, provenance)');
    }
    expect(check('builder-id')).toMatchObject({ status: 'passed' });
    expect((JSON.parse(r.stdout) as { slsaBuildLevel: { level: string } }).slsaBuildLevel.level).toBe('SLSA_BUILD_LEVEL_3');
  });

  const failedCodes = (stdout: string) => (JSON.parse(stdout) as { checks: { status: string; code?: string }[] }).checks.filter((x) => x.status === 'failed').map((x) => x.code);

  it.each([
    ['another ref', () => ['--certificate-identity', sanFor(stack), '--source-ref', 'refs/heads/release'], 'SOURCE_REF_MISMATCH'],
    ['another project', () => ['--certificate-identity', sanFor(stack, 'group/other')], 'IDENTITY_MISMATCH'],
    ['another builder', () => ['--certificate-identity', sanFor(stack), '--builder-id', 'https://sscs.dev/gitlab-ci/builder/build-job/v1'], 'BUILDER_ID_MISMATCH'],
  ])('fails with exit 1 for %s', async (_what, args, code) => {
    const r = await verify([...args(), '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(failedCodes(r.stdout)).toContain(code);
  });

  it('fails with exit 1 when the artifact changed after signing', async () => {
    writeFileSync(join(dir, 'changed.tgz'), `${readFileSync(join(dir, 'dist/app.tgz'), 'utf8')}x`);
    const r = await verify(['--certificate-identity', sanFor(stack), '--format', 'json'], 'changed.tgz');
    expect(r.exitCode).toBe(1);
    expect(failedCodes(r.stdout)).toEqual(['SUBJECT_NOT_FOUND']);
  });

  it('refuses to sign with a token that expired, naming the id_tokens fix (exit 2: bad input)', async () => {
    const expired = stack.mintToken({}, { expiresIn: -60 });
    const r = await runCli(['attest', '--statement', 'p.intoto.jsonl', '--bundle', 'late.sigstore.json', '--signing-config', stack.signingConfigPath], { cwd: dir, env: { SIGSTORE_ID_TOKEN: expired } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the identity token expired at');
    expect(r.stderr).toContain('aud: sigstore');
    expect(r.stderr).not.toContain(expired);
  });
});
