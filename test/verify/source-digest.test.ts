import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { attest, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

// A SHA-256 repository's commit is 64 hex digits: it is the gitCommit of the provenance and the source digest
// of the certificate (extension 1.13), and --source-digest takes it like a SHA-1 commit.
const SHA256_COMMIT = 'd4'.repeat(32);

describe('verify --source-digest', () => {
  let stack: LocalSigstore;
  let dir: string;
  let bundle: string;
  const artifact = () => join(dir, 'app.tgz');

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-source-digest-'));
    writeFileSync(artifact(), 'app\n');
    const statement = provenanceStatement(stack, [{ name: 'app.tgz', bytes: Buffer.from('app\n') }]) as any;
    statement.predicate.buildDefinition.resolvedDependencies[0].digest = { gitCommit: SHA256_COMMIT };
    bundle = await attest(stack, dir, 'sha256-repo', statement, { sha: SHA256_COMMIT, ci_config_sha: SHA256_COMMIT });
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const verify = (digest: string) =>
    runCli(['verify', artifact(), '--bundle', bundle, '--trusted-root', stack.trustedRootPath, '--certificate-identity', sanFor(stack), '--certificate-oidc-issuer', stack.issuerUrl, '--source-digest', digest, '--format', 'json']);

  it('accepts the 64-hex commit of a SHA-256 repository', async () => {
    const r = await verify(SHA256_COMMIT);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'source-digest')).toMatchObject({ status: 'passed' });
  });

  it('fails on another 64-hex commit', async () => {
    const r = await verify('e5'.repeat(32));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'source-digest')).toMatchObject({ status: 'failed' });
  });

  it.each([['d4d4d4d4'], ['g'.repeat(40)], ['d4'.repeat(24)]])('refuses %s, which is no full commit id, as bad usage', async (digest) => {
    const r = await verify(digest);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--source-digest must be a full commit id');
  });
});
