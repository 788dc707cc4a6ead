/**
 * Key-based SLSA Build L3 for air-gapped instances: the isolated-provenance job signs with a private key held in
 * a CI/CD variable (scoped to the provenance environment on GitLab), and the verifier's own policy says which
 * builder holds that key. Nothing but sscs checks the job's ID token in this mode (keyless, Fulcio does), so the
 * job verifies it against the keys of the instance its `oidc_issuer` input names, here a stand-in for GitLab's
 * /oauth/discovery/keys on 127.0.0.1. The job's script runs as a runner would, with no Sigstore service at all.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED } from '../../helper/src/provenance/constants.js';
import { FIXTURES, runCli } from '../support/cli.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { jwksDocument, rsaSigningKey, signedJwt, startJwksServer, type JwksServer, type SigningKey } from '../support/gitlab-jwks.js';
import { templateJob } from '../support/template-job.js';
import { tempDir } from '../support/tmp.js';

const { run, inputs } = templateJob('isolated-provenance.yml');
const ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');

let instanceKey: SigningKey;
let instance: JwksServer;
beforeAll(async () => {
  instanceKey = await rsaSigningKey();
  instance = await startJwksServer([instanceKey]);
});

/** A job on the instance at `instance.url`, whose ID token it issued (iss = the instance URL, GitLab's default). */
function job(claimOverrides: Record<string, unknown> = {}) {
  const iss = instance.url;
  // The provenance job runs in the provenance environment, so GitLab writes it into the token.
  const claims = gitlabClaims({ iss, ci_config_ref_uri: `${new URL(iss).host}/group/project//.gitlab-ci.yml@refs/heads/main`, environment: 'sscs-provenance', environment_protected: 'true', ...claimOverrides });
  const env = (token: string, dotenv: Record<string, string> = {}) =>
    gitlabJobEnv({
      CI_SERVER_URL: iss,
      CI_PROJECT_URL: `${iss}/group/project`,
      CI_PIPELINE_URL: `${iss}/group/project/-/pipelines/9001`,
      CI_JOB_URL: `${iss}/group/project/-/jobs/777`,
      CI_JOB_NAME: 'provenance',
      SIGSTORE_ID_TOKEN: token,
      ...dotenv,
    });
  return { iss, claims, env };
}

function signingKey(dir: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'provenance.pub'), publicKey.export({ format: 'pem', type: 'spki' }).toString());
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

const verify = (dir: string, extra: string[]) =>
  runCli(['verify', 'dist/app.tgz', '--bundle', 'attestations/provenance.sigstore.json', '--key', 'provenance.pub', '--trusted-root', ROOT, '--insecure-ignore-tlog', '--format', 'json', ...extra], { cwd: dir });

describe('isolated-provenance with a signing key (air-gapped L3)', () => {
  it('verifies the ID token against the instance, signs with the key named by signing_key_variable, and verifies as L3 only by the verifier policy on that key', async () => {
    expect(inputs.signing_key_variable?.default).toBe('');
    expect(inputs.oidc_issuer?.default).toBe('');
    const { iss, claims, env } = job();
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    const pem = signingKey(dir);
    const token = await signedJwt(claims, instanceKey);
    const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY', oidc_issuer: iss }, { ...env(token), PROVENANCE_SIGNING_KEY: pem });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).not.toContain('PRIVATE KEY');
    expect(r.all).not.toContain(token.split('.')[2]);
    expect(instance.requests).toContain('GET /oauth/discovery/keys');
    const bundle = JSON.parse(readFileSync(join(dir, 'attestations/provenance.sigstore.json'), 'utf8'));
    expect(bundle.verificationMaterial.publicKey).toBeDefined();
    const statement = JSON.parse(readFileSync(join(dir, 'attestations/provenance.intoto.jsonl'), 'utf8'));
    expect(statement.predicate.buildDefinition.internalParameters.trust).toEqual({ mode: 'isolated', factsFrom: 'verified-token' });

    const l3 = await verify(dir, ['--key-builder-id', BUILDER_ID_ISOLATED, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(l3.exitCode, l3.stderr).toBe(0);
    expect(JSON.parse(l3.stdout).slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_3' });
    // The same bundle, the key given to the build job by policy: L2, and a gate asking for the isolated builder fails.
    const l2 = await verify(dir, ['--key-builder-id', BUILDER_ID_BUILD_JOB]);
    expect(JSON.parse(l2.stdout).slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', claimed: 'SLSA_BUILD_LEVEL_3' });
    const gate = await verify(dir, ['--key-builder-id', BUILDER_ID_BUILD_JOB, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(gate.exitCode).toBe(1);
  });

  it("does not sign the reviewer's forgery: an unsigned token and CI_* variables from a build's dotenv report naming another ref and commit", async () => {
    const forged = { sha: 'a'.repeat(40), ref: 'v9.9.9', ref_type: 'tag', ci_config_sha: 'a'.repeat(40) };
    const { iss, claims, env } = job(forged);
    claims.ci_config_ref_uri = `${new URL(iss).host}/group/project//.gitlab-ci.yml@refs/tags/v9.9.9`;
    const dotenv = { CI_COMMIT_SHA: 'a'.repeat(40), CI_COMMIT_REF_NAME: 'v9.9.9', CI_COMMIT_TAG: 'v9.9.9', CI_COMMIT_BRANCH: '', CI_JOB_NAME: 'release-build' };
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    const pem = signingKey(dir);
    // Before the fix this exited 0, and `sscs verify --key-builder-id <isolated> --source-digest aaaa…` said L3.
    const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY', oidc_issuer: iss }, { ...env(unsignedJwt(claims), dotenv), PROVENANCE_SIGNING_KEY: pem });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/\$SIGSTORE_ID_TOKEN: no key in the instance's key set matches the token/);
    expect(existsSync(join(dir, 'attestations/provenance.sigstore.json'))).toBe(false);
    expect(existsSync(join(dir, 'attestations/provenance.intoto.jsonl'))).toBe(false);
  });

  it("refuses a genuine token of another job of the instance (the build job's, with the same audience), which a dotenv report can hand over", async () => {
    const { iss, claims, env } = job({ environment: undefined, environment_protected: undefined, job_id: '776' });
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    const pem = signingKey(dir);
    const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY', oidc_issuer: iss }, { ...env(await signedJwt(claims, instanceKey), { CI_JOB_ID: '776', CI_JOB_URL: `${iss}/group/project/-/jobs/776` }), PROVENANCE_SIGNING_KEY: pem });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/environment claim is absent, not 'sscs-provenance': it was not issued to a job in the provenance environment/);
    expect(existsSync(join(dir, 'attestations/provenance.sigstore.json'))).toBe(false);
  });

  it('refuses to sign without the oidc_issuer input: the issuer never comes from a variable a dotenv report can set', async () => {
    const { claims, env } = job();
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    const pem = signingKey(dir);
    const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY' }, { ...env(await signedJwt(claims, instanceKey)), PROVENANCE_SIGNING_KEY: pem, SSCS_OIDC_ISSUER: instance.url });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/--verify-id-token needs --oidc-issuer URL/);
    expect(existsSync(join(dir, 'attestations/provenance.sigstore.json'))).toBe(false);
  });

  it('leaves out what a dotenv report sets and no claim carries: job name, image, start time, runner self-description', async () => {
    const { iss, claims, env } = job();
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    const pem = signingKey(dir);
    const dotenv = { CI_JOB_NAME: 'release-build', CI_JOB_IMAGE: 'registry.evil.example/sscs:latest', CI_JOB_STARTED_AT: '2001-01-01T00:00:00Z', CI_RUNNER_DESCRIPTION: 'hardened-ephemeral', CI_RUNNER_VERSION: '99.9.9' };
    const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY', oidc_issuer: iss }, { ...env(await signedJwt(claims, instanceKey), dotenv), PROVENANCE_SIGNING_KEY: pem });
    expect(r.exitCode, r.all).toBe(0);
    const text = readFileSync(join(dir, 'attestations/provenance.intoto.jsonl'), 'utf8');
    for (const v of Object.values(dotenv)) expect(text).not.toContain(v);
  });

  it('takes the key set from the oidc_jwks input on a runner that cannot reach the instance', async () => {
    const { iss, claims, env } = job();
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    const pem = signingKey(dir);
    instance.mode = 'status-500';
    // As a user pastes it: the instance's answer, pretty-printed on one line.
    const jwks = JSON.stringify(JSON.parse(jwksDocument([instanceKey])), null, 1).replace(/\n/g, '');
    try {
      const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY', oidc_issuer: iss, oidc_jwks: jwks }, { ...env(await signedJwt(claims, instanceKey)), PROVENANCE_SIGNING_KEY: pem });
      expect(r.exitCode, r.all).toBe(0);
      // A key set given in the configuration is the only one: a token signed by another key fails.
      const other = await rsaSigningKey();
      const forged = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY', oidc_issuer: iss, oidc_jwks: jwks }, { ...env(await signedJwt(claims, other)), PROVENANCE_SIGNING_KEY: pem });
      expect(forged.exitCode).not.toBe(0);
      expect(forged.all).toMatch(/no key in the instance's key set matches/);
      const l3 = await verify(dir, ['--key-builder-id', BUILDER_ID_ISOLATED, '--builder-id', BUILDER_ID_ISOLATED]);
      expect(JSON.parse(l3.stdout).slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_3' });
    } finally {
      instance.mode = 'ok';
    }
  });
});
