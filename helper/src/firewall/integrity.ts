/**
 * Checks tarball bytes against the packument's integrity as they stream through. The last chunk is held
 * back until the digest matches, so a client never receives a complete tampered tarball: on mismatch the
 * stream errors and the response is cut short.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { VerificationError } from '../errors.js';

export interface ExpectedDigest {
  algorithm: 'sha512' | 'sha384' | 'sha256' | 'sha1';
  /** base64 */
  digest: string;
  /** As the packument spells it, for messages and the cache key. */
  sri: string;
}

const STRENGTH = { sha512: 4, sha384: 3, sha256: 2, sha1: 1 } as const;

/** The strongest hash of an SRI string, or the legacy sha1 `shasum` when there is no integrity. */
export function expectedDigest(integrity: string | undefined, shasum: string | undefined): ExpectedDigest | undefined {
  let best: ExpectedDigest | undefined;
  for (const part of (integrity ?? '').trim().split(/\s+/)) {
    const m = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/.exec(part);
    if (!m) continue;
    const algorithm = m[1] as ExpectedDigest['algorithm'];
    if (!best || STRENGTH[algorithm] > STRENGTH[best.algorithm]) best = { algorithm, digest: m[2]!, sri: `${algorithm}-${m[2]}` };
  }
  if (best) return best;
  if (shasum && /^[0-9a-f]{40}$/i.test(shasum)) {
    const digest = Buffer.from(shasum, 'hex').toString('base64');
    return { algorithm: 'sha1', digest, sri: `sha1-${digest}` };
  }
  return undefined;
}

export class IntegrityMismatch extends VerificationError {}

export class VerifyingStream extends Transform {
  readonly #hash: Hash;
  readonly #expected: ExpectedDigest;
  readonly #maxBytes: number;
  #seen = 0;
  #held: Buffer | undefined;

  /** Past maxBytes the stream errors like a mismatch: an upstream cannot fill the disk with one "tarball". */
  constructor(expected: ExpectedDigest, maxBytes = Infinity) {
    super();
    this.#expected = expected;
    this.#maxBytes = maxBytes;
    this.#hash = createHash(expected.algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#maxBytes) {
      cb(new IntegrityMismatch('TARBALL_TOO_LARGE', `tarball is over the limit of ${this.#maxBytes} bytes (--max-tarball-mb)`));
      return;
    }
    this.#hash.update(chunk);
    const prev = this.#held;
    this.#held = chunk;
    cb(null, prev);
  }

  override _flush(cb: TransformCallback): void {
    const actual = this.#hash.digest('base64');
    if (actual !== this.#expected.digest) {
      cb(new IntegrityMismatch('INTEGRITY_MISMATCH', `tarball does not match the registry's ${this.#expected.algorithm} integrity (expected ${this.#expected.sri}, got ${this.#expected.algorithm}-${actual})`));
      return;
    }
    cb(null, this.#held);
  }
}
