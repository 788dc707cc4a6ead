import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import { WORKER_SOURCE } from './digest-worker.js';

export type DigestAlgorithm = 'sha256' | 'sha512';
export type DigestSet = Partial<Record<DigestAlgorithm, string>>;

/** Read size for hashing: large enough that syscalls are noise next to SHA-256 itself. */
export const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Workers pay off only where hashing dominates: below this many bytes, the main thread alone is done before
 * the workers have started (~40 ms each here). Many small files are bound by system calls, which two vCPUs
 * do not run in parallel: 10,000 files of 1-17 KiB (90 MB) took 591 ms on the main thread and 1,093 ms with
 * a worker per core (bench/fixed-costs.mjs data, in process, on a loaded machine).
 */
export const MIN_BYTES_FOR_WORKERS = 128 * 1024 * 1024;
/** Files per message to a worker: amortises messaging for many small files. */
const BATCH_FILES = 128;
const BATCH_BYTES = 32 * 1024 * 1024;

/** Hashes one file in a streaming loop: memory stays at one chunk whatever the file's size. */
export function digestFileSync(path: string, algorithms: readonly DigestAlgorithm[], buf = Buffer.allocUnsafe(READ_CHUNK_BYTES)): DigestSet {
  const hashes = algorithms.map((a) => createHash(a));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError('FILE_NOT_FOUND', `cannot open subject: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = n === buf.length ? buf : buf.subarray(0, n);
      for (const h of hashes) h.update(chunk);
    }
  } finally {
    closeSync(fd);
  }
  const out: DigestSet = {};
  algorithms.forEach((a, i) => (out[a] = (hashes[i] as ReturnType<typeof createHash>).digest('hex')));
  return out;
}

export interface DigestJob {
  path: string;
  size: number;
}

/**
 * Digests many files. Up to MIN_BYTES_FOR_WORKERS in all they are hashed on the main thread, however many
 * there are; more data is spread over worker threads (one per core), in batches, so that both cores hash.
 */
export async function digestFiles(files: readonly DigestJob[], algorithms: readonly DigestAlgorithm[], options: { workers?: number } = {}): Promise<DigestSet[]> {
  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), files.length));
  if (workers === 1 || totalBytes < MIN_BYTES_FOR_WORKERS) {
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    return files.map((f) => digestFileSync(f.path, algorithms, buf));
  }
  return digestInWorkers(files, algorithms, workers);
}

function batches(files: readonly DigestJob[]): number[][] {
  // Largest files first, so that one big file does not finish last on a single core.
  const order = files.map((_, i) => i).sort((a, b) => (files[b] as DigestJob).size - (files[a] as DigestJob).size);
  const out: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  for (const i of order) {
    cur.push(i);
    bytes += (files[i] as DigestJob).size;
    if (cur.length >= BATCH_FILES || bytes >= BATCH_BYTES) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

async function digestInWorkers(files: readonly DigestJob[], algorithms: readonly DigestAlgorithm[], count: number): Promise<DigestSet[]> {
  const results: DigestSet[] = new Array(files.length);
  const queue = batches(files);
  // The worker is a string evaluated in the thread, so that the single-file bundle needs no second file.
  // worker_threads loads only when workers are used: most runs (a few subjects) never pay for it.
  const { Worker } = await import('node:worker_threads');
  const pool = Array.from({ length: Math.min(count, queue.length) }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let current: number[] | undefined;
            const next = () => {
              current = queue.shift();
              if (!current) return resolve();
              worker.postMessage({ paths: current.map((i) => (files[i] as DigestJob).path), algorithms });
            };
            worker.on('message', (msg: { ok: true; digests: DigestSet[] } | { ok: false; path: string; message: string }) => {
              if (!msg.ok) return reject(new InputError('FILE_NOT_FOUND', `cannot read subject: ${msg.message}`, { where: { file: msg.path } }));
              msg.digests.forEach((d, j) => (results[(current as number[])[j] as number] = d));
              next();
            });
            worker.on('error', reject);
            next();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
