import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { BUNDLE, runCli, type CliResult } from '../support/cli.js';
import { everything, fulcioExtensions, readBundle, verifyBundle } from '../support/bundles.js';
import { OID, startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const STATEMENT = join(FIXTURES, 'statement.intoto.json');

describe('keyless signing against the local Sigstore', () => {
  let stack: LocalSigstore;
  let work: string;
  let token: string;
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    stack = await startLocalSigstore();
    work = mkdtempSync(join(tmpdir(), 'sscs-sign-'));
    token = stack.mintToken({ project_path: 'group/project', ref: 'main', ref_type: 'branch' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runCli(args, { cwd: work, env: { SIGSTORE_ID_TOKEN: token, ...env } });
    outputs.push(r);
    return r;
  };

  it('attests a statement into a DSSE bundle v0.3 that verifies against the trusted root', async () => {
    const r = await run(['attest', '--statement', STATEMENT, '--bundle', 'prov.sigstore.json', '--signing-config', stack.signingConfigPath]);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'prov.sigstore.json\n', stderr: '' });
    const bundle = readBundle(join(work, 'prov.sigstore.json')) as { mediaType: string; dsseEnvelope: { payloadType: string; payload: string; signatures: unknown[] }; verificationMaterial: Record<string, { length?: number }> };
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'))).toEqual(JSON.parse(readFileSync(STATEMENT, 'utf8')));
    expect(bundle.dsseEnvelope.signatures).toHaveLength(1);
    // A tlog entry and an RFC 3161 timestamp: both must verify.
    const signer = verifyBundle(join(work, 'prov.sigstore.json'), stack.trustedRootPath, { thresholds: { timestampThreshold: 2 } });
    expect(signer.identity?.subjectAlternativeName).toBe(`https://${new URL(stack.issuerUrl).host}/group/project//.gitlab-ci.yml@refs/heads/main`);
  });

  it('puts the job token claims into the certificate as Fulcio does for GitLab', () => {
    const signer = verifyBundle(join(work, 'prov.sigstore.json'), stack.trustedRootPath);
    const server = stack.issuerUrl;
    const configUri = `https://${new URL(server).host}/group/project//.gitlab-ci.yml@refs/heads/main`;
    const sha = '5f0c6e2bd6b4b4a6c2f2f0e1c3b0a9d8e7f6a5b4';
    expect(fulcioExtensions(signer)).toEqual({
      [OID.issuerLegacy]: server,
      [OID.issuer]: server,
      [OID.buildSignerUri]: configUri,
      [OID.buildSignerDigest]: sha,
      [OID.runnerEnvironment]: 'gitlab-hosted',
      [OID.sourceRepositoryUri]: `${server}/group/project`,
      [OID.sourceRepositoryDigest]: sha,
      [OID.sourceRepositoryRef]: 'refs/heads/main',
      [OID.sourceRepositoryIdentifier]: '20',
      [OID.sourceRepositoryOwnerUri]: `${server}/group`,
      [OID.sourceRepositoryOwnerIdentifier]: '72',
      [OID.buildConfigUri]: configUri,
      [OID.buildConfigDigest]: sha,
      [OID.buildTrigger]: 'push',
      [OID.runInvocationUri]: `${server}/group/project/-/jobs/302`,
      [OID.sourceRepositoryVisibility]: 'private',
      [OID.tokenSubject]: 'project_path:group/project:ref_type:branch:ref:main',
    });
  });

  it('signs a blob into a message-signature bundle v0.3 bound to its digest', async () => {
    writeFileSync(join(work, 'app.tar.gz'), 'the artifact bytes\n');
    const r = await run(['sign', 'app.tar.gz', '--bundle', 'app.sigstore.json', '--fulcio-url', stack.fulcioUrl, '--rekor-url', stack.rekorUrl, '--tsa-url', stack.tsaUrl]);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'app.sigstore.json\n', stderr: '' });
    const bundle = readBundle(join(work, 'app.sigstore.json')) as { mediaType: string; verificationMaterial: Record<string, unknown> };
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(Object.keys(bundle.verificationMaterial).sort()).toEqual(['certificate', 'timestampVerificationData', 'tlogEntries']);
    verifyBundle(join(work, 'app.sigstore.json'), stack.trustedRootPath, { artifact: readFileSync(join(work, 'app.tar.gz')), thresholds: { timestampThreshold: 2 } });
    expect(() => verifyBundle(join(work, 'app.sigstore.json'), stack.trustedRootPath, { artifact: Buffer.from('other bytes') })).toThrow();
  });

  it('writes one bundle per statement of a JSON Lines file and lists them', async () => {
    const r = await run(['attest', '--statement', join(FIXTURES, 'two-statements.intoto.jsonl'), '--bundle', 'multi.sigstore.json', '--format', 'json'], {
      SSCS_FULCIO_URL: stack.fulcioUrl,
      SSCS_REKOR_URL: stack.rekorUrl,
    });
    expect(r.exitCode).toBe(0);
    const summary = JSON.parse(r.stdout) as { bundles: { path: string; subjects: string[] }[]; signer: Record<string, string>; services: Record<string, string> };
    expect(summary.bundles).toEqual([
      { path: 'multi.1.sigstore.json', predicateType: 'https://slsa.dev/provenance/v1', subjects: ['a.bin'] },
      { path: 'multi.2.sigstore.json', predicateType: 'https://slsa.dev/provenance/v1', subjects: ['b.bin'] },
    ]);
    expect(summary.signer).toEqual({ mode: 'keyless', issuer: stack.issuerUrl, subject: 'project_path:group/project:ref_type:branch:ref:main' });
    expect(summary.services).toEqual({ fulcio: stack.fulcioUrl, rekor: stack.rekorUrl });
    for (const b of summary.bundles) verifyBundle(join(work, b.path), stack.trustedRootPath);
  });

  it('reads the token from the variable --identity-token-env names', async () => {
    // A name the CLI's output redactor does not recognise as secret, so that the leak check below tests the
    // code itself and not the redactor.
    const r = await runCli(['attest', '--statement', STATEMENT, '--bundle', 'other.sigstore.json', '--identity-token-env', 'OIDC_JWT', '--signing-config', stack.signingConfigPath, '--format', 'json'], {
      cwd: work,
      env: { OIDC_JWT: token },
    });
    outputs.push(r);
    expect(r.exitCode).toBe(0);
    verifyBundle(join(work, 'other.sigstore.json'), stack.trustedRootPath);
  });

  it('signs the same from the single-file bundle a job image carries', async () => {
    const r = await execa(process.execPath, [BUNDLE, 'attest', '--statement', STATEMENT, '--bundle', 'single.sigstore.json', '--signing-config', stack.signingConfigPath], {
      cwd: work,
      env: { PATH: process.env.PATH, SIGSTORE_ID_TOKEN: token },
      extendEnv: false,
      reject: false,
    });
    outputs.push({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });
    expect(r.exitCode).toBe(0);
    verifyBundle(join(work, 'single.sigstore.json'), stack.trustedRootPath);
  });

  it('never writes or prints the token', () => {
    const files = readdirSync(work).map((f) => join(work, f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const all = everything(outputs.flatMap((o) => [o.stdout, o.stderr]), files);
    expect(all).not.toContain(token);
    // Nor its signature part alone, which is what makes it a credential.
    expect(all).not.toContain(token.split('.')[2]);
  });
});
