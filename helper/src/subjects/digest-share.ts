import type { Worker } from 'node:worker_threads';
import type { DigestAlgorithm, DigestSet } from './digest.js';
import { DIGEST_BYTES, FILE_DONE, FILE_WORKING, WORKER_SOURCE, sharedDigests, type DigestJobMessage, type SharedDigests } from './digest-worker.js';
import { READ_CHUNK_BYTES, digestFileReadAhead } from './hash-file.js';

/**
 * Digest workers, started before their files are known: a walk that has found many files starts one, so that
 * the worker's start (30-45 ms on this project's 2-core machine, Node's own bootstrap of a thread) overlaps the
 * rest of the walk instead of the hashing. Each takes one list (`digestShared`) and then ends. A worker that
 * cannot start, fails or stops early costs time, never results: its files are read again on the main thread.
 * Workers never hold the process open (unref), and `close` stops them.
 */
export class DigestHelpers {
  private readonly workers: { worker: Worker; gone: Promise<void>; online: Promise<void> }[] = [];
  private closed = false;

  /** Starts up to `count` more workers now; none when threads cannot be made here. */
  grow(count: number): this {
    if (this.closed) return this;
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    for (let i = 0; i < count; i++) {
      let worker: Worker;
      try {
        // No copy of this process's environment: the worker reads none of it.
        worker = new Worker(WORKER_SOURCE, { eval: true, env: {} });
      } catch {
        return this;
      }
      worker.unref();
      const gone = new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // An error ends the worker; its files are then the main thread's. The listener also keeps it from being thrown.
        worker.on('error', () => resolve());
      });
      const online = new Promise<void>((resolve) => worker.once('online', () => resolve()));
      this.workers.push({ worker, gone, online });
    }
    return this;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Settles once every worker started so far runs its code (or has ended). */
  online(): Promise<void> {
    return Promise.all(this.workers.map((w) => Promise.race([w.online, w.gone]))).then(() => undefined);
  }

  /** Hands every worker the list; returns a promise that settles once all of them have ended. */
  post(message: DigestJobMessage): Promise<void> {
    for (const { worker } of this.workers) worker.postMessage(message);
    return Promise.all(this.workers.map((w) => w.gone)).then(() => undefined);
  }

  /** Stops every worker (what one still holds is then the main thread's); does not wait for them to end. */
  close(): void {
    this.closed = true;
    for (const { worker } of this.workers.splice(0)) worker.terminate().catch(() => undefined);
  }
}

/**
 * Digests `paths` on the main thread and the `helpers` together, in the given order of results. Each thread claims
 * the next file (by `order`, largest first, when given; else in list order) until none is left, so a slow
 * worker start never holds back a file the main thread could hash. The digests are the main thread's own
 * (digestFileReadAhead) or the bytes a worker wrote. Errors are the main thread's alone and name the first
 * file, in list order, that cannot be read, as when one thread hashes all: once a file fails on the main thread
 * nobody claims more, and every file not hashed (a worker's failure, a file never claimed, one a stopped
 * worker held) is read again on the main thread in list order. `helpers` are not closed here. `stats.byWorkers`
 * counts the files whose digests came from a worker.
 */
export async function digestShared(
  paths: readonly string[],
  algorithms: readonly DigestAlgorithm[],
  helpers: DigestHelpers,
  order?: readonly number[],
  stats?: { byWorkers: number },
): Promise<DigestSet[]> {
  const count = paths.length;
  const shared = sharedDigests(count, algorithms);
  const { control } = shared;
  if (order) shared.order.set(order);
  const allGone = helpers.post({ sab: shared.sab, count, paths: paths.join('\0'), algorithms, ordered: order !== undefined });
  const buffers: [Buffer, Buffer?] = [Buffer.allocUnsafe(READ_CHUNK_BYTES)];
  const out: (DigestSet | undefined)[] = new Array(count);
  for (;;) {
    const k = Atomics.add(control, 0, 1);
    if (k >= count || Atomics.load(control, 1) !== 0) break;
    const i = order ? (order[k] as number) : k;
    try {
      const d = digestFileReadAhead(paths[i] as string, algorithms, buffers);
      out[i] = d instanceof Promise ? await d : d;
    } catch {
      // Reported below, in list order, after any earlier file that also fails.
      Atomics.store(control, 1, 1);
      break;
    }
  }
  // Stop whatever is left unclaimed: from here the main thread takes it, in list order.
  Atomics.store(control, 1, 1);
  // Nothing below keeps Node's event loop alive: an Atomics.waitAsync promise does not, and the workers are
  // unref'd. Without this handle the process could end here, exit code 0, with nothing written (found by a
  // new-user attack on 4,200 files: 13 runs of 40).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await collectRest(paths, algorithms, shared, out, allGone, buffers, stats);
  } finally {
    clearInterval(keepAlive);
  }
}

/** The files the main thread did not hash in its claims: a worker's digests, or hashed again here, in list order. */
async function collectRest(
  paths: readonly string[],
  algorithms: readonly DigestAlgorithm[],
  shared: SharedDigests,
  out: (DigestSet | undefined)[],
  allGone: Promise<void>,
  buffers: [Buffer, Buffer?],
  stats?: { byWorkers: number },
): Promise<DigestSet[]> {
  const { states, digests, width } = shared;
  const count = paths.length;
  const ended = allGone.then(() => 'ended' as const);
  for (let i = 0; i < count; i++) {
    if (out[i] !== undefined) continue;
    let state = Atomics.load(states, i);
    // A file a worker holds: wait for it, unless every worker has ended (one that stopped with it in hand).
    while (state === FILE_WORKING) {
      const wait = Atomics.waitAsync(states, i, FILE_WORKING);
      if (wait.async && (await Promise.race([wait.value, ended])) === 'ended') {
        state = Atomics.load(states, i);
        break;
      }
      state = Atomics.load(states, i);
    }
    if (state === FILE_DONE) {
      const set: DigestSet = {};
      let at = i * width;
      for (const a of algorithms) {
        set[a] = digests.toString('hex', at, at + DIGEST_BYTES[a]);
        at += DIGEST_BYTES[a];
      }
      out[i] = set;
      if (stats) stats.byWorkers++;
      continue;
    }
    // Pending (never claimed, or claimed just as the claims stopped), failed, or held by a worker that ended.
    const d = digestFileReadAhead(paths[i] as string, algorithms, buffers);
    out[i] = d instanceof Promise ? await d : d;
  }
  return out as DigestSet[];
}
