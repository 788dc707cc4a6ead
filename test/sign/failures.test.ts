import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

const STATEMENT = fileURLToPath(new URL('./fixtures/statement.intoto.json', import.meta.url));

/** A loopback port that nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('signing failures', () => {
  let stack: LocalSigstore;
  let work: string;

  beforeAll(async () => {
    stack = await startLocalSigstore();
    work = mkdtempSync(join(tmpdir(), 'sscs-sign-fail-'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  const attest = (env: Record<string, string>, extra: string[] = []) =>
    runCli(['attest', '--statement', STATEMENT, '--bundle', 'out.sigstore.json', '--signing-config', stack.signingConfigPath, ...extra], { cwd: work, env });

  it('refuses to sign without a token and shows the id_tokens snippet', async () => {
    const r = await attest({});
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      [
        'sscs: error: $SIGSTORE_ID_TOKEN: no identity token: the variable SIGSTORE_ID_TOKEN is not set or empty',
        "  Give the job an ID token with audience 'sigstore' in .gitlab-ci.yml:",
        '    id_tokens:',
        '      SIGSTORE_ID_TOKEN:',
        '        aud: sigstore',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(work, 'out.sigstore.json'))).toBe(false);
  });

  it('refuses an expired token before calling Fulcio', async () => {
    const token = stack.mintToken({}, { expiresIn: -60 });
    const r = await attest({ SIGSTORE_ID_TOKEN: token });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^sscs: error: \$SIGSTORE_ID_TOKEN: the identity token expired at \d{4}-\d\d-\d\dT/);
    expect(r.stderr + r.stdout).not.toContain(token);
  });

  it('refuses a token whose audience is not sigstore', async () => {
    const token = stack.mintToken({}, { audience: 'https://gitlab.example' });
    const r = await attest({ SIGSTORE_ID_TOKEN: token });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`$SIGSTORE_ID_TOKEN: the identity token's audience is "https://gitlab.example", not 'sigstore'`);
    expect(r.stderr).toContain('aud: sigstore');
  });

  it('refuses a value that is not a JWT, without echoing it', async () => {
    const r = await attest({ MY_TOKEN: 'not-a-jwt-but-a-secret-value' }, ['--identity-token-env', 'MY_TOKEN']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('$MY_TOKEN: the identity token is not a JWT');
    expect(r.stderr).toContain('    MY_TOKEN:\n');
    expect(r.stderr).not.toContain('not-a-jwt-but-a-secret-value');
  });

  it('reports Fulcio rejecting a token from another issuer', async () => {
    const token = stack.mintToken({}, { issuer: 'https://gitlab.attacker.example' });
    const r = await attest({ SIGSTORE_ID_TOKEN: token });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`sscs: error: Fulcio at ${stack.fulcioUrl} answered (401) error processing the identity token: token issuer https://gitlab.attacker.example is not a configured issuer`);
    expect(r.stderr).not.toContain(token);
  });

  it('reports an unreachable Fulcio as a network error, quickly', async () => {
    const port = await closedPort();
    const r = await runCli(['sign', STATEMENT, '--bundle', 'blob.sigstore.json', '--fulcio-url', `http://127.0.0.1:${port}`, '--rekor-url', stack.rekorUrl, '--timeout-ms', '500'], {
      cwd: work,
      env: { SIGSTORE_ID_TOKEN: stack.mintToken() },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`sscs: error: Fulcio at http://127.0.0.1:${port} could not be reached (ECONNREFUSED)`);
    expect(r.stderr).toContain('--timeout-ms');
  });

  it('gives up on a Fulcio that never answers after the timeout and retries', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as { port: number };
    try {
      const r = await runCli(['sign', STATEMENT, '--bundle', 'blob.sigstore.json', '--fulcio-url', `http://127.0.0.1:${port}`, '--rekor-url', stack.rekorUrl, '--timeout-ms', '200'], {
        cwd: work,
        env: { SIGSTORE_ID_TOKEN: stack.mintToken() },
      });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`sscs: error: Fulcio at http://127.0.0.1:${port} did not answer in time (after retries)`);
    } finally {
      silent.close();
    }
  });

  it('refuses a private Fulcio without a log or timestamp authority rather than using public-good Rekor', async () => {
    const r = await runCli(['sign', STATEMENT, '--bundle', 'x.sigstore.json', '--fulcio-url', stack.fulcioUrl], { cwd: work, env: { SIGSTORE_ID_TOKEN: stack.mintToken() } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('keyless signing needs a transparency log or a timestamp authority');
  });

  it('refuses plain http to a remote service', async () => {
    const r = await runCli(['sign', STATEMENT, '--bundle', 'x.sigstore.json', '--fulcio-url', 'http://fulcio.example', '--rekor-url', stack.rekorUrl], {
      cwd: work,
      env: { SIGSTORE_ID_TOKEN: stack.mintToken() },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--fulcio-url: 'http://fulcio.example' must use https");
  });

  it('rejects a statement file that is not an in-toto statement, naming the line', async () => {
    const r = await runCli(['attest', '--statement', fileURLToPath(new URL('../../package.json', import.meta.url)), '--bundle', 'x.sigstore.json'], { cwd: work });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/package\.json:1 field _type: _type must be one of https:\/\/in-toto\.io\/Statement\/v1/);
  });
});
