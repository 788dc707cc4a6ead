import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/** What sscs verify says when a check fails for a reason the sigstore library words vaguely, or before it runs. */
const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const keyless = ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER];
/** No trusted root from the environment, and a TUF cache nobody filled: any fetch would fail. */
const offline = (dir: string) => ({ env: { SSCS_TRUSTED_ROOT: '', XDG_CACHE_HOME: join(dir, 'no-tuf-cache'), HOME: dir }, timeoutMs: 30_000 });

describe('verify: failure messages', () => {
  it('a key-signed bundle with no log entry fails the tlog check (exit 1) with its way out, fetching no trusted root', async () => {
    const dir = tempDir({ 'app.txt': 'app\n' });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'k.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await runCli(['sign', 'app.txt', '--bundle', 'b.sigstore.json', '--key', 'k.pem'], { cwd: dir })).exitCode).toBe(0);
    const r = await runCli(['verify', 'app.txt', '--bundle', 'b.sigstore.json', '--key', 'k.pub'], { cwd: dir, ...offline(dir) });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('tlog check failed: bundle has no transparency log entry (for an air-gapped signer with no log, pass --insecure-ignore-tlog)');
    expect(r.stderr).not.toContain('TUF');
  });

  it.each([
    ['intoto-set-outside-signing-cert-validity_fail', "the log entry's integrated time"],
    ['intoto-tsa-timestamp-outside-cert-validity_fail', "the timestamp authority's time"],
  ])('%s: says the signing time is outside the certificate validity', async (name, which) => {
    const c = join(CASES, name);
    const r = await runCli(['verify', join(c, 'artifact'), '--bundle', join(c, 'bundle.sigstore.json'), '--trusted-root', join(c, 'trusted_root.json'), ...keyless]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`certificate-chain check failed: the signing time is outside the signing certificate's validity \\(\\S+ to \\S+\\): ${which} \\d{4}-`));
  });

  it('--insecure-ignore-tlog on a keyless bundle with neither log entry nor timestamp says a keyless bundle needs one', async () => {
    const dir = tempDir();
    const bundle = JSON.parse(readFileSync(join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'));
    bundle.verificationMaterial.tlogEntries = [];
    writeFileSync(join(dir, 'b.json'), JSON.stringify(bundle));
    const r = await runCli(['verify', join(CASES, 'a.txt'), '--bundle', join(dir, 'b.json'), '--trusted-root', join(FIXTURES, 'public-good', 'trusted_root.public-good.json'), ...keyless, '--insecure-ignore-tlog']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('timestamp check failed: a keyless bundle needs a transparency log entry or an RFC 3161 timestamp');
    expect(r.stderr).not.toContain('expected 1 timestamps');
  });
});
