import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublicKey } from '@sigstore/protobuf-specs';
import { runCli, type CliResult } from '../support/cli.js';
import { everything, readBundle, verifyBundle } from '../support/bundles.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

const STATEMENT = fileURLToPath(new URL('./fixtures/statement.intoto.json', import.meta.url));

describe('key-based signing', () => {
  let stack: LocalSigstore;
  let work: string;
  let pem: string;
  let hint: string;
  let keys: Record<string, PublicKey>;
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    stack = await startLocalSigstore();
    work = mkdtempSync(join(tmpdir(), 'sscs-key-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    writeFileSync(join(work, 'key.pem'), pem, { mode: 0o600 });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    hint = createHash('sha256').update(spki).digest('hex');
    keys = { [hint]: { rawBytes: spki, keyDetails: 5 /* PKIX_ECDSA_P256_SHA_256 */, validFor: { start: new Date(0) } } as PublicKey };
    writeFileSync(join(work, 'app.bin'), 'artifact\n');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runCli(args, { cwd: work, env });
    outputs.push(r);
    return r;
  };

  it('signs with a key file and no services: the bundle names the key and verifies with it', async () => {
    const r = await run(['sign', 'app.bin', '--bundle', 'app.sigstore.json', '--key', 'key.pem', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bundles: [{ path: 'app.sigstore.json', artifact: 'app.bin', sha256: createHash('sha256').update('artifact\n').digest('hex') }], signer: { mode: 'key', keyHint: hint }, services: {} });
    const bundle = readBundle(join(work, 'app.sigstore.json')) as { mediaType: string; verificationMaterial: { publicKey: { hint: string }; tlogEntries?: unknown[] } };
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.verificationMaterial.publicKey).toEqual({ hint });
    // Proto3 JSON leaves out empty repeated fields: no log entry.
    expect(bundle.verificationMaterial.tlogEntries ?? []).toEqual([]);
    const none = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };
    verifyBundle(join(work, 'app.sigstore.json'), stack.trustedRootPath, { artifact: readFileSync(join(work, 'app.bin')), keys, thresholds: none });
    expect(() => verifyBundle(join(work, 'app.sigstore.json'), stack.trustedRootPath, { artifact: Buffer.from('tampered'), keys, thresholds: none })).toThrow();
  });

  it('attests with a key from a variable, logged in Rekor and timestamped when asked', async () => {
    const r = await run(['attest', '--statement', STATEMENT, '--bundle', 'prov.sigstore.json', '--key-env', 'SIGNING_KEY', '--rekor-url', stack.rekorUrl, '--tsa-url', stack.tsaUrl], { SIGNING_KEY: pem });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'prov.sigstore.json\n', stderr: '' });
    verifyBundle(join(work, 'prov.sigstore.json'), stack.trustedRootPath, { keys, thresholds: { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 2 } });
  });

  it('refuses a key that is not EC P-256', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const r = await run(['sign', 'app.bin', '--bundle', 'x.sigstore.json', '--key-env', 'RSA_KEY'], { RSA_KEY: rsa });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('sscs: error: $RSA_KEY: the signing key is rsa, not EC P-256');
    expect(r.stderr).not.toContain(rsa.split('\n')[1]);
  });

  it('refuses --key with --key-env', async () => {
    const r = await run(['sign', 'app.bin', '--bundle', 'x.sigstore.json', '--key', 'key.pem', '--key-env', 'SIGNING_KEY'], { SIGNING_KEY: pem });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--key and --key-env are exclusive');
  });

  it('never writes or prints the private key', () => {
    const files = readdirSync(work).filter((f) => f !== 'key.pem').map((f) => join(work, f));
    const all = everything(outputs.flatMap((o) => [o.stdout, o.stderr]), files);
    for (const line of pem.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(all).not.toContain(line);
  });
});
