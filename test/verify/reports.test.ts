import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { attest, BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

// The files `sscs verify` writes: a SLSA VSA (signed on request) and a JUnit report, for passes and failures.
describe('verify reports', () => {
  let stack: LocalSigstore;
  let dir: string;
  let artifact: string;
  let isolated: string;
  let buildJob: string;

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-reports-'));
    artifact = join(dir, 'app.tar.gz');
    writeFileSync(artifact, 'the build output\n');
    const subjects = [{ name: 'app.tar.gz', bytes: readFileSync(artifact) }];
    isolated = await attest(stack, dir, 'isolated', provenanceStatement(stack, subjects, { builderId: BUILDER_ID_ISOLATED }), { environment: 'sscs-provenance' });
    buildJob = await attest(stack, dir, 'build-job', provenanceStatement(stack, subjects, { builderId: BUILDER_ID_BUILD_JOB }));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const policy = () => ['--trusted-root', stack.trustedRootPath, '--certificate-identity', sanFor(stack), '--certificate-oidc-issuer', stack.issuerUrl];
  const readJson = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

  it('writes a PASSED VSA at SLSA Build L3 for provenance the isolated job signed in its environment', async () => {
    const r = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--builder-id', BUILDER_ID_ISOLATED, '--deployment-environment', 'sscs-provenance', '--vsa-output', 'l3.vsa.json'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const vsa = readJson('l3.vsa.json');
    expect(vsa).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'app.tar.gz', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }],
      predicateType: 'https://slsa.dev/verification_summary/v1',
      predicate: {
        verifier: { id: 'https://sscs.dev/verifier/v1' },
        resourceUri: 'app.tar.gz',
        policy: { uri: 'https://sscs.dev/gitlab-ci/verify-policy/v1', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
        inputAttestations: [{ uri: isolated, digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }],
        verificationResult: 'PASSED',
        verifiedLevels: ['SLSA_BUILD_LEVEL_3'],
        slsaVersion: '1.0',
      },
    });
    expect(Date.parse(vsa.predicate.timeVerified)).not.toBeNaN();
  });

  it('says SLSA Build L2 for provenance the build job signed itself, under another policy digest', async () => {
    const r = await runCli(['verify', artifact, '--bundle', buildJob, ...policy(), '--vsa-output', 'l2.vsa.json', '--resource-uri', 'pkg:generic/app@1.0.0'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const vsa = readJson('l2.vsa.json');
    expect(vsa.predicate).toMatchObject({ verificationResult: 'PASSED', verifiedLevels: ['SLSA_BUILD_LEVEL_2'], resourceUri: 'pkg:generic/app@1.0.0' });
    expect(vsa.predicate.policy.digest.sha256).not.toBe(readJson('l3.vsa.json').predicate.policy.digest.sha256);
  });

  it('writes a FAILED VSA and a JUnit report naming the failed check when verification fails', async () => {
    const r = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--source-ref', 'refs/heads/release', '--vsa-output', 'failed.vsa.json', '--junit', 'junit.xml'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(readJson('failed.vsa.json').predicate).toMatchObject({ verificationResult: 'FAILED', verifiedLevels: [] });
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="sscs verify [^"]*" tests="11" failures="1" errors="0" skipped="0">/);
    expect(xml).toContain(`<testsuite name="${artifact}" tests="11" failures="1" errors="0" skipped="0">`);
    expect(xml).toContain(`<testcase classname="${artifact}" name="identity"/>`);
    expect(xml).toContain(`<testcase classname="${artifact}" name="source-ref">\n      <failure type="SOURCE_REF_MISMATCH" message="source ref in the certificate is 'refs/heads/main', expected 'refs/heads/release'">`);
    expect(xml.match(/<testcase /g)).toHaveLength(11);
  });

  it('signs the VSA so that it verifies as an attestation about the same artifact', async () => {
    const r = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--vsa-output', 'signed.vsa.json', '--sign-vsa', '--signing-config', stack.signingConfigPath], { cwd: dir, env: { SIGSTORE_ID_TOKEN: stack.mintToken() } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const v = await runCli(['verify', artifact, '--bundle', join(dir, 'signed.vsa.sigstore.json'), ...policy(), '--predicate-type', 'https://slsa.dev/verification_summary/v1']);
    expect(v.stderr).toBe('');
    expect(v.exitCode).toBe(0);
  });

  it('--sign-vsa whose signing fails: exit 1 when verification failed too (the check is the result), 2 when it passed, and no unsigned VSA left behind', async () => {
    // No ID token: keyless signing cannot start.
    const failed = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--source-ref', 'refs/heads/release', '--vsa-output', 'unsigned-failed.vsa.json', '--sign-vsa', '--signing-config', stack.signingConfigPath, '--junit', 'unsigned-failed.xml'], { cwd: dir, env: {} });
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(failed.stderr).toContain('source-ref check failed');
    expect(failed.stderr).toContain('sscs verify: the VSA was not written: signing it failed:');
    expect(existsSync(join(dir, 'unsigned-failed.vsa.json'))).toBe(false);
    expect(existsSync(join(dir, 'unsigned-failed.vsa.sigstore.json'))).toBe(false);
    expect(readFileSync(join(dir, 'unsigned-failed.xml'), 'utf8')).toContain('<failure type="SOURCE_REF_MISMATCH"');
    const passed = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--vsa-output', 'unsigned-passed.vsa.json', '--sign-vsa', '--signing-config', stack.signingConfigPath], { cwd: dir, env: {} });
    expect(passed.exitCode, passed.stderr).toBe(2);
    expect(existsSync(join(dir, 'unsigned-passed.vsa.json'))).toBe(false);
  });

  it('refuses signing flags without --sign-vsa, and --sign-vsa without --vsa-output', async () => {
    const a = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--signing-config', stack.signingConfigPath]);
    expect(a).toMatchObject({ exitCode: 2, stderr: 'sscs: error: --signing-config is for signing the VSA: add --sign-vsa\n' });
    const b = await runCli(['verify', artifact, '--bundle', isolated, ...policy(), '--sign-vsa']);
    expect(b).toMatchObject({ exitCode: 2, stderr: 'sscs: error: --sign-vsa needs --vsa-output FILE\n' });
  });
});
