import { closeSync, openSync, readSync } from 'node:fs';
import { createHash, hash, type Hash } from 'node:crypto';
import { InputError } from '../errors.js';
import type { DigestAlgorithm, DigestSet } from './digest.js';
import { hashRestReadAhead } from './read-ahead.js';

/** Read size for hashing: large enough that syscalls are noise next to SHA-256 itself. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Hashes one file. A file that fits in `buf` (1 MiB) is read whole, its end confirmed by a read of 0 bytes,
 * and hashed in one call (`crypto.hash`): no Hash object per file, which is a fifth of the CPU time on
 * 10,000 small files. A larger file is hashed in a streaming loop: memory stays at one chunk whatever its size.
 * Throws InputError FILE_NOT_FOUND when the file cannot be opened.
 */
export function digestFileSync(path: string, algorithms: readonly DigestAlgorithm[], buf = Buffer.allocUnsafe(READ_CHUNK_BYTES)): DigestSet {
  const fd = openSubject(path);
  try {
    const whole = readWhole(fd, buf);
    if (whole) return hashWhole(whole, algorithms);
    const hashes = algorithms.map((a) => createHash(a).update(buf));
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = n === buf.length ? buf : buf.subarray(0, n);
      for (const h of hashes) h.update(chunk);
    }
    return digestsOf(hashes, algorithms);
  } finally {
    closeSync(fd);
  }
}

/**
 * digestFileSync, but a file larger than `buffers[0]` is read ahead on the thread pool while the chunk before
 * is hashed (read-ahead.ts), so that the page-cache copy no longer adds to the hashing. A file that fits in
 * the buffer is read and hashed synchronously and its digests returned as they are: a promise (an await) per
 * small file would cost more than it could save. Its first part is digestFileSync's, written out again on
 * purpose: on 10,000 small files each extra call per file showed in the CPU time (bench/fixed-costs.mjs).
 */
export function digestFileReadAhead(path: string, algorithms: readonly DigestAlgorithm[], buffers: [Buffer, Buffer?]): DigestSet | Promise<DigestSet> {
  const buf = buffers[0];
  const fd = openSubject(path);
  let handedOver = false;
  try {
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n === 0) {
        const whole = buf.subarray(0, filled);
        const out: DigestSet = {};
        for (const a of algorithms) out[a] = hash(a, whole, 'hex');
        return out;
      }
      filled += n;
      if (filled === buf.length) break;
    }
    buffers[1] ??= Buffer.allocUnsafe(buf.length);
    handedOver = true;
    return hashRestAndClose(fd, algorithms, [buffers[1], buf]);
  } finally {
    if (!handedOver) closeSync(fd);
  }
}

/** The rest of a large file, read ahead; closes `fd` whatever happens. */
async function hashRestAndClose(fd: number, algorithms: readonly DigestAlgorithm[], buffers: [Buffer, Buffer]): Promise<DigestSet> {
  try {
    const hashes = algorithms.map((a) => createHash(a).update(buffers[1]));
    await hashRestReadAhead(fd, hashes, buffers);
    return digestsOf(hashes, algorithms);
  } finally {
    closeSync(fd);
  }
}

function openSubject(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new InputError('FILE_NOT_FOUND', `cannot open subject: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
}

/** The whole file when it fits in `buf` (read until a read of 0 bytes), else undefined with `buf` full. */
function readWhole(fd: number, buf: Buffer): Buffer | undefined {
  let filled = 0;
  for (;;) {
    const n = readSync(fd, buf, filled, buf.length - filled, null);
    if (n === 0) return buf.subarray(0, filled);
    filled += n;
    if (filled === buf.length) return undefined;
  }
}

function hashWhole(data: Buffer, algorithms: readonly DigestAlgorithm[]): DigestSet {
  const out: DigestSet = {};
  for (const a of algorithms) out[a] = hash(a, data, 'hex');
  return out;
}

function digestsOf(hashes: readonly Hash[], algorithms: readonly DigestAlgorithm[]): DigestSet {
  const out: DigestSet = {};
  algorithms.forEach((a, i) => (out[a] = (hashes[i] as Hash).digest('hex')));
  return out;
}
