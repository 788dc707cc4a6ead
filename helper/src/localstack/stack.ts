import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
// Deep imports on purpose: the package index pulls in nock, which takes over node:http and breaks the real
// loopback servers below.
import { initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import type { TLog } from '@sigstore/mock/dist/rekor/tlog.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';
import type { GitLabClaims, MintOptions } from './claims.js';
import { fulcioRoutes } from './fulcio.js';
import { HttpFailure, closeServer, isLoopback, json, listen, type Reply } from './http.js';
import { LocalIssuer } from './oidc.js';
import { canonicalEntry } from './rekor.js';
import { signingConfig, trustedRoot, type TrustMaterial } from './trust.js';

/** Trust material is valid from a little before start-up, so that clock skew never makes it "not yet valid". */
const VALIDITY_BACKDATE_MS = 60_000;
/** Mint requests carry a few claims; reject anything that is not a small JSON object. */
const MAX_MINT_CLAIMS = 64;

export interface LocalSigstore {
  fulcioUrl: string;
  rekorUrl: string;
  tsaUrl: string;
  issuerUrl: string;
  dir: string;
  trustedRootPath: string;
  signingConfigPath: string;
  envPath: string;
  mintToken(claims?: Partial<GitLabClaims>, opts?: MintOptions): string;
  close(): Promise<void>;
}

const bytes = (v: ArrayBufferView): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const toReply = (r: { statusCode: number; response: string | ArrayBufferView; contentType?: string }): Reply => ({
  status: r.statusCode,
  body: typeof r.response === 'string' ? r.response : bytes(r.response),
  ...(r.contentType ? { contentType: r.contentType } : {}),
});

/** @sigstore/mock writes times with fractional seconds, which @sigstore/core intermittently rejects ("invalid time"). */
function wholeSecondClock(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/**
 * Starts a Fulcio-like CA (with a CT log), a Rekor-like log, an RFC 3161 TSA and a GitLab-style OIDC issuer on
 * 127.0.0.1, and writes trusted_root.json, signing_config.json and env into `dir`.
 */
export async function startLocalStack(dir: string): Promise<LocalSigstore> {
  const servers: Server[] = [];
  const validFrom = new Date(Date.now() - VALIDITY_BACKDATE_MS);
  const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  try {
    // Each service listens first: Rekor's checkpoint names the log after its host, so it needs its real URL.
    let issuer: LocalIssuer | undefined;
    const oidc = await listen({
      'GET /.well-known/openid-configuration': async () => json(200, issuer!.openidConfiguration()),
      'GET /oauth/discovery/keys': async () => json(200, issuer!.jwks),
      'POST /mint': async (req, body) => {
        if (!isLoopback(req)) throw new HttpFailure(403, 'tokens are minted for loopback clients only');
        const { claims, ...opts } = parseMintRequest(body);
        return { status: 200, body: issuer!.mint(claims, opts), contentType: 'application/jwt' };
      },
    });
    servers.push(oidc.server);
    issuer = new LocalIssuer(oidc.url);

    const ctlogKeys = ecKey();
    const ctlog = await initializeCTLog(ctlogKeys);
    const ca = await initializeCA(ecKey(), ctlog);
    const fulcio = await listen(fulcioRoutes(ca, issuer));
    servers.push(fulcio.server);

    const tlogKeys = ecKey();
    let tlog: TLog | undefined;
    const rekor = await listen({
      'POST /api/v1/log/entries': async (_req, body) => {
        const reshaped: TLog = { publicKey: tlog!.publicKey, log: async (p) => tlog!.log(canonicalEntry(p) as object), logV2: (r) => tlog!.logV2(r) };
        return toReply(await rekorHandler(reshaped).fn(body.toString('utf8')));
      },
    });
    servers.push(rekor.server);
    tlog = await initializeTLog(rekor.url, tlogKeys);

    const tsa = await initializeTSA(ecKey());
    (tsa as unknown as { getCurrentTime: () => Date }).getCurrentTime = wholeSecondClock;
    const tsaChain = [bytes(tsa.intCertificate), bytes(tsa.rootCertificate)];
    const timestamp = tsaHandler(tsa);
    const tsaServer = await listen({
      'POST /api/v1/timestamp': async (_req, body) => toReply(await timestamp.fn(body.toString('utf8'))),
      'GET /api/v1/timestamp/certchain': async () => ({ status: 200, body: tsaChain.map(pem).join(''), contentType: 'application/pem-certificate-chain' }),
    });
    servers.push(tsaServer.server);

    const material: TrustMaterial = {
      fulcioUrl: fulcio.url,
      rekorUrl: rekor.url,
      tsaUrl: tsaServer.url,
      issuerUrl: oidc.url,
      caRoot: bytes(ca.rootCertificate),
      tlogKey: spki(tlogKeys.publicKey),
      ctlogKey: Buffer.from(ctlog.publicKey),
      tsaChain,
      validFrom,
    };
    await mkdir(dir, { recursive: true });
    const trustedRootPath = join(dir, 'trusted_root.json');
    const signingConfigPath = join(dir, 'signing_config.json');
    const envPath = join(dir, 'env');
    await writeFile(trustedRootPath, `${JSON.stringify(trustedRoot(material), null, 2)}\n`);
    await writeFile(signingConfigPath, `${JSON.stringify(signingConfig(material), null, 2)}\n`);
    await writeFile(envPath, envFile(material, trustedRootPath, signingConfigPath));
    const iss = issuer;
    return {
      fulcioUrl: fulcio.url,
      rekorUrl: rekor.url,
      tsaUrl: tsaServer.url,
      issuerUrl: oidc.url,
      dir,
      trustedRootPath,
      signingConfigPath,
      envPath,
      mintToken: (claims, opts) => iss.mint(claims, opts),
      close: async () => {
        await Promise.all(servers.map(closeServer));
      },
    };
  } catch (e) {
    await Promise.all(servers.map(closeServer));
    throw e;
  }
}

function spki(key: ReturnType<typeof createPublicKey>): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`.replace('\n\n', '\n');
}

function envFile(t: TrustMaterial, trustedRootPath: string, signingConfigPath: string): string {
  return [
    `SSCS_FULCIO_URL=${t.fulcioUrl}`,
    `SSCS_REKOR_URL=${t.rekorUrl}`,
    `SSCS_TSA_URL=${t.tsaUrl}`,
    `SSCS_OIDC_ISSUER=${t.issuerUrl}`,
    `SSCS_TRUSTED_ROOT=${trustedRootPath}`,
    `SSCS_SIGNING_CONFIG=${signingConfigPath}`,
    '',
  ].join('\n');
}

/** Body of POST /mint: either the claims themselves, or { claims, expiresIn, audience, issuer }. */
function parseMintRequest(body: Buffer): { claims: Partial<GitLabClaims> } & MintOptions {
  const text = body.toString('utf8').trim();
  const value: unknown = text === '' ? {} : JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('mint request must be a JSON object');
  const v = value as Record<string, unknown>;
  const hasOptions = 'claims' in v || 'expiresIn' in v || 'audience' in v || 'issuer' in v;
  const claims = (hasOptions ? (v.claims ?? {}) : v) as Partial<GitLabClaims>;
  if (typeof claims !== 'object' || claims === null || Object.keys(claims).length > MAX_MINT_CLAIMS) throw new Error('claims must be a small JSON object');
  return {
    claims,
    ...(typeof v.expiresIn === 'number' ? { expiresIn: v.expiresIn } : {}),
    ...(typeof v.audience === 'string' || Array.isArray(v.audience) ? { audience: v.audience as string | string[] } : {}),
    ...(typeof v.issuer === 'string' ? { issuer: v.issuer } : {}),
  };
}
