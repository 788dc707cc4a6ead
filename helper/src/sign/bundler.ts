import { toMessageSignatureBundle, type BundleWithMessageSignature } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, TSAWitness, type Artifact, type BundleBuilder, type Signature, type Signer, type Witness } from '@sigstore/sign';
import { createHash } from 'node:crypto';
import { RETRY } from './constants.js';
import type { Services } from './services.js';

export type BundleKind = 'dsse' | 'message';

/**
 * @sigstore/sign packages message signatures as bundle v0.2 (a one-element certificate chain). v0.3 carries the
 * leaf certificate alone; otherwise the bundle is the same, so package it that way.
 */
class MessageSignatureV03BundleBuilder extends MessageSignatureBundleBuilder {
  protected override async package(artifact: Artifact, signature: Signature): Promise<BundleWithMessageSignature> {
    return toMessageSignatureBundle({
      digest: createHash('sha256').update(artifact.data).digest(),
      signature: signature.signature,
      ...(signature.key.$case === 'x509Certificate' ? { certificate: pemToDer(signature.key.certificate) } : { keyHint: signature.key.hint ?? '' }),
      certificateChain: false,
    }) as BundleWithMessageSignature;
  }
}

/** Rekor (a tlog entry) and the TSA (an RFC 3161 timestamp) countersign each signature, when configured. */
export function witnesses(services: Services, timeoutMs: number): Witness[] {
  const fetch = { timeout: timeoutMs, retry: { ...RETRY } };
  const list: Witness[] = [];
  if (services.rekorUrl) list.push(new RekorWitness({ rekorBaseURL: services.rekorUrl, majorApiVersion: services.rekorMajorApiVersion, entryType: 'dsse', ...fetch }));
  if (services.tsaUrl) list.push(new TSAWitness({ tsaBaseURL: services.tsaUrl, ...fetch }));
  return list;
}

export function bundleBuilder(kind: BundleKind, signer: Signer, witnessList: Witness[]): BundleBuilder {
  return kind === 'dsse' ? new DSSEBundleBuilder({ signer, witnesses: witnessList }) : new MessageSignatureV03BundleBuilder({ signer, witnesses: witnessList });
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
}
