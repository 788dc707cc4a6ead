import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { Signature, Signer } from '@sigstore/sign';
import { InputError, type Where } from '../errors.js';

/** sigstore verifiers accept ECDSA P-256 with SHA-256 for public keys (PKIX_ECDSA_P256_SHA_256). */
const CURVE = 'prime256v1';

/**
 * Signs with a long-lived key for air-gapped instances: the bundle then names the key by a hint (the hex
 * SHA-256 of its SubjectPublicKeyInfo) instead of carrying a certificate; verifiers supply the public key.
 */
export class KeySigner implements Signer {
  readonly hint: string;
  readonly publicKeyPem: string;
  private readonly key: KeyObject;

  constructor(key: KeyObject) {
    this.key = key;
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    this.publicKeyPem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
    this.hint = createHash('sha256').update(spki).digest('hex');
  }

  async sign(data: Buffer): Promise<Signature> {
    return { signature: sign('sha256', data, this.key), key: { $case: 'publicKey', publicKey: this.publicKeyPem, hint: this.hint } };
  }
}

/** Loads a PEM private key (PKCS#8, or SEC1 "EC PRIVATE KEY"); errors never quote the key. */
export function keySignerFromPem(pem: string, where: Where): KeySigner {
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new InputError('INPUT', 'the signing key is encrypted; give an unencrypted PKCS#8 key from a masked, protected variable or file', { where });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new InputError('MALFORMED', 'the signing key is not a PEM private key', { where, cause: new Error(systemCode(e)) });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== CURVE) {
    throw new InputError('INPUT', `the signing key is ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}, not EC P-256`, {
      where,
      hint: 'Generate one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem',
    });
  }
  return new KeySigner(key);
}

// Keep only the error code: OpenSSL messages are safe, but a cause must never risk carrying key bytes.
function systemCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'invalid key';
}
