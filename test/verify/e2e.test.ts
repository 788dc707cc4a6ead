import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { attest, BUILD_TYPE, BUILDER_ID_BUILD_JOB, COMMIT, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

// A pipeline's provenance, signed by `sscs attest` through the local Sigstore, verified by `sscs verify`
// offline against the stack's trusted root, each step in its own process.
describe('verify end to end through the local Sigstore', () => {
  let stack: LocalSigstore;
  let dir: string;
  let artifact: string;
  let good: string;
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-e2e-'));
    artifact = join(dir, 'app.tar.gz');
    writeFileSync(artifact, 'the build output\n');
    const subjects = [{ name: 'app.tar.gz', bytes: readFileSync(artifact) }];
    good = await attest(stack, dir, 'main', provenanceStatement(stack, subjects));
    bundles.feature = await attest(stack, dir, 'feature', provenanceStatement(stack, subjects, { ref: 'refs/heads/feature' }), { ref: 'feature' });
    bundles.other = await attest(stack, dir, 'other', provenanceStatement(stack, subjects, { project: 'group/other' }), { project_path: 'group/other' });
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const policy = (over: Record<string, string> = {}) => {
    const flags: Record<string, string> = {
      '--trusted-root': stack.trustedRootPath,
      '--certificate-identity': sanFor(stack),
      '--certificate-oidc-issuer': stack.issuerUrl,
      '--source-ref': 'refs/heads/main',
      ...over,
    };
    return Object.entries(flags).flat();
  };
  const verify = (bundle: string, over: Record<string, string> = {}, subject = artifact) => runCli(['verify', subject, '--bundle', bundle, ...policy(over), '--format', 'json']);
  const failures = (stdout: string) => (JSON.parse(stdout) as { checks: { name: string; status: string; code?: string }[] }).checks.filter((c) => c.status === 'failed').map((c) => c.code);

  it('verifies the pipeline bundle against the GitLab policy', async () => {
    const r = await runCli(['verify', artifact, '--bundle', good, ...policy(), '--source-repo', `${stack.issuerUrl}/group/project`, '--source-digest', COMMIT, '--build-config-uri', sanFor(stack), '--runner-environment', 'gitlab-hosted', '--pipeline-source', 'push', '--builder-id', BUILDER_ID_BUILD_JOB, '--build-type', BUILD_TYPE, '--predicate-type', 'https://slsa.dev/provenance/v1']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`verified: ${artifact} (${good}, signed by ${sanFor(stack)} (issuer ${stack.issuerUrl}); 19 checks passed; SLSA Build L2)\n`);
  });

  it('reports which checks ran, and where each value came from', async () => {
    const r = await verify(good, { '--source-repo': `${stack.issuerUrl}/group/project` });
    const report = JSON.parse(r.stdout) as { checks: { name: string; status: string; message: string }[]; signer: { extensions: Record<string, string> } };
    expect(report.checks.find((c) => c.name === 'source-ref')).toMatchObject({ status: 'passed', message: "source ref is 'refs/heads/main' (certificate, provenance)" });
    expect(report.checks.find((c) => c.name === 'source-repo')?.status).toBe('passed');
    expect(report.checks.some((c) => c.name === 'builder-id')).toBe(false);
    expect(report.signer.extensions.sourceRepositoryRef).toBe('refs/heads/main');
  });

  const rejections: [string, () => Promise<{ args: string[]; code: string; check: string }>][] = [
    ['a bundle from another ref', async () => ({ args: [bundles.feature!], code: 'IDENTITY_MISMATCH', check: 'identity' })],
    ['another ref than the policy asks for', async () => ({ args: [good, '--source-ref', 'refs/heads/release'], code: 'SOURCE_REF_MISMATCH', check: 'source-ref' })],
    ['a bundle from another project', async () => ({ args: [bundles.other!], code: 'IDENTITY_MISMATCH', check: 'identity' })],
    ['another issuer', async () => ({ args: [good, '--certificate-oidc-issuer', 'https://gitlab.com'], code: 'ISSUER_MISMATCH', check: 'issuer' })],
  ];
  for (const [what, setup] of rejections) {
    it(`rejects ${what}`, async () => {
      const { args, code, check } = await setup();
      const [bundle, ...over] = args;
      const r = await verify(bundle!, Object.fromEntries(over.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, over[i + 1]!]]), [])));
      expect(r.exitCode).toBe(1);
      expect(failures(r.stdout)[0]).toBe(code);
      expect(r.stderr).toContain(`${check} check failed`);
    });
  }

  it('rejects a tampered artifact', async () => {
    const tampered = join(dir, 'tampered.tar.gz');
    writeFileSync(tampered, 'the build output, changed\n');
    const r = await verify(good, {}, tampered);
    expect(r.exitCode).toBe(1);
    expect(failures(r.stdout)).toEqual(['SUBJECT_NOT_FOUND']);
    expect(r.stderr).toContain('subject check failed');
  });

  const mutate = (name: string, change: (b: Record<string, any>) => void): string => {
    const b = JSON.parse(readFileSync(good, 'utf8'));
    change(b);
    const path = join(dir, `${name}.sigstore.json`);
    writeFileSync(path, JSON.stringify(b));
    return path;
  };

  it('rejects a tampered statement', async () => {
    const path = mutate('tampered-statement', (b) => {
      const s = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
      s.predicate.buildDefinition.externalParameters.source.ref = 'refs/heads/main-but-not';
      b.dsseEnvelope.payload = Buffer.from(JSON.stringify(s)).toString('base64');
    });
    const r = await verify(path);
    expect(r.exitCode).toBe(1);
    expect(failures(r.stdout)).toContain('TLOG');
    expect(r.stderr).toContain('tlog check failed');
  });

  it('rejects a swapped certificate', async () => {
    const other = JSON.parse(readFileSync(bundles.other!, 'utf8'));
    const path = mutate('swapped-certificate', (b) => {
      b.verificationMaterial.certificate = other.verificationMaterial.certificate;
    });
    const r = await verify(path, { '--certificate-identity': sanFor(stack, 'group/other') });
    expect(r.exitCode).toBe(1);
    // Which check catches it first depends on timing: the other certificate was usually issued after this
    // bundle's log entry (chain fails at signing time); within the same second it passes that and fails the
    // log entry, which names the original, or the signature, which its key did not make.
    const [first, ...rest] = failures(r.stdout);
    expect(['CERTIFICATE_CHAIN', 'TLOG', 'SIGNATURE']).toContain(first);
    expect(rest).toEqual([]);
    expect(r.stderr).toMatch(/^sscs: error: .*: (certificate-chain|tlog|signature) check failed/);
  });

  it('rejects a bundle without its transparency log entry', async () => {
    const path = mutate('no-tlog', (b) => {
      b.verificationMaterial.tlogEntries = [];
    });
    const r = await verify(path);
    expect(r.exitCode).toBe(1);
    expect(failures(r.stdout)).toEqual(['TLOG']);
    expect(r.stderr).toContain('tlog check failed: bundle has no transparency log entry');
  });
});
