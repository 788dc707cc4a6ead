import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { attest, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

// Several artifacts in one statement, key-signed bundles, and no token in anything verify writes.
describe('verify end to end: many subjects, keys, secrets', () => {
  let stack: LocalSigstore;
  let dir: string;
  let app: string;
  let sbom: string;
  let multi: string;

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-e2e-more-'));
    app = join(dir, 'app.tar.gz');
    sbom = join(dir, 'app.sbom.json');
    writeFileSync(app, 'the build output\n');
    writeFileSync(sbom, '{"bomFormat":"CycloneDX"}\n');
    multi = await attest(stack, dir, 'multi', provenanceStatement(stack, [{ name: 'app.tar.gz', bytes: readFileSync(app) }, { name: 'app.sbom.json', bytes: readFileSync(sbom) }]));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const policy = () => ['--trusted-root', stack.trustedRootPath, '--certificate-identity', sanFor(stack), '--certificate-oidc-issuer', stack.issuerUrl];

  it('verifies every artifact of a statement with many subjects at once', async () => {
    const r = await runCli(['verify', app, sbom, '--bundle', multi, ...policy(), '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as { artifacts: { name: string; subject: string }[] };
    expect(report.artifacts.map((a) => a.subject)).toEqual(['app.tar.gz', 'app.sbom.json']);
  });

  it('names the one artifact that is not a subject', async () => {
    const stray = join(dir, 'stray.txt');
    writeFileSync(stray, 'not built here\n');
    const r = await runCli(['verify', app, stray, '--bundle', multi, ...policy()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`subject check failed for ${stray.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: artifact sha256:[0-9a-f]{64} is not a subject of the statement`));
  });

  it('verifies a key-signed attestation with --key, and rejects it with another key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'signing.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'signing.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'other.pub'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'key.intoto.json'), JSON.stringify(provenanceStatement(stack, [{ name: 'app.tar.gz', bytes: readFileSync(app) }])));
    const signed = await runCli(['attest', '--statement', 'key.intoto.json', '--bundle', 'key.sigstore.json', '--key', 'signing.pem', '--rekor-url', stack.rekorUrl, '--tsa-url', stack.tsaUrl], { cwd: dir });
    expect(signed.exitCode).toBe(0);
    const ok = await runCli(['verify', app, '--bundle', join(dir, 'key.sigstore.json'), '--trusted-root', stack.trustedRootPath, '--key', join(dir, 'signing.pub'), '--source-ref', 'refs/heads/main']);
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    const other = await runCli(['verify', app, '--bundle', join(dir, 'key.sigstore.json'), '--trusted-root', stack.trustedRootPath, '--key', join(dir, 'other.pub')]);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain('signature check failed');
    const keyless = await runCli(['verify', app, '--bundle', join(dir, 'key.sigstore.json'), ...policy()]);
    expect(keyless.exitCode).toBe(1);
    expect(keyless.stderr).toContain('key check failed: bundle is signed with a key');
  });

  it('verifies an air-gapped key signature (no log, no TSA) only with --insecure-ignore-tlog', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'airgap.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'airgap.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const signed = await runCli(['sign', app, '--bundle', 'airgap.sigstore.json', '--key', 'airgap.pem'], { cwd: dir });
    expect(signed.exitCode, signed.stderr).toBe(0);
    const args = ['verify', app, '--bundle', join(dir, 'airgap.sigstore.json'), '--trusted-root', stack.trustedRootPath, '--key', join(dir, 'airgap.pub')];
    const strict = await runCli(args);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toContain('bundle has no transparency log entry (for an air-gapped signer with no log, pass --insecure-ignore-tlog)');
    const relaxed = await runCli([...args, '--insecure-ignore-tlog', '--format', 'json']);
    expect(relaxed.exitCode, relaxed.stderr).toBe(0);
    const checks = (JSON.parse(relaxed.stdout) as { checks: { name: string; status: string }[] }).checks;
    expect(checks.find((c) => c.name === 'tlog')?.status).toBe('skipped');
    expect(checks.find((c) => c.name === 'signature')?.status).toBe('passed');
    writeFileSync(join(dir, 'airgap-tampered.bin'), `${readFileSync(app, 'utf8')}!`);
    const tampered = await runCli(['verify', join(dir, 'airgap-tampered.bin'), ...args.slice(2), '--insecure-ignore-tlog']);
    expect(tampered.exitCode).toBe(1);
  });

  it('verifies an air-gapped key signature with --key --insecure-ignore-tlog and no trusted root at all, offline', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'nort.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'nort.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const offline = { env: { SSCS_TRUSTED_ROOT: '', XDG_CACHE_HOME: join(dir, 'no-tuf-cache') }, timeoutMs: 30_000 };
    expect((await runCli(['sign', app, '--bundle', 'nort.sigstore.json', '--key', 'nort.pem'], { cwd: dir })).exitCode).toBe(0);
    const keyOnly = ['--key', join(dir, 'nort.pub'), '--insecure-ignore-tlog'];
    const ok = await runCli(['verify', app, '--bundle', join(dir, 'nort.sigstore.json'), ...keyOnly, '--format', 'json'], offline);
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    const report = JSON.parse(ok.stdout) as { trustedRoot: { none?: string }; checks: { name: string; status: string }[] };
    expect(report.trustedRoot.none).toContain('key-only');
    expect(report.checks.find((c) => c.name === 'signature')?.status).toBe('passed');
    writeFileSync(join(dir, 'nort-tampered.bin'), `${readFileSync(app, 'utf8')}!`);
    expect((await runCli(['verify', join(dir, 'nort-tampered.bin'), '--bundle', join(dir, 'nort.sigstore.json'), ...keyOnly], offline)).exitCode).toBe(1);
    const other = await runCli(['verify', app, '--bundle', join(dir, 'nort.sigstore.json'), '--key', join(dir, 'other.pub'), '--insecure-ignore-tlog'], offline);
    expect(other.exitCode).toBe(1);
    // A TSA timestamp in the bundle is verified, so it needs the TSA's certificates: a trusted root, and the error says so.
    expect((await runCli(['sign', app, '--bundle', 'nort-tsa.sigstore.json', '--key', 'nort.pem', '--tsa-url', stack.tsaUrl], { cwd: dir })).exitCode).toBe(0);
    const stamped = ['verify', app, '--bundle', join(dir, 'nort-tsa.sigstore.json'), ...keyOnly];
    const noRoot = await runCli([...stamped, '--tuf-mirror-url', 'http://127.0.0.1:9'], offline);
    expect(noRoot.exitCode).toBe(2);
    expect(noRoot.stderr).toContain("a trusted root is needed even with --key --insecure-ignore-tlog because it has an RFC 3161 timestamp, checked against the TSA's certificates");
    expect(noRoot.stderr).toContain('--trusted-root FILE');
    const withRoot = await runCli([...stamped, '--trusted-root', stack.trustedRootPath], offline);
    expect(withRoot.exitCode, withRoot.stderr).toBe(0);
  });

  it('verifies a keyless bundle timestamped by a TSA but not logged, only with --insecure-ignore-tlog', async () => {
    const signed = await runCli(['sign', app, '--bundle', 'tsa-only.sigstore.json', '--fulcio-url', stack.fulcioUrl, '--tsa-url', stack.tsaUrl], { cwd: dir, env: { SIGSTORE_ID_TOKEN: stack.mintToken() } });
    expect(signed.exitCode, signed.stderr).toBe(0);
    const args = ['verify', app, '--bundle', join(dir, 'tsa-only.sigstore.json'), ...policy()];
    expect((await runCli(args)).exitCode).toBe(1);
    const relaxed = await runCli([...args, '--insecure-ignore-tlog']);
    expect(relaxed.exitCode, relaxed.stderr).toBe(0);
  });

  it('signs the VSA with a key when asked to, into a bundle that verifies with that key', async () => {
    const r = await runCli(['verify', app, sbom, '--bundle', multi, ...policy(), '--vsa-output', 'key.vsa.json', '--sign-vsa', '--vsa-signing-key', 'signing.pem', '--rekor-url', stack.rekorUrl, '--vsa-bundle', 'key-vsa.sigstore.json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const v = await runCli(['verify', app, sbom, '--bundle', join(dir, 'key-vsa.sigstore.json'), '--trusted-root', stack.trustedRootPath, '--key', join(dir, 'signing.pub'), '--predicate-type', 'https://slsa.dev/verification_summary/v1']);
    expect(v.stderr).toBe('');
    expect(v.exitCode).toBe(0);
  });

  it('never writes or prints the job token when it signs the VSA', async () => {
    const token = stack.mintToken();
    const r = await runCli(['verify', app, '--bundle', multi, ...policy(), '--vsa-output', 'vsa.json', '--sign-vsa', '--signing-config', stack.signingConfigPath, '--junit', 'junit.xml', '--format', 'json'], { cwd: dir, env: { SIGSTORE_ID_TOKEN: token } });
    expect(r.exitCode).toBe(0);
    const written = ['vsa.json', 'vsa.sigstore.json', 'junit.xml'].map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const text of [r.stdout, r.stderr, ...written]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[2]!);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
