import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchored } from '../../helper/src/verify/policy.js';
import { FIXTURES, runCli } from '../support/cli.js';
import { attest, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const ARTIFACT = join(CASES, 'a.txt');
const BUNDLE = join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json');
const ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const base = ['verify', ARTIFACT, '--bundle', BUNDLE, '--trusted-root', ROOT];

interface Report {
  verified: boolean;
  artifacts: { name: string; unchecked?: string[] }[];
  checks: { name: string; status: string; code?: string; message: string; unchecked?: string[] }[];
}

describe('verify: regular expression flags', () => {
  it('compiles a pattern on its own before anchoring it, so an unbalanced one cannot match everything', () => {
    expect(() => anchored('nomatch)|(.*')).toThrow();
    expect(anchored('refs/tags/v.*').test('refs/tags/v1')).toBe(true);
    expect(anchored('a|b').test('ab')).toBe(false);
  });

  it.each([
    ['--certificate-identity-regexp', ['--certificate-identity-regexp', 'nomatch)|(.*', '--certificate-oidc-issuer', ISSUER]],
    ['--source-ref-regexp', ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, '--source-ref-regexp', 'nomatch)|(.*']],
    ['--certificate-identity-regexp', ['--certificate-identity-regexp', '[', '--certificate-oidc-issuer', ISSUER]],
  ])('refuses an invalid %s with exit 2, naming the flag', async (flag, flags) => {
    const r = await runCli([...base, ...flags]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${flag} is not a valid regular expression`);
  });
});

describe('verify: configuration and bundle input', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-edge-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails the bundle check (exit 1) for a bundle that is not JSON, and still writes a FAILED VSA', async () => {
    const r = await runCli([...base.slice(0, 3), join(CASES, 'bundle-malformed-json_fail', 'bundle.sigstore.json'), '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER, '--format', 'json', '--vsa-output', join(dir, 'vsa.json')]);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.checks[0]).toMatchObject({ name: 'bundle', status: 'failed', code: 'BUNDLE_INVALID' });
    expect(report.checks[0]!.message).toMatch(/^bundle is not valid JSON: .* \(line \d+, column \d+\)$/);
    expect(r.stderr).toContain('bundle check failed: bundle is not valid JSON');
    expect(JSON.parse(readFileSync(join(dir, 'vsa.json'), 'utf8')).predicate.verificationResult).toBe('FAILED');
  });

  it('keeps exit 2 for a bundle, trusted root or key that cannot be read', async () => {
    const missingBundle = await runCli(['verify', ARTIFACT, '--bundle', join(dir, 'none.json'), '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(missingBundle).toMatchObject({ exitCode: 2, stderr: `sscs: error: ${join(dir, 'none.json')}: bundle not found\n` });
    const missingRoot = await runCli([...base.slice(0, 4), '--trusted-root', join(dir, 'none.json'), '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(missingRoot.exitCode).toBe(2);
    expect(missingRoot.stderr).toContain('trusted root not found');
    writeFileSync(join(dir, 'root.json'), '{ not json');
    const badRoot = await runCli([...base.slice(0, 4), '--trusted-root', join(dir, 'root.json'), '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(badRoot.exitCode).toBe(2);
    expect(badRoot.stderr).toContain('trusted root is not valid JSON');
    const key = await runCli([...base.slice(0, 4), '--trusted-root', ROOT, '--key', join(dir, 'none.pem')]);
    expect(key.exitCode).toBe(2);
    expect(key.stderr).toContain('public key not found');
    writeFileSync(join(dir, 'garbage.pem'), 'not a key');
    const garbage = await runCli([...base.slice(0, 4), '--trusted-root', ROOT, '--key', join(dir, 'garbage.pem')]);
    expect(garbage.exitCode).toBe(2);
    expect(garbage.stderr).toContain('not a PEM public key');
  });

  it.each([
    'application/vnd.dev.sigstore.trustedroot.v0.1+json',
    'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    'application/vnd.dev.sigstore.trustedroot.v0.2+json',
  ])('accepts a trusted root with media type %s', async (mediaType) => {
    const root = JSON.parse(readFileSync(ROOT, 'utf8'));
    const path = join(dir, `root-${createHash('sha256').update(mediaType).digest('hex').slice(0, 8)}.json`);
    writeFileSync(path, JSON.stringify({ ...root, mediaType }));
    const r = await runCli(['verify', ARTIFACT, '--bundle', BUNDLE, '--trusted-root', path, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});

// A subject may list several digests. With the file, every algorithm sscs supports that the subject lists must
// match; given as ALG:HEX, that one must, and the report says which went unchecked. Both ways agree whenever
// the listed digests are all of the same content.
describe('verify: subjects with several digests', () => {
  let stack: LocalSigstore;
  let dir: string;
  let artifact: string;
  const hex: Record<string, string> = {};
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-digests-'));
    artifact = join(dir, 'app.tgz');
    writeFileSync(artifact, 'the build output\n');
    for (const alg of ['sha256', 'sha384', 'sha512', 'sha1']) hex[alg] = createHash(alg).update(readFileSync(artifact)).digest('hex');
    const withDigests = (digest: Record<string, string>) => {
      const s = provenanceStatement(stack, [{ name: 'app.tgz', bytes: readFileSync(artifact) }]) as { subject: { name: string; digest: Record<string, string> }[] };
      return { ...s, subject: [{ name: 'app.tgz', digest }] };
    };
    bundles.agree = await attest(stack, dir, 'agree', withDigests({ sha256: hex.sha256!, sha512: hex.sha512! }));
    bundles.wrong512 = await attest(stack, dir, 'wrong512', withDigests({ sha256: hex.sha256!, sha512: 'ab'.repeat(64) }));
    bundles.withSha1 = await attest(stack, dir, 'with-sha1', withDigests({ sha384: hex.sha384!, sha1: hex.sha1! }));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verify = async (bundle: string, what: string) => {
    const r = await runCli(['verify', what, '--bundle', bundle, '--trusted-root', stack.trustedRootPath, '--certificate-identity', sanFor(stack), '--certificate-oidc-issuer', stack.issuerUrl, '--format', 'json'], { cwd: dir });
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const subjectCheck = (report: Report) => report.checks.find((c) => c.name === 'subject')!;

  it('with the file, compares every supported algorithm the subject lists', async () => {
    const r = await verify(bundles.agree!, artifact);
    expect(r.exitCode).toBe(0);
    expect(subjectCheck(r.report).message).toBe("artifact is subject 'app.tgz' of the statement (sha256, sha512 match)");
    expect(subjectCheck(r.report).unchecked).toBeUndefined();
  });

  it('with sha256:HEX alone, compares that one and says the others went unchecked', async () => {
    const r = await verify(bundles.agree!, `sha256:${hex.sha256}`);
    expect(r.exitCode).toBe(0);
    expect(subjectCheck(r.report)).toMatchObject({ status: 'passed', unchecked: ['sha512'] });
    expect(subjectCheck(r.report).message).toContain('not checked: sha512 (only sha256 was given)');
    expect(r.report.artifacts[0]!.unchecked).toEqual(['sha512']);
    const by512 = await verify(bundles.agree!, `sha512:${hex.sha512}`);
    expect(by512.exitCode).toBe(0);
    expect(subjectCheck(by512.report).unchecked).toEqual(['sha256']);
  });

  it('fails the file when one listed algorithm disagrees, naming it', async () => {
    const r = await verify(bundles.wrong512!, artifact);
    expect(r.exitCode).toBe(1);
    expect(subjectCheck(r.report)).toMatchObject({ status: 'failed', code: 'SUBJECT_NOT_FOUND', expected: `sha512:${'ab'.repeat(64)}`, actual: `sha512:${hex.sha512}` });
    expect(r.stderr).toContain(`artifact matches subject 'app.tgz' by sha256 but not by sha512`);
  });

  it('counts an algorithm sscs does not support as unchecked, never as a match', async () => {
    const file = await verify(bundles.withSha1!, artifact);
    expect(file.exitCode).toBe(0);
    expect(subjectCheck(file.report)).toMatchObject({ unchecked: ['sha1'] });
    const sha256Only = await verify(bundles.withSha1!, `sha256:${hex.sha256}`);
    expect(sha256Only.exitCode).toBe(1);
  });

  it('never gives opposite verdicts by file and by digest when the listed digests agree', async () => {
    for (const bundle of [bundles.agree!, bundles.withSha1!]) {
      const listed = (JSON.parse(Buffer.from((JSON.parse(readFileSync(bundle, 'utf8')) as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: { digest: Record<string, string> }[] }).subject[0]!.digest;
      const byFile = (await verify(bundle, artifact)).exitCode;
      expect(byFile).toBe(0);
      for (const alg of Object.keys(listed).filter((a) => ['sha256', 'sha384', 'sha512'].includes(a))) {
        expect((await verify(bundle, `${alg}:${hex[alg]}`)).exitCode, alg).toBe(byFile);
      }
    }
  });
});
