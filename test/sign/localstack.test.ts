import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { REPO_ROOT } from '../support/cli.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';

const MAIN = join(REPO_ROOT, 'helper/dist/localstack/main.js');
const TOKEN = join(REPO_ROOT, 'helper/dist/localstack/token.js');

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('sigstore:local', () => {
  it('starts, writes the trust files and env, mints tokens, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscs-local-'));
    const child = spawn(process.execPath, [MAIN, '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const printed = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('ready')) resolve(stdout);
      });
      child.once('exit', () => reject(new Error(`exited before ready: ${stdout}`)));
    });
    const url = (name: string) => new RegExp(`^${name}\\s+(http://127\\.0\\.0\\.1:\\d+)$`, 'm').exec(printed)![1]!;
    const [fulcio, rekor, tsa, issuer] = ['fulcio', 'rekor', 'tsa', 'issuer'].map(url) as [string, string, string, string];

    const root = JSON.parse(readFileSync(join(dir, 'trusted_root.json'), 'utf8'));
    expect(root.mediaType).toBe('application/vnd.dev.sigstore.trustedroot+json;version=0.1');
    expect(root.tlogs[0].baseUrl).toBe(rekor);
    expect(root.certificateAuthorities[0].uri).toBe(fulcio);
    expect(Date.parse(root.certificateAuthorities[0].validFor.start)).toBeLessThan(Date.now());
    expect(root.timestampAuthorities[0].certChain.certificates).toHaveLength(2);
    expect(root.ctlogs).toHaveLength(1);
    const config = JSON.parse(readFileSync(join(dir, 'signing_config.json'), 'utf8'));
    expect(config.mediaType).toBe('application/vnd.dev.sigstore.signingconfig.v0.2+json');
    expect([config.caUrls[0].url, config.rekorTlogUrls[0].url, config.tsaUrls[0].url, config.oidcUrls[0].url]).toEqual([fulcio, rekor, `${tsa}/api/v1/timestamp`, issuer]);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain(`SSCS_FULCIO_URL=${fulcio}\nSSCS_REKOR_URL=${rekor}\nSSCS_TSA_URL=${tsa}\nSSCS_OIDC_ISSUER=${issuer}\n`);

    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(issuer);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kty: string; alg: string }[] };
    expect(jwks.keys).toMatchObject([{ kty: 'RSA', alg: 'RS256' }]);

    const minted = await execa(process.execPath, [TOKEN, '--dir', dir, '--claims', '{"ref":"v1.2.0","ref_type":"tag","project_path":"team/app"}']);
    const claims = claimsOf(minted.stdout.trim());
    expect(claims).toMatchObject({
      iss: issuer,
      aud: 'sigstore',
      sub: 'project_path:team/app:ref_type:tag:ref:v1.2.0',
      namespace_path: 'team',
      ci_config_ref_uri: `${new URL(issuer).host}/team/app//.gitlab-ci.yml@refs/tags/v1.2.0`,
      runner_environment: 'gitlab-hosted',
    });

    const deploying = claimsOf((await execa(process.execPath, [TOKEN, '--dir', dir, '--environment', 'sscs-provenance'])).stdout.trim());
    expect(deploying).toMatchObject({ environment: 'sscs-provenance', environment_protected: 'false', project_path: 'group/project' });

    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(`${child.pid}\n`);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped\n$/);
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();
    expect(existsSync(join(dir, 'trusted_root.json'))).toBe(true);
    expect(existsSync(join(dir, 'pid'))).toBe(false);
  });

  it('refuses to start without --out', async () => {
    const r = await execa(process.execPath, [MAIN], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--out DIR is required');
  });
});

describe('local Fulcio', () => {
  let stack: LocalSigstore;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();

  beforeAll(async () => {
    stack = await startLocalSigstore();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const requestCertificate = (token: string) => {
    const proof = sign('sha256', Buffer.from(String(claimsOf(token).sub)), privateKey).toString('base64');
    return fetch(`${stack.fulcioUrl}/api/v2/signingCert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credentials: { oidcIdentityToken: token }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: publicPem }, proofOfPossession: proof } }),
    });
  };

  it('issues a certificate chain for a valid job token', async () => {
    const res = await requestCertificate(stack.mintToken());
    expect(res.status).toBe(201);
    const body = (await res.json()) as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } };
    expect(body.signedCertificateEmbeddedSct.chain.certificates).toHaveLength(2);
  });

  it('rejects a token whose claims were changed after signing', async () => {
    const [h, , s] = stack.mintToken().split('.');
    const forged = Buffer.from(JSON.stringify({ ...claimsOf(stack.mintToken()), project_path: 'other/project' })).toString('base64url');
    const res = await requestCertificate(`${h}.${forged}.${s}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toBe('error processing the identity token: token signature does not verify against the issuer JWKS');
  });

  it.each([
    [{ audience: 'gitlab' }, "token audience is not 'sigstore'"],
    [{ expiresIn: -5 }, 'token has expired'],
    [{ issuer: 'https://gitlab.com' }, 'token issuer https://gitlab.com is not a configured issuer'],
  ])('rejects a token minted with %o', async (opts, message) => {
    const res = await requestCertificate(stack.mintToken({}, opts));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toBe(`error processing the identity token: ${message}`);
  });

  it('rejects a token without the claims Fulcio requires for GitLab', async () => {
    const res = await requestCertificate(stack.mintToken({ ref_type: 'merge_request' as 'branch' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('unexpected ref_type: merge_request');
  });

  it('mints over HTTP with POST /mint', async () => {
    const res = await fetch(`${stack.issuerUrl}/mint`, { method: 'POST', body: JSON.stringify({ claims: { job_id: '999' }, expiresIn: 60 }) });
    expect(res.status).toBe(200);
    const claims = claimsOf(await res.text());
    expect(claims.job_id).toBe('999');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(60);
  });
});
