/**
 * The digest worker: its code, and the shared memory through which it and the main thread split one list of files.
 *
 * One SharedArrayBuffer per list of `count` files, in this order:
 * - a header of two Int32: [0] the next claim (each thread takes claim k with `Atomics.add`, so no file is
 *   taken twice), [1] a stop flag (set once a file fails on the main thread: nobody claims more);
 * - `count` Int32 states, one per file: FILE_PENDING, FILE_WORKING (a worker holds it), FILE_DONE (its digests
 *   are written), FILE_FAILED (the worker could not read it; the main thread reads it again, and reports it);
 * - `count` Int32 file indices in claim order (claim k is file order[k]; the identity when not `ordered`);
 * - `count` x `width` bytes of digests: per file, each algorithm's raw digest in turn (SHA-256 32 bytes,
 *   SHA-512 64).
 * A worker writes a file's digests before it stores FILE_DONE (sequentially consistent), so a thread that reads
 * FILE_DONE with Atomics.load sees them.
 */
import type { DigestAlgorithm } from './digest.js';
import { SUBJECT_OPEN_FLAGS } from './hash-file.js';

export const FILE_PENDING = 0;
export const FILE_DONE = 1;
export const FILE_FAILED = 2;
export const FILE_WORKING = 3;

const HEADER_BYTES = 8;
/** Raw digest bytes per algorithm. */
export const DIGEST_BYTES: Readonly<Record<DigestAlgorithm, number>> = { sha256: 32, sha512: 64 };

/** The views of one list's shared memory (see the layout above). */
export interface SharedDigests {
  sab: SharedArrayBuffer;
  control: Int32Array;
  states: Int32Array;
  order: Int32Array;
  digests: Buffer;
  /** Bytes of digests per file. */
  width: number;
}

export function sharedDigests(count: number, algorithms: readonly DigestAlgorithm[]): SharedDigests {
  const width = algorithms.reduce((n, a) => n + DIGEST_BYTES[a], 0);
  const sab = new SharedArrayBuffer(HEADER_BYTES + 8 * count + width * count);
  return {
    sab,
    control: new Int32Array(sab, 0, 2),
    states: new Int32Array(sab, HEADER_BYTES, count),
    order: new Int32Array(sab, HEADER_BYTES + 4 * count, count),
    digests: Buffer.from(sab, HEADER_BYTES + 8 * count, width * count),
    width,
  };
}

/** What a worker is sent, once: the list's memory and its files. */
export interface DigestJobMessage {
  sab: SharedArrayBuffer;
  count: number;
  /** The files' paths joined by NUL (no path holds one): one string to copy instead of `count`. */
  paths: string;
  algorithms: readonly DigestAlgorithm[];
  /** Whether claims follow the order array (largest files first) rather than the list's own order. */
  ordered: boolean;
}

/**
 * The worker's code, for `new Worker(code, { eval: true })`: a string rather than a file so that the single-file
 * bundle stays one file, and only Node built-ins, so that a worker's start is Node's own. It waits for one
 * DigestJobMessage, claims files until none is left or the stop flag is set, hashes each as `digestFileSync`
 * does (opened with SUBJECT_OPEN_FLAGS; whole when it fits in 1 MiB, to a read of 0 bytes, else streamed; a file
 * that reads as empty or fills the buffer must be a regular file by fstat, and is read to no more than its size) and ends. A file it cannot read, or that is not what the walk
 * found, is FILE_FAILED with no message: the main thread reads it again and reports the error as it would alone.
 */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync, fstatSync } = require('node:fs');
const { createHash, hash } = require('node:crypto');
parentPort.once('message', ({ sab, count, paths: joined, algorithms, ordered }) => {
  const paths = joined.split('\\0');
  if (paths.length !== count) return;
  const control = new Int32Array(sab, 0, 2);
  const states = new Int32Array(sab, ${HEADER_BYTES}, count);
  const order = new Int32Array(sab, ${HEADER_BYTES} + 4 * count, count);
  const sizes = algorithms.map((a) => (a === 'sha512' ? 64 : 32));
  const width = sizes.reduce((n, s) => n + s, 0);
  const digests = new Uint8Array(sab, ${HEADER_BYTES} + 8 * count, width * count);
  const buf = Buffer.allocUnsafe(${1024 * 1024});
  while (Atomics.load(control, 1) === 0) {
    const k = Atomics.add(control, 0, 1);
    if (k >= count) break;
    const i = ordered ? order[k] : k;
    Atomics.store(states, i, ${FILE_WORKING});
    let state = ${FILE_FAILED};
    let fd;
    try {
      fd = openSync(paths[i], ${SUBJECT_OPEN_FLAGS});
      let filled = 0;
      let whole = false;
      for (;;) {
        const n = readSync(fd, buf, filled, buf.length - filled, null);
        if (n === 0) { whole = true; break; }
        filled += n;
        if (filled === buf.length) break;
      }
      // As digestFileSync: fstat only a file that read as empty or fills the buffer.
      let size = filled;
      if (filled === 0 || !whole) {
        const st = fstatSync(fd);
        if (!st.isFile()) throw new Error('not a regular file');
        size = st.size;
      }
      if (filled > size) throw new Error('grew');
      let at = i * width;
      if (whole) {
        const data = buf.subarray(0, filled);
        for (let j = 0; j < algorithms.length; j++) { digests.set(hash(algorithms[j], data, 'buffer'), at); at += sizes[j]; }
      } else {
        const hashes = algorithms.map((a) => createHash(a).update(buf));
        let total = filled;
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) break;
          total += n;
          if (total > size) throw new Error('grew');
          const chunk = n === buf.length ? buf : buf.subarray(0, n);
          for (const h of hashes) h.update(chunk);
        }
        for (let j = 0; j < hashes.length; j++) { digests.set(hashes[j].digest(), at); at += sizes[j]; }
      }
      state = ${FILE_DONE};
    } catch {
      // Left for the main thread, which reads the file again and says what is wrong with it.
    } finally {
      if (fd !== undefined) try { closeSync(fd); } catch { state = ${FILE_FAILED}; }
    }
    Atomics.store(states, i, state);
    Atomics.notify(states, i);
  }
});
`;
