import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SIGSTORE_AUDIENCE, gitLabClaims, type GitLabClaims, type MintOptions } from './claims.js';

/** GitLab signs its ID tokens with RS256. */
const JWT_ALG = 'RS256';
const RSA_BITS = 2048;
/** A token larger than this is not a GitLab ID token; refuse before parsing. */
const MAX_TOKEN_BYTES = 16 * 1024;

/**
 * A GitLab-style OIDC issuer: it holds one RSA key, publishes it as a JWKS, mints job tokens and verifies them
 * the way Fulcio does (signature against the JWKS, issuer, audience, expiry).
 */
export class LocalIssuer {
  readonly url: string;
  readonly kid: string;
  private readonly privateKey: KeyObject;
  private readonly publicJwk: JsonWebKey;

  constructor(url: string) {
    this.url = url;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
    this.privateKey = privateKey;
    this.kid = randomBytes(16).toString('base64url');
    this.publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: this.kid, alg: JWT_ALG, use: 'sig' };
  }

  get jwks(): { keys: JsonWebKey[] } {
    return { keys: [this.publicJwk] };
  }

  openidConfiguration(): Record<string, unknown> {
    return {
      issuer: this.url,
      jwks_uri: `${this.url}/oauth/discovery/keys`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [JWT_ALG],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'project_path', 'ref', 'sha', 'ci_config_ref_uri'],
    };
  }

  /** A signed job token for group/project on main, with `claims` overriding the defaults. */
  mint(claims: Partial<GitLabClaims> = {}, opts: MintOptions = {}): string {
    const payload = gitLabClaims(this.url, claims, opts);
    const header = { alg: JWT_ALG, kid: this.kid, typ: 'JWT' };
    const input = `${b64json(header)}.${b64json(payload)}`;
    const signature = sign('sha256', Buffer.from(input), this.privateKey).toString('base64url');
    return `${input}.${signature}`;
  }

  /** Verifies a token as Fulcio does for a configured issuer; throws an Error saying what is wrong. */
  verify(token: string, now = Date.now()): GitLabClaims {
    if (token.length > MAX_TOKEN_BYTES) throw new Error('identity token is too large');
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('identity token is not a JWT');
    const [h, p, s] = parts as [string, string, string];
    const header = parseJson(h, 'header') as { alg?: string; kid?: string };
    if (header.alg !== JWT_ALG) throw new Error(`unsupported token algorithm ${String(header.alg)}`);
    const jwk = this.jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error('token signed by an unknown key');
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
    if (!ok) throw new Error('token signature does not verify against the issuer JWKS');
    const claims = parseJson(p, 'payload') as GitLabClaims;
    if (claims.iss !== this.url) throw new Error(`token issuer ${String(claims.iss)} is not a configured issuer`);
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(SIGSTORE_AUDIENCE)) throw new Error(`token audience is not '${SIGSTORE_AUDIENCE}'`);
    const seconds = Math.floor(now / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= seconds) throw new Error('token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf > seconds + 60) throw new Error('token is not valid yet');
    return claims;
  }
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`token ${what} is not valid JSON`);
  }
}
