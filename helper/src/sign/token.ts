import { InputError } from '../errors.js';
import { decodeJwtClaims } from '../io/jwt.js';
import { SIGSTORE_AUDIENCE } from './constants.js';

/** The claims sscs reads from a token before sending it to Fulcio; Fulcio verifies the signature. */
export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  [claim: string]: unknown;
}

export interface IdentityToken {
  /** The raw JWT. Never print, log or write it. */
  readonly token: string;
  readonly claims: TokenClaims;
}

function idTokensSnippet(variable: string): string {
  return [
    `Give the job an ID token with audience '${SIGSTORE_AUDIENCE}' in .gitlab-ci.yml:`,
    '  id_tokens:',
    `    ${variable}:`,
    `      aud: ${SIGSTORE_AUDIENCE}`,
  ].join('\n');
}

/**
 * Reads the OIDC token from `env[variable]` and checks what can be checked without Fulcio (shape, expiry,
 * audience), so that a misconfigured job fails with a clear message instead of an opaque 401. The messages
 * never contain the token.
 */
export function readIdentityToken(env: NodeJS.ProcessEnv, variable: string, now = Date.now()): IdentityToken {
  const fail = (message: string): never => {
    throw new InputError('TOKEN', message, { where: { field: `$${variable}` }, hint: idTokensSnippet(variable) });
  };
  const token = env[variable]?.trim();
  if (!token) return fail(`no identity token: the variable ${variable} is not set or empty`);
  const decoded = decodeJwtClaims(token);
  if ('problem' in decoded) return fail(`the identity token ${decoded.problem}`);
  const claims = decoded.claims as TokenClaims;
  if (typeof claims.iss !== 'string' || claims.iss === '') fail('the identity token has no issuer (iss)');
  if (typeof claims.sub !== 'string' || claims.sub === '') fail('the identity token has no subject (sub)');
  if (typeof claims.exp !== 'number') fail('the identity token has no expiry (exp)');
  if (claims.exp * 1000 <= now) {
    fail(`the identity token expired at ${new Date(claims.exp * 1000).toISOString()}; ID tokens live for the job only, so sign in the job that received it`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(SIGSTORE_AUDIENCE)) {
    fail(`the identity token's audience is ${JSON.stringify(claims.aud ?? null)}, not '${SIGSTORE_AUDIENCE}'`);
  }
  return { token, claims };
}
