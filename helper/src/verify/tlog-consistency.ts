import type { TransparencyLogEntry } from '@sigstore/bundle';

/**
 * @sigstore/verify checks an inclusion proof against the tree size and root hash inside the signed checkpoint
 * and ignores the copies in `inclusionProof.treeSize` / `rootHash`. A bundle whose copies disagree with the
 * checkpoint has been altered; refuse it rather than carry unauthenticated values (found by the mutation test).
 */
export function inclusionProofMismatch(entry: TransparencyLogEntry | undefined): string | undefined {
  const proof = entry?.inclusionProof;
  const envelope = proof?.checkpoint?.envelope;
  if (!proof || !envelope) return undefined;
  // Checkpoint note: origin, tree size, base64 root hash, then optional lines, a blank line and signatures.
  const [, size, hash] = envelope.split('\n');
  if (size === undefined || hash === undefined) return undefined; // malformed: @sigstore/verify rejects it
  if (size !== String(proof.treeSize)) return `inclusion proof tree size ${String(proof.treeSize)} is not the checkpoint's (${size})`;
  if (hash !== Buffer.from(proof.rootHash).toString('base64')) return "inclusion proof root hash is not the checkpoint's";
  return undefined;
}
