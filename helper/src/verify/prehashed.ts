import type { KeyObject } from 'node:crypto';

/**
 * ECDSA verification over a digest the caller already has (`sscs verify sha256:HEX`). @sigstore/verify only
 * verifies message signatures over the artifact bytes; ECDSA signs the hash of the message, so given that hash,
 * the one signature check is done here with @noble/curves (prehash: false), the way sigstore-python's
 * `Hashed` input and sigstore-go's WithArtifactDigest do it. Everything else still goes through @sigstore/verify.
 */

export type PrehashedResult = { ok: true } | { ok: false; reason: string };
export type PrehashedVerifier = (key: KeyObject, digest: Buffer, signature: Buffer) => PrehashedResult;

/** Loads @noble/curves only when a digest is verified: its curve tables cost more than the rest of verify. */
export async function loadPrehashedVerifier(): Promise<PrehashedVerifier> {
  const { p256, p384, p521 } = await import('@noble/curves/nist.js');
  const curves = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
  return (key, digest, signature) => {
    if (key.asymmetricKeyType !== 'ec') {
      return { ok: false, reason: `verifying a digest without the artifact needs an ECDSA key; this key is ${key.asymmetricKeyType ?? 'unknown'} (pass the artifact file instead)` };
    }
    const jwk = key.export({ format: 'jwk' });
    const curve = curves[jwk.crv as keyof typeof curves];
    if (!curve || !jwk.x || !jwk.y) return { ok: false, reason: `unsupported ECDSA curve ${String(jwk.crv)}` };
    const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
    try {
      // lowS: false, as OpenSSL and Go accept high-S signatures and Sigstore clients produce both.
      const ok = curve.verify(signature, digest, point, { prehash: false, lowS: false, format: 'der' });
      return ok ? { ok: true } : { ok: false, reason: 'signature does not verify over the artifact digest' };
    } catch (e) {
      return { ok: false, reason: `signature is malformed: ${(e as Error).message}` };
    }
  };
}
