import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createHash, hash, type Hash } from 'node:crypto';
import { InputError } from '../errors.js';
import type { DigestAlgorithm, DigestSet } from './digest.js';
import { hashRestReadAhead } from './read-ahead.js';

/** Read size for hashing: large enough that syscalls are noise next to SHA-256 itself. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * How a subject is opened: never through a symbolic link in its last component (a walked file swapped for a link
 * while sscs runs is refused, not followed out of the project), and without blocking (a file swapped for a FIFO
 * is opened at once, then refused as not a regular file, instead of waiting for a writer for ever). A symlink
 * subject is opened by its target's real path, found and checked inside the project by the walk.
 */
export const SUBJECT_OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Hashes one file. A file that fits in `buf` (1 MiB) is read whole, its end confirmed by a read of 0 bytes,
 * and hashed in one call (`crypto.hash`): no Hash object per file, which is a fifth of the CPU time on
 * 10,000 small files. A larger file is hashed in a streaming loop: memory stays at one chunk whatever its size.
 * Throws InputError FILE_NOT_FOUND when the file cannot be opened.
 */
export function digestFileSync(path: string, algorithms: readonly DigestAlgorithm[], buf = Buffer.allocUnsafe(READ_CHUNK_BYTES)): DigestSet {
  const fd = openSubject(path);
  try {
    const whole = readWhole(fd, buf, path);
    if (whole) return hashWhole(whole, algorithms);
    const size = regularFileSize(fd, path);
    const hashes = algorithms.map((a) => createHash(a).update(buf));
    let total = buf.length;
    if (total > size) throw changed(path, 'it grew while sscs read it');
    for (;;) {
      const n = readSubject(fd, buf, 0, path);
      if (n === 0) break;
      total += n;
      if (total > size) throw changed(path, 'it grew while sscs read it');
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
      const n = readSubject(fd, buf, filled, path);
      if (n === 0) {
        // An empty read: an empty regular file, or a FIFO or socket swapped in after the walk (refused).
        if (filled === 0) regularFileSize(fd, path);
        const whole = buf.subarray(0, filled);
        const out: DigestSet = {};
        for (const a of algorithms) out[a] = hash(a, whole, 'hex');
        return out;
      }
      filled += n;
      if (filled === buf.length) break;
    }
    // A file that fills the buffer: it must be a regular file (no device read for ever), and is read to its size.
    const size = regularFileSize(fd, path);
    if (filled > size) throw changed(path, 'it grew while sscs read it');
    buffers[1] ??= Buffer.allocUnsafe(buf.length);
    handedOver = true;
    return hashRestAndClose(fd, path, size, algorithms, [buffers[1], buf]);
  } finally {
    if (!handedOver) closeSync(fd);
  }
}

/** The rest of a large file, read ahead; closes `fd` whatever happens. */
async function hashRestAndClose(fd: number, path: string, size: number, algorithms: readonly DigestAlgorithm[], buffers: [Buffer, Buffer]): Promise<DigestSet> {
  try {
    const hashes = algorithms.map((a) => createHash(a).update(buffers[1]));
    const total = buffers[1].length + (await hashRestReadAhead(fd, hashes, buffers, size - buffers[1].length));
    if (total > size) throw changed(path, 'it grew while sscs read it');
    return digestsOf(hashes, algorithms);
  } finally {
    closeSync(fd);
  }
}

function openSubject(path: string): number {
  try {
    return openSync(path, SUBJECT_OPEN_FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw changed(path, 'it is now a symbolic link', e);
    throw new InputError('FILE_NOT_FOUND', `cannot open subject: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
}

/**
 * The size of the open file, which must be a regular file (a FIFO, device or folder swapped in after the walk is
 * refused). Asked only of a file that reads as empty or fills the 1 MiB buffer: a small file that reads to its end
 * needs no extra system call (an fstat per file cost about 10% of `sscs digest` on 10,000 small files).
 */
function regularFileSize(fd: number, path: string): number {
  const st = fstatSync(fd);
  if (!st.isFile()) throw changed(path, 'it is no longer a regular file');
  return st.size;
}

/** A subject that changed between the walk and its hashing: never hashed as it now is. */
function changed(path: string, what: string, cause?: unknown): InputError {
  return new InputError('NOT_A_FILE', `subject changed while sscs ran: ${what}`, {
    where: { file: path },
    hint: 'Something changed the build outputs while sscs read them. Attest outputs no other process is writing (the isolated provenance job reads downloaded artifacts).',
    cause,
  });
}

/** The whole file when it fits in `buf` (read until a read of 0 bytes), else undefined with `buf` full. */
function readWhole(fd: number, buf: Buffer, path: string): Buffer | undefined {
  let filled = 0;
  for (;;) {
    const n = readSubject(fd, buf, filled, path);
    if (n === 0) {
      if (filled === 0) regularFileSize(fd, path);
      return buf.subarray(0, filled);
    }
    filled += n;
    if (filled === buf.length) return undefined;
  }
}

/** readSync into `buf` from `at`; a read that would block (a FIFO swapped in, opened without blocking) is refused. */
function readSubject(fd: number, buf: Buffer, at: number, path: string): number {
  try {
    return readSync(fd, buf, at, buf.length - at, null);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') throw changed(path, 'it is no longer a regular file', e);
    throw e;
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
