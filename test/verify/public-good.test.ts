import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { PUBLIC_GOOD_ROOT, unpackPublicGood } from '../support/public-good.js';

// Real bundles from public-good Sigstore (npm provenance from GitHub Actions, npm publish attestations),
// verified offline against the real tarballs.
const { dir, npmKey, cases } = unpackPublicGood();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyless = (c: (typeof cases)[number]) => ['--trusted-root', PUBLIC_GOOD_ROOT, '--certificate-identity', c.identity, '--certificate-oidc-issuer', c.issuer];

function failedChecks(stdout: string): { name: string; code: string }[] {
  return (JSON.parse(stdout) as { checks: { name: string; status: string; code: string }[] }).checks.filter((c) => c.status === 'failed');
}

describe('verify with public-good bundles', () => {
  for (const c of cases) {
    const name = basename(c.tarball);
    it(`verifies the npm provenance of ${name} and reports every check`, async () => {
      const r = await runCli(['verify', c.tarball, '--bundle', c.provenanceBundle, ...keyless(c), '--predicate-type', c.provenancePredicateType, '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const report = JSON.parse(r.stdout) as { verified: boolean; artifacts: { subject: string }[]; checks: { name: string; status: string }[] };
      expect(report.verified).toBe(true);
      expect(report.artifacts[0]!.subject).toBe(c.subject);
      expect(report.checks.map((k) => `${k.name}:${k.status}`)).toEqual([
        'bundle:passed', 'timestamp:passed', 'certificate-chain:passed', 'sct:passed', 'tlog:passed', 'signature:passed',
        'statement:passed', 'identity:passed', 'issuer:passed', 'predicate-type:passed', 'subject:passed',
      ]);
    });

    it(`verifies the npm publish attestation of ${name} with the registry key`, async () => {
      const r = await runCli(['verify', c.tarball, '--bundle', c.publishBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--key', npmKey]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(`verified: ${c.tarball} (${c.publishBundle}, signed with the given key; 7 checks passed)\n`);
    });

    it(`verifies ${name} given only its sha512 digest`, async () => {
      const sha512 = createHash('sha512').update(readFileSync(c.tarball)).digest('hex');
      const r = await runCli(['verify', `sha512:${sha512}`, '--bundle', c.provenanceBundle, ...keyless(c)]);
      expect(r.exitCode).toBe(0);
    });

    it(`says which digest to give for ${name} when its sha256 cannot match the sha512 subjects`, async () => {
      const sha256 = createHash('sha256').update(readFileSync(c.tarball)).digest('hex');
      const r = await runCli(['verify', `sha256:${sha256}`, '--bundle', c.provenanceBundle, ...keyless(c)]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`subject check failed for sha256:${sha256}: artifact sha256:${sha256} is not a subject of the statement (its subjects carry only sha512 digests: pass sha512:HEX or the file)`);
    });

    it(`rejects ${name} with one byte changed`, async () => {
      const bytes = readFileSync(c.tarball);
      bytes[bytes.length >> 1] ^= 0x01;
      const tampered = join(dir, `tampered-${name}`);
      writeFileSync(tampered, bytes);
      const r = await runCli(['verify', tampered, '--bundle', c.provenanceBundle, ...keyless(c), '--format', 'json']);
      expect(r.exitCode).toBe(1);
      expect(failedChecks(r.stdout)).toEqual([expect.objectContaining({ name: 'subject', code: 'SUBJECT_NOT_FOUND', artifact: tampered })]);
      expect(r.stderr).toContain('subject check failed');
      const k = await runCli(['verify', tampered, '--bundle', c.publishBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--key', npmKey]);
      expect(k.exitCode).toBe(1);
      expect(k.stderr).toContain('subject check failed');
    });

    it(`rejects ${name} for another identity`, async () => {
      const other = c.identity.replace(/@refs\/.*$/, '@refs/heads/attacker');
      const r = await runCli(['verify', c.tarball, '--bundle', c.provenanceBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--certificate-identity', other, '--certificate-oidc-issuer', c.issuer, '--format', 'json']);
      expect(r.exitCode).toBe(1);
      expect(failedChecks(r.stdout)).toEqual([expect.objectContaining({ name: 'identity', code: 'IDENTITY_MISMATCH' })]);
      expect(r.stderr).toContain(`identity check failed: certificate identity in the certificate is '${c.identity}', expected '${other}'`);
    });
  }

  it('rejects a publish attestation checked against another key', async () => {
    const c = cases[0]!;
    const other = join(dir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const r = await runCli(['verify', c.tarball, '--bundle', c.publishBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--key', other, '--format', 'json']);
    expect(r.exitCode).toBe(1);
    expect(failedChecks(r.stdout)).toEqual([expect.objectContaining({ name: 'signature', code: 'SIGNATURE' })]);
  });
});
