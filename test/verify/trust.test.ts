import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REPO_ROOT, runCli } from '../support/cli.js';

// The trusted root is validated strictly before anything trusts it; without one, TUF is bounded in time.
const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const ARTIFACT = join(CASES, 'a.txt');
const BUNDLE = join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json');
const ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');
const POLICY = ['--certificate-identity', 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main', '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com'];

describe('verify trusted root', () => {
  let dir: string;
  let silent: Server;
  let silentUrl: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-trust-'));
    // A TUF mirror that accepts connections and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const withRoot = (name: string, change: (root: any) => void) => {
    const root = JSON.parse(readFileSync(ROOT, 'utf8'));
    change(root);
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(root));
    return runCli(['verify', ARTIFACT, '--bundle', BUNDLE, '--trusted-root', path, ...POLICY]);
  };

  it.each([
    ['a certificate authority', (r: any) => delete r.certificateAuthorities[0].validFor.start, 'certificateAuthorities[0].validFor.start is missing'],
    ['a timestamp authority', (r: any) => delete r.timestampAuthorities[0].validFor.start, 'timestampAuthorities[0].validFor.start is missing'],
    ['a CT log', (r: any) => (r.ctlogs[1].publicKey.validFor.start = null), 'ctlogs[1].publicKey.validFor.start is missing'],
    ['a transparency log', (r: any) => delete r.tlogs[0].publicKey.validFor.start, 'tlogs[0].publicKey.validFor.start is missing'],
  ])('rejects a root where %s has no validity start', async (_what, change, message) => {
    const r = await withRoot('no-start', change);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`trusted root is invalid: ${message}`);
  });

  it.each([
    ['an unknown media type', (r: any) => (r.mediaType = 'application/json'), 'is not a trusted root media type'],
    ['a validity that ends before it starts', (r: any) => (r.tlogs[0].publicKey.validFor.end = '2000-01-01T00:00:00Z'), 'tlogs[0].publicKey.validFor.end is before its start'],
    ['a log key that is not a key', (r: any) => (r.tlogs[0].publicKey.rawBytes = Buffer.from('not a key').toString('base64')), 'tlogs[0].publicKey.rawBytes is not a public key'],
    ['a CA without certificates', (r: any) => (r.certificateAuthorities[1].certChain.certificates = []), 'certificateAuthorities[1] has no certificate'],
    ['no transparency log', (r: any) => (r.tlogs = []), 'tlogs is empty'],
    ['a CA certificate that is not a certificate', (r: any) => (r.certificateAuthorities[0].certChain.certificates[0].rawBytes = Buffer.from('not a certificate').toString('base64')), 'certificateAuthorities[0].certChain.certificates[0].rawBytes is not an X.509 certificate'],
    ['a time that is not RFC 3339', (r: any) => (r.tlogs[0].publicKey.validFor.start = 'yesterday'), 'must be an RFC 3339 time'],
  ])('rejects a root with %s', async (_what, change, message) => {
    const r = await withRoot('bad', change);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('accepts the public-good root unchanged', async () => {
    const r = await withRoot('same', () => undefined);
    expect(r.exitCode).toBe(0);
  });

  it('gives a clear error, within the timeout, when the TUF mirror does not answer', async () => {
    const seeds = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', '@sigstore', 'tuf', 'seeds.json'), 'utf8')) as Record<string, { 'root.json': string }>;
    const rootJson = join(dir, 'root.json');
    writeFileSync(rootJson, Buffer.from(Object.values(seeds)[0]!['root.json'], 'base64'));
    const r = await runCli(['verify', ARTIFACT, '--bundle', BUNDLE, ...POLICY, '--tuf-mirror-url', silentUrl, '--tuf-root', rootJson, '--tuf-cache-dir', join(dir, 'tuf'), '--timeout-ms', '500'], { timeoutMs: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^sscs: error: (TUF mirror ${silentUrl} did not answer within 500 ms|cannot get the trusted root from TUF mirror ${silentUrl}: .*)\\n  Pass --trusted-root trusted_root.json to verify offline`));
  });

  it('gives a clear error when the TUF mirror refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const r = await runCli(['verify', ARTIFACT, '--bundle', BUNDLE, ...POLICY, '--tuf-mirror-url', url, '--tuf-root', join(dir, 'root.json'), '--tuf-cache-dir', join(dir, 'tuf2'), '--timeout-ms', '2000'], { timeoutMs: 20_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`cannot get the trusted root from TUF mirror ${url}`);
  });
});
