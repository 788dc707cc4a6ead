import { readFileSync } from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { ASN1Obj } from '@sigstore/core';
import { TrustedRoot, type PublicKey } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial, type Signer, type VerifierOptions } from '@sigstore/verify';

export function readBundle(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * Verifies a bundle with @sigstore/verify against a trusted_root.json (and, for key-signed bundles, the
 * public keys by hint). Throws when it does not verify; returns the signer with its certificate identity.
 */
export function verifyBundle(
  bundlePath: string,
  trustedRootPath: string,
  opts: { artifact?: Buffer; keys?: Record<string, PublicKey>; thresholds?: VerifierOptions } = {},
): Signer {
  const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(trustedRootPath, 'utf8')));
  const verifier = new Verifier(toTrustMaterial(root, opts.keys), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1, ...opts.thresholds });
  return verifier.verify(toSignedEntity(bundleFromJSON(readBundle(bundlePath)), opts.artifact));
}

/** The certificate's Fulcio extensions (1.3.6.1.4.1.57264.1.8 and up), decoded from DER UTF8String. */
export function fulcioExtensions(signer: Signer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { oid, value } of signer.identity?.oids ?? []) {
    const id = oid?.id.join('.') ?? '';
    if (!id.startsWith('1.3.6.1.4.1.57264.1.')) continue;
    const minor = Number(id.split('.').pop());
    if (minor < 8) {
      out[id] = Buffer.from(value).toString('utf8');
      continue;
    }
    const der = ASN1Obj.parseBuffer(Buffer.from(value));
    if (der.tag.number !== 0x0c) throw new Error(`extension ${id} is not a UTF8String`);
    out[id] = der.value.toString('utf8');
  }
  return out;
}

/** Every file under `dir` and the process outputs, as one string, to search for leaked secrets. */
export function everything(outputs: string[], files: string[]): string {
  return [...outputs, ...files.map((f) => readFileSync(f, 'utf8'))].join('\n');
}
