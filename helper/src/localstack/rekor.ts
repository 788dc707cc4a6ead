import { createHash } from 'node:crypto';

interface ProposedDsse {
  kind: 'dsse';
  apiVersion: string;
  spec: { proposedContent?: { envelope?: string; verifiers?: string[] } };
}

interface Envelope {
  payload: string;
  signatures: { sig: string }[];
}

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Rekor does not store a proposed `dsse` entry as sent: it stores hashes of the envelope and payload and the
 * signatures with their verifiers (rekor pkg/types/dsse/v0.0.1). @sigstore/mock logs the proposal verbatim,
 * which verifiers then reject ("signature count mismatch"), so reshape it first. Other kinds pass through.
 */
export function canonicalEntry(proposed: unknown): unknown {
  const entry = proposed as ProposedDsse;
  if (entry?.kind !== 'dsse' || !entry.spec?.proposedContent?.envelope) return proposed;
  const { envelope: envelopeJson, verifiers = [] } = entry.spec.proposedContent;
  const envelope = JSON.parse(envelopeJson) as Envelope;
  if (!Array.isArray(envelope.signatures) || envelope.signatures.length !== verifiers.length) {
    throw new Error('dsse entry needs one verifier per signature');
  }
  return {
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(envelopeJson) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((s, i) => ({ signature: s.sig, verifier: verifiers[i] })),
    },
  };
}
