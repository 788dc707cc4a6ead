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

const SRI_PART = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/;

/** Every digest a packument lists for a version: each SRI part of `integrity`, and the sha1 `shasum`. */
export function listedDigests(integrity: string | undefined, shasum: string | undefined): ExpectedDigest[] {
  const out: ExpectedDigest[] = [];
  for (const part of (integrity ?? '').trim().split(/\s+/)) {
    const m = SRI_PART.exec(part);
    if (m) out.push({ algorithm: m[1] as ExpectedDigest['algorithm'], digest: m[2]!, sri: `${m[1]}-${m[2]}` });
  }
  if (shasum && /^[0-9a-f]{40}$/i.test(shasum)) {
    const digest = Buffer.from(shasum, 'hex').toString('base64');
    out.push({ algorithm: 'sha1', digest, sri: `sha1-${digest}` });
  }
  return out;
}

/** The strongest hash of an SRI string, or the legacy sha1 `shasum` when there is no integrity. */
export function expectedDigest(integrity: string | undefined, shasum: string | undefined): ExpectedDigest | undefined {
  let best: ExpectedDigest | undefined;
  for (const d of listedDigests(integrity, undefined)) if (!best || STRENGTH[d.algorithm] > STRENGTH[best.algorithm]) best = d;
  return best ?? listedDigests(undefined, shasum)[0];
}

export type RememberedCheck = { ok: true; alsoCheck?: ExpectedDigest } | { ok: false; reason: string };

/**
 * Whether a packument's digests agree with the one remembered from the first time the version was served.
 * npm versions are immutable: the packument must still list the remembered digest under its algorithm, and
 * nothing else under that algorithm. A packument that dropped it (only a weaker or another algorithm left)
 * is refused, since its bytes could not be checked against what was served. When the strongest digest now
 * listed is of a stronger algorithm, the bytes are checked against both (`alsoCheck`) before it is remembered.
 */
export function checkRemembered(remembered: string | undefined, listed: ExpectedDigest[], strongest: ExpectedDigest): RememberedCheck {
  const before = remembered ? expectedDigest(remembered, undefined) : undefined;
  if (!before) return { ok: true };
  const same = listed.filter((d) => d.algorithm === before.algorithm);
  if (same.length === 0) return { ok: false, reason: `now lists only ${listed.map((d) => d.algorithm).join(', ') || 'no digest'}, but was ${before.sri} when the firewall first served it, so its bytes cannot be checked against what was served` };
  const other = same.find((d) => d.digest !== before.digest);
  if (other) return { ok: false, reason: `now has integrity ${other.sri} upstream, but was ${before.sri} when the firewall first served it` };
  return strongest.algorithm === before.algorithm ? { ok: true } : { ok: true, alsoCheck: before };
}

export class IntegrityMismatch extends VerificationError {}

export class VerifyingStream extends Transform {
  readonly #checks: { expected: ExpectedDigest; hash: Hash }[];
  readonly #maxBytes: number;
  #seen = 0;
  #held: Buffer | undefined;

  /**
   * Past maxBytes the stream errors like a mismatch: an upstream cannot fill the disk with one "tarball".
   * `also`: a further digest the bytes must match (the one remembered from the first serve).
   */
  constructor(expected: ExpectedDigest, maxBytes = Infinity, also?: ExpectedDigest) {
    super();
    this.#maxBytes = maxBytes;
    this.#checks = [expected, ...(also ? [also] : [])].map((e) => ({ expected: e, hash: createHash(e.algorithm) }));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#maxBytes) {
      cb(new IntegrityMismatch('TARBALL_TOO_LARGE', `tarball is over the limit of ${this.#maxBytes} bytes (--max-tarball-mb)`));
      return;
    }
    for (const c of this.#checks) c.hash.update(chunk);
    const prev = this.#held;
    this.#held = chunk;
    cb(null, prev);
  }

  override _flush(cb: TransformCallback): void {
    for (const { expected, hash } of this.#checks) {
      const actual = hash.digest('base64');
      if (actual !== expected.digest) {
        cb(new IntegrityMismatch('INTEGRITY_MISMATCH', `tarball does not match the ${expected.algorithm} integrity (expected ${expected.sri}, got ${expected.algorithm}-${actual})`));
        return;
      }
    }
    cb(null, this.#held);
  }
}
