import { closeSync, lstatSync, openSync, readSync } from 'node:fs';
import { createHash, hash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import { WORKER_SOURCE } from './digest-worker.js';
import { hashRestReadAhead } from './read-ahead.js';

export type DigestAlgorithm = 'sha256' | 'sha512';
export type DigestSet = Partial<Record<DigestAlgorithm, string>>;

/** Read size for hashing: large enough that syscalls are noise next to SHA-256 itself. */
export const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Workers pay off only where hashing dominates: below this many bytes, the main thread alone is done before
 * a worker has started and taken its share. Many small files are bound by system calls and per-file work,
 * not by hashing: on 10,000 files of 1-17 KiB (90 MB) a worker sharing the batches cost 360 ms of CPU and
 * 434 ms of wall time against 256 ms and 386 ms for the main thread alone (bench/fixed-costs.mjs, 11 runs,
 * load average 6), so a file count alone never starts one. Measured again without the lstat of every file
 * (session 4): a worker costs ~35 ms of CPU to start and stop, 186 million instructions (two `node -e 0`),
 * and `sscs digest` of those files took 364 million instructions more with one (callgrind).
 */
export const MIN_BYTES_FOR_WORKERS = 128 * 1024 * 1024;
/** Files per message to a worker: amortises messaging for many small files. */
const BATCH_FILES = 128;
const BATCH_BYTES = 32 * 1024 * 1024;

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
function digestFileReadAhead(path: string, algorithms: readonly DigestAlgorithm[], buffers: [Buffer, Buffer?]): DigestSet | Promise<DigestSet> {
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

export interface DigestJob {
  path: string;
  /** Bytes, when already known (an lstat the caller made anyway); a walk leaves it out to spare a call per file. */
  size?: number;
}

/** Up to this many files of unknown size are all sized (lstat) to choose between the main thread and workers. */
const SIZE_ALL_BELOW_FILES = 1024;
/** Above it, this many files, evenly spaced, are sized and the total is estimated from them. */
const SIZE_SAMPLE_FILES = 64;

/**
 * Digests many files, in the given order. Up to MIN_BYTES_FOR_WORKERS bytes in all they are hashed on the main
 * thread alone, however many there are; from there worker threads (one per core but one) share the batches
 * with the main thread, which keeps hashing while they start. Throws InputError FILE_NOT_FOUND naming
 * a file that cannot be read; every worker is stopped before it returns or throws.
 */
export async function digestFiles(files: readonly DigestJob[], algorithms: readonly DigestAlgorithm[], options: { workers?: number } = {}): Promise<DigestSet[]> {
  const threads = Math.max(1, Math.min(options.workers ?? availableParallelism(), files.length));
  if (threads > 1) {
    const bytes = estimateBytes(files.length, (i) => (files[i] as DigestJob).size ?? sizeOf((files[i] as DigestJob).path), files.some((f) => f.size === undefined));
    if (bytes >= MIN_BYTES_FOR_WORKERS) return digestShared(files.map((f) => ({ path: f.path, size: f.size ?? sizeOf(f.path) })), algorithms, threads);
  }
  return digestOnMainThread(files.length, (i) => (files[i] as DigestJob).path, algorithms);
}

/**
 * digestFiles for files of unknown sizes (a walk's): the same choice of threads and the same results, with no job
 * object per file (10,000 of them for 10,000 files).
 */
export async function digestPaths(paths: readonly string[], algorithms: readonly DigestAlgorithm[], options: { workers?: number } = {}): Promise<DigestSet[]> {
  const threads = Math.max(1, Math.min(options.workers ?? availableParallelism(), paths.length));
  if (threads > 1 && estimateBytes(paths.length, (i) => sizeOf(paths[i] as string), true) >= MIN_BYTES_FOR_WORKERS) {
    return digestShared(paths.map((path) => ({ path, size: sizeOf(path) })), algorithms, threads);
  }
  return digestOnMainThread(paths.length, (i) => paths[i] as string, algorithms);
}

async function digestOnMainThread(count: number, pathAt: (i: number) => string, algorithms: readonly DigestAlgorithm[]): Promise<DigestSet[]> {
  const buffers: [Buffer, Buffer?] = [Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  const out: DigestSet[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const digests = digestFileReadAhead(pathAt(i), algorithms, buffers);
    out[i] = digests instanceof Promise ? await digests : digests;
  }
  return out;
}

/**
 * The bytes to hash, or an estimate: exact when every size is known or there are few files; otherwise the
 * mean of SIZE_SAMPLE_FILES evenly spaced files times their number. 10,000 lstat calls cost about as much as
 * hashing 30 MB here, and only the choice of threads rests on this: a wrong estimate costs time, not results.
 * `sizeAt(i)` is the size of file i (an lstat when it is not known); `someUnknown` says whether any is not.
 */
function estimateBytes(count: number, sizeAt: (i: number) => number, someUnknown: boolean): number {
  let sum = 0;
  if (!someUnknown || count <= SIZE_ALL_BELOW_FILES) {
    for (let i = 0; i < count; i++) sum += sizeAt(i);
    return sum;
  }
  for (let k = 0; k < SIZE_SAMPLE_FILES; k++) sum += sizeAt(Math.floor((k * count) / SIZE_SAMPLE_FILES));
  return (sum / SIZE_SAMPLE_FILES) * count;
}

function sizeOf(path: string): number {
  try {
    return lstatSync(path).size;
  } catch (e) {
    throw new InputError('FILE_NOT_FOUND', `cannot open subject: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
}

/** Batches of indices: the largest files first, so that one big file does not finish last on one core. */
function batches(files: readonly DigestJob[]): number[][] {
  const sizeAt = (i: number) => (files[i] as DigestJob).size ?? 0;
  const order = files.map((_, i) => i).sort((a, b) => sizeAt(b) - sizeAt(a));
  const out: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  for (const i of order) {
    cur.push(i);
    bytes += sizeAt(i);
    if (cur.length >= BATCH_FILES || bytes >= BATCH_BYTES) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

type WorkerMessage = { ready: true } | { ok: true; digests: DigestSet[] } | { ok: false; path: string; message: string };

/**
 * The main thread and `threads - 1` workers take batches from one queue until it is empty. A worker asks for
 * its first batch once it has started, so a slow start never holds files the main thread could hash.
 */
async function digestShared(files: readonly DigestJob[], algorithms: readonly DigestAlgorithm[], threads: number): Promise<DigestSet[]> {
  const results: DigestSet[] = new Array(files.length);
  const queue = batches(files);
  // The worker is a string evaluated in the thread, so that the single-file bundle needs no second file.
  const { Worker } = await import('node:worker_threads');
  const pool = Array.from({ length: Math.min(threads - 1, queue.length - 1) }, () => new Worker(WORKER_SOURCE, { eval: true }));
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e;
    queue.length = 0;
  };
  const idle: (() => void)[] = [];
  const done = pool.map(
    (worker) =>
      new Promise<void>((resolve) => {
        let current: number[] | undefined;
        // Until it asks for work, a worker holds nothing: once the queue is empty it need not be waited for.
        idle.push(() => current === undefined && resolve());
        const next = () => {
          current = queue.shift();
          if (!current) return resolve();
          worker.postMessage({ paths: current.map((i) => (files[i] as DigestJob).path), algorithms });
        };
        worker.on('message', (msg: WorkerMessage) => {
          if ('ready' in msg) return next();
          if (!msg.ok) {
            fail(new InputError('FILE_NOT_FOUND', `cannot read subject: ${msg.message}`, { where: { file: msg.path } }));
            return resolve();
          }
          msg.digests.forEach((d, j) => (results[(current as number[])[j] as number] = d));
          next();
        });
        worker.on('error', (e) => {
          fail(e);
          resolve();
        });
        // A worker that stops with a batch in hand would leave holes: that is a failure, never a short result.
        worker.on('exit', () => {
          if (current) fail(new Error('a digest worker stopped before it finished its files'));
          resolve();
        });
      }),
  );
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      for (const i of batch) results[i] = digestFileSync((files[i] as DigestJob).path, algorithms, buf);
      // Let the workers' finished batches in, so that they are given the next ones.
      await new Promise((r) => setImmediate(r));
    }
    for (const release of idle) release();
    await Promise.all(done);
  } catch (e) {
    fail(e);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failure !== undefined) throw failure;
  return results;
}
