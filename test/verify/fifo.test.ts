import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

// Opening a FIFO for reading blocks until a writer comes, so a FIFO named as input used to hang the job
// until it timed out. Every bounded read and the artifact digest open non-blocking and refuse it at once.
const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const BUNDLE = join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json');
const ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

function fifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('inputs that are FIFOs', () => {
  it('refuses a FIFO named as the artifact to verify, at once, naming it', async () => {
    const dir = tempDir();
    const artifact = fifo(dir, 'a.txt');
    const r = await runCli(['verify', artifact, '--bundle', BUNDLE, '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER], { timeoutMs: 20_000 });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('artifact is a FIFO, not a regular file');
    expect(r.stderr).toContain(artifact);
  });

  it('refuses a FIFO named as the bundle and as a policy file', async () => {
    const dir = tempDir();
    const bundle = fifo(dir, 'b.json');
    const v = await runCli(['verify', join(CASES, 'a.txt'), '--bundle', bundle, '--trusted-root', ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER], { timeoutMs: 20_000 });
    expect(v.exitCode, v.stderr).toBe(2);
    expect(v.stderr).toContain('is a FIFO, not a regular file');
    const policy = fifo(dir, 'policy.yml');
    const p = await runCli(['policy', 'validate', policy], { timeoutMs: 20_000 });
    expect(p.exitCode, p.stderr).toBe(2);
    expect(p.stderr).toContain('is a FIFO, not a regular file');
  });
});
