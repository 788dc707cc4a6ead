import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { attest, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

/** The local Sigstore's `env` file, as `set -a; . DIR/env` would load it. */
function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

// `sscs verify` takes SSCS_TRUSTED_ROOT, which the local Sigstore's env file exports, as --trusted-root's default.
describe('verify: SSCS_TRUSTED_ROOT', () => {
  let stack: LocalSigstore;
  let dir: string;
  let artifact: string;
  let bundle: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-env-root-'));
    artifact = join(dir, 'app.tgz');
    writeFileSync(artifact, 'the build output\n');
    bundle = await attest(stack, dir, 'app', provenanceStatement(stack, [{ name: 'app.tgz', bytes: readFileSync(artifact) }]));
    env = readEnvFile(stack.envPath);
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const policy = () => ['--certificate-identity', sanFor(stack), '--certificate-oidc-issuer', stack.issuerUrl];
  const verify = (extra: string[], vars: Record<string, string>) => runCli(['verify', artifact, '--bundle', bundle, ...policy(), ...extra], { env: vars, timeoutMs: 30_000 });

  it('is exported by the local Sigstore, with the issuer', () => {
    expect(env).toMatchObject({ SSCS_TRUSTED_ROOT: stack.trustedRootPath, SSCS_OIDC_ISSUER: stack.issuerUrl });
  });

  it('is the default trusted root: verifies offline with the env file loaded and no --trusted-root', async () => {
    const r = await verify(['--format', 'json'], env);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).trustedRoot).toEqual({ path: stack.trustedRootPath, from: 'SSCS_TRUSTED_ROOT' });
  });

  it('gives way to --trusted-root', async () => {
    const r = await verify(['--trusted-root', stack.trustedRootPath, '--format', 'json'], { SSCS_TRUSTED_ROOT: join(dir, 'missing.json') });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).trustedRoot).toEqual({ path: stack.trustedRootPath, from: '--trusted-root' });
  });

  it('is the verifier configuration: a file that cannot be read is exit 2, naming it', async () => {
    const r = await verify([], { SSCS_TRUSTED_ROOT: join(dir, 'missing.json') });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`sscs: error: ${join(dir, 'missing.json')}: trusted root not found (the path is from SSCS_TRUSTED_ROOT)\n`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('gives way to a --tuf-* flag, and is ignored when empty', async () => {
    const tuf = await verify(['--tuf-mirror-url', 'http://127.0.0.1:9', '--tuf-root', join(dir, 'no-root.json')], env);
    expect(tuf.exitCode).toBe(2);
    expect(tuf.stderr).toContain('TUF root not found');
    const empty = await verify(['--tuf-root', join(dir, 'no-root.json')], { SSCS_TRUSTED_ROOT: '' });
    expect(empty.stderr).toContain('TUF root not found');
  });
});
