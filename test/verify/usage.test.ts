import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BUNDLE as SINGLE_FILE, FIXTURES, runCli } from '../support/cli.js';

// Flags and identity policy, against a real public-good bundle (conformance happy-path-v0.3), offline.
const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const ARTIFACT = join(CASES, 'a.txt');
const BUNDLE = join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json');
const ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const base = ['verify', ARTIFACT, '--bundle', BUNDLE, '--trusted-root', ROOT];

describe('verify usage', () => {
  it('refuses keyless verification without an identity policy, showing the GitLab identity form', async () => {
    const r = await runCli(base);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'sscs: error: sscs verify: keyless verification needs --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer: without them any signer would be accepted\n' +
        '  For a GitLab job:\n    --certificate-identity https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main\n    --certificate-oidc-issuer https://gitlab.com\n  Or pass --key PUB.pem for a key-signed bundle.\n',
    );
  });

  it('refuses an identity without an issuer', async () => {
    const r = await runCli([...base, '--certificate-identity', IDENTITY]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('keyless verification needs --certificate-oidc-issuer');
  });

  it.each([
    [['--certificate-identity', IDENTITY, '--certificate-identity-regexp', '.*'], '--certificate-identity and --certificate-identity-regexp cannot be used together'],
    [['--key', 'k.pem', '--certificate-identity', IDENTITY], '--key and --certificate-identity cannot be used together'],
    [['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, '--source-ref', 'a', '--source-ref-regexp', 'b'], '--source-ref and --source-ref-regexp cannot be used together'],
    [['--certificate-identity-regexp', '(', '--certificate-oidc-issuer', ISSUER], '--certificate-identity-regexp is not a valid regular expression'],
    [['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, '--runner-environment', 'cloud'], "--runner-environment must be one of gitlab-hosted, self-hosted, not 'cloud'"],
    [['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, '--format', 'xml'], "--format must be one of text, json, not 'xml'"],
  ])('refuses %j', async (flags, message) => {
    const r = await runCli([...base, ...flags]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses a malformed digest argument', async () => {
    const r = await runCli(['verify', 'sha256:abc', '--bundle', BUNDLE, '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(r).toMatchObject({ exitCode: 2, stderr: "sscs: error: 'sha256:abc' is not a sha256 digest: expected sha256:<64 hex digits>\n" });
  });

  it('anchors identity regular expressions: a pattern matching only part of the identity fails', async () => {
    const partial = await runCli([...base, '--certificate-identity-regexp', 'https://github\\.com/sigstore-conformance/', '--certificate-oidc-issuer', ISSUER, '--format', 'json']);
    expect(partial.exitCode).toBe(1);
    expect(JSON.parse(partial.stdout).checks.find((c: { name: string }) => c.name === 'identity')).toMatchObject({ status: 'failed', code: 'IDENTITY_MISMATCH', expected: '/^(?:https://github\\.com/sigstore-conformance/)$/' });
    const whole = await runCli([...base, '--certificate-identity-regexp', 'https://github\\.com/sigstore-conformance/.*@refs/heads/main', '--certificate-oidc-issuer', ISSUER]);
    expect(whole.exitCode).toBe(0);
  });

  it('matches the issuer exactly, not as a prefix', async () => {
    const r = await runCli([...base, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.co']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("issuer check failed: OIDC issuer in the certificate is 'https://token.actions.githubusercontent.com', expected 'https://token.actions.githubusercontent.co'");
  });

  it('fails a GitLab policy check the certificate cannot answer, instead of skipping it', async () => {
    const r = await runCli([...base, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, '--builder-id', 'https://sscs.dev/gitlab-ci/builder/build-job/v1', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'builder-id')).toMatchObject({ status: 'failed', code: 'BUILDER_ID_MISMATCH', message: 'no builder id to check: the provenance carries none' });
  });

  it('checks the predicate type of a DSSE statement exactly', async () => {
    const dsse = ['verify', ARTIFACT, '--bundle', join(CASES, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json'), '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER];
    const ok = await runCli([...dsse, '--predicate-type', 'https://slsa.dev/provenance/v1']);
    expect(ok.exitCode).toBe(0);
    const other = await runCli([...dsse, '--predicate-type', 'https://slsa.dev/provenance/v0.2', '--format', 'json']);
    expect(other.exitCode).toBe(1);
    expect(JSON.parse(other.stdout).checks.filter((c: { status: string }) => c.status === 'failed')).toEqual([expect.objectContaining({ name: 'predicate-type', code: 'PREDICATE_TYPE_MISMATCH', actual: 'https://slsa.dev/provenance/v1' })]);
  });

  it('lists its flags, with the GitLab identity form, in --help', async () => {
    const r = await runCli(['verify', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main');
    for (const flag of ['--certificate-identity-regexp', '--source-ref-regexp', '--vsa-output', '--sign-vsa', '--junit', '--tuf-cache-dir']) expect(r.stdout).toContain(flag);
  });

  it('treats a bundle that is not JSON as a bundle that does not verify (exit 1), naming the line', async () => {
    const r = await runCli(['verify', ARTIFACT, '--bundle', join(CASES, 'bundle-malformed-json_fail', 'bundle.sigstore.json'), '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/bundle\.sigstore\.json: bundle check failed: bundle is not valid JSON: .*\(line 1, column \d+\)/);
  });

  it('verifies a digest from the single-file bundle too', async () => {
    const r = await execa(process.execPath, [SINGLE_FILE, 'verify', 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf', '--bundle', BUNDLE, '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('names a missing artifact', async () => {
    const r = await runCli(['verify', join(CASES, 'missing.txt'), '--bundle', BUNDLE, '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(r).toMatchObject({ exitCode: 2, stderr: `sscs: error: ${join(CASES, 'missing.txt')}: artifact not found\n` });
  });
});
