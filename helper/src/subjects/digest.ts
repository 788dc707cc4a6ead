import { lstatSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { InputError } from '../errors.js';
import { usableCpus } from '../io/cpu-quota.js';
import { DigestHelpers, digestShared } from './digest-share.js';
import { READ_CHUNK_BYTES, digestFileReadAhead } from './hash-file.js';

export { digestFileSync, READ_CHUNK_BYTES } from './hash-file.js';
export { DigestHelpers } from './digest-share.js';

export type DigestAlgorithm = 'sha256' | 'sha512';
export type DigestSet = Partial<Record<DigestAlgorithm, string>>;

/**
 * From this many bytes in all, a worker per core but one shares the files with the main thread, largest first:
 * hashing dominates, and the workers' start-up is small beside it (64 files of 16 MiB: 0.63x one openssl process,
 * bench/digest.mjs, 2026-12-01).
 */
export const MIN_BYTES_FOR_WORKERS = 128 * 1024 * 1024;
/**
 * From this many files, one worker shares them with the main thread, however few bytes they hold: many small files
 * are bound by per-file system calls, which a second thread takes part of. Below it a worker's start-up (30-40 ms
 * of wall and CPU time here, Node's bootstrap of a thread) is more than it saves. A walk that reaches this many
 * files starts the worker then (collect.ts), so that its start overlaps the rest of the walk. Measured on files of
 * 1-17 KiB (`sscs provenance`, hyperfine, 31 runs, quiet machine): with a worker from 2,048 files, 2,500 files took
 * 118 ms against 113 without; with one from 4,096, 5,000 files took 147 ms against 159 and 10,000 files 205 ms
 * against 231 (README, "Fixed costs").
 */
export const MIN_FILES_FOR_WORKER = 4096;

export interface DigestOptions {
  /** Threads to use at most, the main thread included; default: the cores this process may use. */
  workers?: number;
  /** Workers started ahead (a walk's); they are used or not, and closed by the caller. */
  helpers?: DigestHelpers;
}

/** The variable that sets the threads a digest uses, the main thread included (a whole number from 1 to 64). */
export const DIGEST_THREADS_VARIABLE = 'SSCS_DIGEST_THREADS';
const MAX_DIGEST_THREADS = 64;

/**
 * The threads a digest may use: SSCS_DIGEST_THREADS when it is set (then used as it is, whatever the machine's
 * load), else the CPUs this process may use (io/cpu-quota.ts: the affinity mask and the cgroup CPU quota of a
 * container, as Kubernetes limits and `docker --cpus` set it). A runner limited to one CPU gets no worker, whose
 * start-up would then be pure cost. Throws InputError MALFORMED for a value that is not a whole number from 1 to 64.
 */
export function digestThreads(env: NodeJS.ProcessEnv = process.env): number {
  return digestThreadsSetting(env) ?? usableCpus();
}

function digestThreadsSetting(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[DIGEST_THREADS_VARIABLE];
  if (raw === undefined || raw === '') return undefined;
  const n = /^[1-9][0-9]?$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_DIGEST_THREADS)) {
    throw new InputError('MALFORMED', `${DIGEST_THREADS_VARIABLE} must be a whole number from 1 to ${MAX_DIGEST_THREADS}, not ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return n;
}

/**
 * Whether a worker for many small files is worth starting now: two CPUs or more for this process, and a machine
 * that is not already busy, as GNU make's `--load-average` judges it: the 1-minute load average under the CPU
 * count less half a CPU. A small-file worker pays off only on an idle core. Its start and the two threads'
 * contention cost 70-100 ms of CPU, which a busy machine turns into wall time: with other work running (load
 * average about 3 on this 2-core machine) the 10,000-file provenance took 341 ms with a worker against 262 ms
 * without one (hyperfine, same run). The load average is the host's, also in a container. SSCS_DIGEST_THREADS,
 * when set, decides instead.
 */
export function smallFileWorkerWanted(env: NodeJS.ProcessEnv = process.env, load = loadavg()[0] as number, cpus = availableParallelism()): boolean {
  const set = digestThreadsSetting(env);
  if (set !== undefined) return set > 1;
  return usableCpus() > 1 && load < cpus - 0.5;
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
 * Digests many files, in the given order: on the main thread alone; with one worker from MIN_FILES_FOR_WORKER
 * files; with a worker per core but one, largest files first, from MIN_BYTES_FOR_WORKERS bytes in all. Throws
 * InputError FILE_NOT_FOUND naming the first file, in order, that cannot be read, whichever thread met it.
 */
export async function digestFiles(files: readonly DigestJob[], algorithms: readonly DigestAlgorithm[], options: DigestOptions = {}): Promise<DigestSet[]> {
  const someUnknown = files.some((f) => f.size === undefined);
  return digestWithSizes(
    files.map((f) => f.path),
    (i) => (files[i] as DigestJob).size ?? sizeOf((files[i] as DigestJob).path),
    someUnknown,
    algorithms,
    options,
  );
}

/**
 * digestFiles for files of unknown sizes (a walk's): the same choice of threads and the same results, with no job
 * object per file (10,000 of them for 10,000 files).
 */
export async function digestPaths(paths: readonly string[], algorithms: readonly DigestAlgorithm[], options: DigestOptions = {}): Promise<DigestSet[]> {
  return digestWithSizes(paths, (i) => sizeOf(paths[i] as string), true, algorithms, options);
}

async function digestWithSizes(
  paths: readonly string[],
  sizeAt: (i: number) => number,
  someUnknown: boolean,
  algorithms: readonly DigestAlgorithm[],
  options: DigestOptions,
): Promise<DigestSet[]> {
  const threads = Math.max(1, Math.min(options.workers ?? digestThreads(), paths.length));
  if (threads < 2) return digestOnMainThread(paths, algorithms);
  const own = options.helpers ? undefined : new DigestHelpers();
  const helpers = (options.helpers ?? own) as DigestHelpers;
  try {
    if (estimateBytes(paths.length, sizeAt, someUnknown) >= MIN_BYTES_FOR_WORKERS) {
      const sizes = paths.map((_, i) => sizeAt(i));
      const order = sizes.map((_, i) => i).sort((a, b) => (sizes[b] as number) - (sizes[a] as number));
      helpers.grow(threads - 1 - helpers.size);
      return await digestShared(paths, algorithms, helpers, order);
    }
    const wanted = options.workers !== undefined || smallFileWorkerWanted();
    if (helpers.size === 0 && (paths.length < MIN_FILES_FOR_WORKER || !wanted)) return await digestOnMainThread(paths, algorithms);
    helpers.grow(1 - helpers.size);
    return await digestShared(paths, algorithms, helpers);
  } finally {
    own?.close();
  }
}

async function digestOnMainThread(paths: readonly string[], algorithms: readonly DigestAlgorithm[]): Promise<DigestSet[]> {
  const buffers: [Buffer, Buffer?] = [Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  const out: DigestSet[] = new Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const digests = digestFileReadAhead(paths[i] as string, algorithms, buffers);
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
