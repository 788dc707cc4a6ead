import { createLocalJWKSet, errors as jose, jwtVerify, type JSONWebKeySet } from 'jose';
import { InputError } from '../errors.js';
import { MAX_TOKEN_BYTES } from '../io/jwt.js';
import { loadJwks, type JwksSource } from './jwks.js';
import { decodeGitLabToken, type GitLabClaims } from './oidc.js';

/** GitLab signs CI/CD ID tokens with its CI JWT signing key, an RSA key, as RS256 (RFC 7518 §3.3). */
export const ID_TOKEN_ALGORITHMS = ['RS256'] as const;
/** How far the runner's clock may be from the instance's when checking `exp`, `nbf` and `iat`. */
export const CLOCK_SKEW_SECONDS = 60;

export interface VerifyIdTokenOptions {
  /** The issuer the token must name in `iss`: the instance URL, from the pipeline configuration. */
  issuer: string;
  /** The audience the job's `id_tokens:` entry gave it (`aud`), e.g. `sigstore`. */
  audience: string;
  /** The instance's key set. */
  jwks: JwksSource;
  /**
   * The `environment` claim the token must carry: the provenance job's protected environment. Without it, a
   * genuine token of any job of the instance with the same audience would verify.
   */
  environment?: string;
  /** The variable that held the token, named in errors (the token itself never is). */
  variable: string;
  /** For tests: the time to check `exp`, `nbf` and `iat` against. */
  now?: Date;
}

/**
 * Verifies a GitLab CI/CD ID token: its RS256 signature against the instance's JSON Web Key Set, `iss` (the
 * configured issuer, exactly, a trailing slash aside), `aud`, `exp`, `nbf` and `iat` (within
 * CLOCK_SKEW_SECONDS), then the GitLab claims sscs reads. The JOSE work is jose's; nothing here is cryptography.
 * https://docs.gitlab.com/ci/secrets/id_token_authentication/#token-payload
 *
 * Throws InputError TOKEN for a token that fails any check, ServiceError when the key set cannot be fetched.
 * No error includes the token.
 */
export async function verifyGitLabIdToken(token: string, options: VerifyIdTokenOptions): Promise<GitLabClaims> {
  const fail = (message: string, cause?: unknown) =>
    new InputError('TOKEN', `$${options.variable}: ${message}`, {
      where: { field: `$${options.variable}` },
      ...(cause !== undefined ? { cause: new Error(joseCode(cause)) } : {}),
      hint: 'With a signing key, provenance is written only from an ID token that the GitLab instance named by the oidc_issuer input (--oidc-issuer) signed.',
    });
  if (token.length > MAX_TOKEN_BYTES) throw fail(`the token is ${token.length} bytes, over the limit of ${MAX_TOKEN_BYTES}`);
  const keys = await loadJwks(options.jwks);
  const issuer = options.issuer.replace(/(?<!\/)\/+$/, '');
  const now = options.now ?? new Date();
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token.trim(), createLocalJWKSet(keys as JSONWebKeySet), {
      algorithms: [...ID_TOKEN_ALGORITHMS],
      issuer: [issuer, `${issuer}/`],
      audience: options.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: now,
      requiredClaims: ['exp', 'iat'],
    }));
  } catch (e) {
    throw fail(describeJoseError(e, issuer, options.audience), e);
  }
  // jose checks `iat` only against a maximum age; a token issued in the future is as wrong as an expired one.
  if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + CLOCK_SKEW_SECONDS) {
    throw fail(`the token's iat claim is in the future (more than ${CLOCK_SKEW_SECONDS} s ahead of this runner's clock)`);
  }
  const claims = decodeGitLabToken(token.trim(), options.variable);
  if (options.environment !== undefined && claims.environment !== options.environment) {
    throw fail(`the token's environment claim is ${claims.environment === undefined ? 'absent' : `'${printable(claims.environment)}'`}, not '${options.environment}': it was not issued to a job in the provenance environment`);
  }
  return claims;
}

function describeJoseError(e: unknown, issuer: string, audience: string): string {
  if (e instanceof jose.JWTExpired) return `the token expired (its ${e.claim} claim, with ${CLOCK_SKEW_SECONDS} s of clock skew allowed)`;
  if (e instanceof jose.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return `the token's iss claim is '${printable(e.payload.iss)}', not the configured issuer '${issuer}'`;
    if (e.claim === 'aud') return `the token's aud claim is '${printable(e.payload.aud)}', not '${audience}'`;
    if (e.claim === 'nbf') return `the token is not valid yet (its nbf claim is more than ${CLOCK_SKEW_SECONDS} s ahead of this runner's clock)`;
    return `the token's ${e.claim} claim ${e.reason === 'missing' ? 'is missing' : 'is invalid'}`;
  }
  if (e instanceof jose.JWSSignatureVerificationFailed) return "the token's signature does not verify with the instance's key";
  if (e instanceof jose.JWKSNoMatchingKey) return "no key in the instance's key set matches the token (its kid and alg): it was not signed by this instance";
  if (e instanceof jose.JOSEAlgNotAllowed) return `the token is not signed with ${ID_TOKEN_ALGORITHMS.join(' or ')}`;
  if (e instanceof jose.JWKSMultipleMatchingKeys) return 'several keys in the key set match the token';
  if (e instanceof jose.JWKSInvalid || e instanceof jose.JOSENotSupported) return `the key set cannot be used: ${(e as Error).message}`;
  return 'the token is not a valid signed JWT';
}

/** A claim value for a message: short, and only printable ASCII (the claims are not secret, but they are input). */
function printable(v: unknown): string {
  const s = Array.isArray(v) ? v.join(',') : String(v);
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

// Keep only jose's error code as the cause: its message is safe, but a cause must never risk carrying the token.
function joseCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'invalid token';
}
