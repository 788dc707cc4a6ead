/** A GitLab ID token is a few KiB; anything far larger is not one, and is not decoded. */
export const MAX_TOKEN_BYTES = 16 * 1024;

/**
 * Decodes a JWT's payload without checking its signature (Fulcio does, when it issues a certificate).
 * Returns the claims, or a sentence saying what is wrong, which never contains the token. Bounded in size.
 */
export function decodeJwtClaims(token: string): { claims: Record<string, unknown> } | { problem: string } {
  if (token.length > MAX_TOKEN_BYTES) return { problem: `is ${token.length} bytes, over the limit of ${MAX_TOKEN_BYTES}` };
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return { problem: 'is not a JWT (three base64url parts)' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    return { problem: 'has a payload that is not JSON' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { problem: 'has a payload that is not a JSON object' };
  return { claims: claims as Record<string, unknown> };
}
