import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { usableCpus } from '../io/cpu-quota.js';
import type { PythonFormat } from './python/index.js';
import type { WorkerRequest, WorkerResponse } from './worker.js';
import type { Finding, ScanLimits, ScanReport } from './types.js';
import { MAX_TIMER_MS } from './timer.js';

/** Wall-clock time one package may take in a worker before it is stopped (and reported, never served clean). */
export const DEFAULT_SCAN_BUDGET_MS = 120_000;
/** Heap a worker may grow to; past it the worker dies and the package gets a scan-budget finding. */
export const DEFAULT_WORKER_HEAP_MB = 1024;

/**
 * Semi-space of a worker's young generation (V8's young generation is three of them). A parsed file's tree is
 * garbage once the file is analysed; the larger the semi-space, the more trees die young instead of being copied
 * by scavenges and promoted. 64 MiB against 32 on an eighth of the benign corpus (one worker, at a load of 18 on
 * two cores): 7% less CPU (10.5 and 11.1 s against 11.4 and 12.0 s); 128 MiB did no better (11.0, 11.3 s). V8
 * grows the semi-spaces to that bound only as survivals demand.
 */
const WORKER_SEMI_SPACE_MB = 64;
/**
 * Bytes of a tarball stream gathered into one message to the worker: each message is a trip through the
 * channel and each write in the worker a round trip to zlib's thread, and a stream arrives in its source's
 * chunks (64 KiB from a file, often less from a socket).
 */
const BATCH_BYTES = 1024 * 1024;
/** Batches sent to a worker and not yet written to its channel; past it the stream pauses. */
const MAX_BATCHES_IN_FLIGHT = 2;
/** Bytes of a worker's stderr kept, to tell a heap exhaustion (V8 says so there) from another death. */
const STDERR_TAIL_BYTES = 4096;
const OUT_OF_HEAP = /heap out of memory|Reached heap limit/;
/**
 * The environment variable (set to `1`, the only variable a worker gets) that, with an IPC channel, makes the
 * single-file bundle start as a scan worker rather than as the CLI (cli.ts tests the same name).
 */
export const SCAN_WORKER_MARKER = 'SSCS_SCAN_WORKER';
const SHELL = '/bin/sh';

/**
 * Node's command-line flags for a scan worker process, each there for its cost:
 * - `--max-old-space-size`: the heap budget (V8 aborts the process past it; the pool reports the package);
 * - `--max-semi-space-size`: see WORKER_SEMI_SPACE_MB;
 * - `--single-threaded-gc`: V8's collector runs on the worker's own thread instead of helper threads. On two
 *   cores with two workers the helpers only competed with the other worker: with worker threads (which cannot
 *   take this flag, it is per process) two workers spent 39.2 s of CPU on the corpus against 35.6 s for one.
 */
export function workerFlags(heapMb: number): string[] {
  return [`--max-old-space-size=${heapMb}`, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`, '--single-threaded-gc'];
}

export interface ScanPoolOptions {
  /** Packages scanned at once (one worker process each); the rest wait in order. Default: cores - 1, at least 1. */
  concurrency?: number;
  /** Milliseconds one package's scan may take, 1 to MAX_TIMER_MS (timer.ts; RangeError otherwise). Default: DEFAULT_SCAN_BUDGET_MS. */
  budgetMs?: number;
  heapMb?: number;
  limits?: Partial<ScanLimits>;
}

interface Slot {
  worker: ChildProcess;
  /** The last bytes the worker wrote to stderr (V8's fatal errors). */
  stderr: string;
  busy: boolean;
}

type Job = { type: 'path'; path: string } | { type: 'stream'; tarball: Readable } | { type: 'file'; path: string; format: PythonFormat };

/**
 * Scans packages off the event loop, in worker processes, so a hostile package cannot stall other clients or take
 * the process down with it: at most `concurrency` at once, each within a time and heap budget. A package over
 * budget gets a `scan-budget` finding (an incomplete scan: the policy's unknown outcome applies), and its worker
 * is replaced. Input errors (not a tarball) reject with the InputError the scanner raised, as `scanTarball` does.
 *
 * Processes rather than threads: a process takes its own V8 flags (workerFlags), its collector does not share
 * helper threads with the other workers, and a V8 fatal error or heap exhaustion ends only the worker. A worker
 * gets no environment from this process (no tokens or passwords to reach), only the marker that starts it.
 */
export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly budgetMs: number;
  private readonly heapMb: number;
  private closed = false;

  /** `worker`: the module a worker process runs (scan/worker.js, or the single-file bundle, which is its own). */
  constructor(private readonly opts: ScanPoolOptions = {}, private readonly worker: URL = defaultWorker()) {
    this.concurrency = Math.max(1, opts.concurrency ?? Math.max(1, usableCpus() - 1));
    this.budgetMs = opts.budgetMs ?? DEFAULT_SCAN_BUDGET_MS;
    // A longer timer fires at once (timer.ts): every package would be over budget. The CLI says so as a usage error.
    if (!(this.budgetMs >= 1 && this.budgetMs <= MAX_TIMER_MS)) throw new RangeError(`scan budget must be 1 to ${MAX_TIMER_MS} ms, not ${this.budgetMs}`);
    this.heapMb = opts.heapMb ?? DEFAULT_WORKER_HEAP_MB;
  }

  /**
   * Scans an npm tarball: a path (the worker reads the file itself; it must stay in place until the promise
   * settles) or a stream of its bytes (sent to the worker as they come).
   */
  scan(tarball: Readable | string): Promise<ScanReport> {
    return this.schedule(typeof tarball === 'string' ? { type: 'path', path: tarball } : { type: 'stream', tarball });
  }

  /**
   * Scans a Python wheel or sdist file (see scanPythonDistribution) in a worker, within the same budgets; the
   * file must stay in place until the promise settles.
   */
  scanFile(path: string, format: PythonFormat): Promise<ScanReport> {
    return this.schedule({ type: 'file', path, format });
  }

  /** Ends every worker; scans in flight reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => stop(s.worker)));
    this.slots.length = 0;
  }

  private async schedule(job: Job): Promise<ScanReport> {
    const slot = await this.acquire();
    try {
      return await this.run(slot, job);
    } finally {
      this.release(slot);
    }
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error('scan pool closed');
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        // A worker that died while idle is replaced before it is handed a package.
        if (!free.worker.connected) this.replace(free);
        return free;
      }
      if (this.slots.length < this.concurrency) {
        const slot: Slot = { worker: undefined as unknown as ChildProcess, stderr: '', busy: true };
        this.spawn(slot);
        this.slots.push(slot);
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  private spawn(slot: Slot): void {
    const w = startWorker(fileURLToPath(this.worker), workerFlags(this.heapMb));
    slot.worker = w;
    slot.stderr = '';
    w.stderr!.setEncoding('utf8');
    // The pipe is read while the worker lives, but it never keeps this process alive (nor does the channel: idle).
    (w.stderr as Socket).unref();
    w.stderr!.on('data', (s: string) => {
      if (slot.worker === w) slot.stderr = (slot.stderr + s).slice(-STDERR_TAIL_BYTES);
    });
    // A failed spawn or send also ends the scan in flight (run's 'close' listener); without a listener it would throw.
    w.on('error', () => undefined);
    idle(w);
  }

  private replace(slot: Slot): void {
    void stop(slot.worker);
    this.spawn(slot);
  }

  private run(slot: Slot, job: Job): Promise<ScanReport> {
    const w = slot.worker;
    const tarball = job.type === 'stream' ? job.tarball : undefined;
    const limits = this.opts.limits ?? {};
    return new Promise<ScanReport>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('close', onClose);
        tarball?.destroy();
        idle(w);
        fn();
      };
      const overBudget = (why: string) => finish(() => {
        this.replace(slot);
        resolve(budgetReport(why));
      });
      const timer = setTimeout(() => overBudget(`took longer than ${this.budgetMs} ms`), this.budgetMs);
      const onMessage = (m: WorkerResponse) => finish(() => {
        if (m.type === 'report') resolve(m.report);
        else if (m.input) reject(new InputError(m.code as ConstructorParameters<typeof InputError>[0], m.message, { ...(m.where ? { where: m.where } : {}), ...(m.hint ? { hint: m.hint } : {}) }));
        else reject(new Error(`scan worker: ${m.message}`));
      });
      // V8 aborts a process out of heap after saying so on stderr, which is read to its end before 'close'.
      const onClose = () => overBudget(OUT_OF_HEAP.test(slot.stderr) ? `needed more than ${this.heapMb} MiB` : 'the scan worker stopped');
      w.on('message', onMessage);
      w.once('close', onClose);
      busy(w);
      const send = (m: WorkerRequest, done?: () => void) => {
        if (!w.connected) return onClose();
        w.send(m, done && ((e) => (e ? onClose() : done())));
      };
      // The worker holds itself to the same budget (worker.ts), for when this process is gone before its timer.
      const budgetMs = this.budgetMs;
      if (job.type === 'path') return send({ type: 'path', path: job.path, limits, budgetMs });
      if (job.type === 'file') return send({ type: 'file', path: job.path, format: job.format, limits, budgetMs });
      send({ type: 'start', limits, budgetMs });
      let inFlight = 0;
      let batch: Buffer[] = [];
      let batched = 0;
      const flush = () => {
        if (batched === 0) return;
        const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
        batch = [];
        batched = 0;
        if (++inFlight >= MAX_BATCHES_IN_FLIGHT) tarball!.pause();
        send({ type: 'chunk', data }, () => {
          if (--inFlight < MAX_BATCHES_IN_FLIGHT && !settled) tarball!.resume();
        });
      };
      tarball!.on('data', (chunk: Buffer) => {
        if (settled) return;
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= BATCH_BYTES) flush();
      });
      tarball!.once('end', () => {
        if (settled) return;
        flush();
        send({ type: 'end' });
      });
      tarball!.once('error', (e) => finish(() => reject(new InputError('INPUT', `cannot read the tarball: ${e.message}`, { cause: e }))));
    });
  }
}

/**
 * Starts a worker process: Node with `flags` running `file`, with an IPC channel (V8's serialisation, so that
 * bytes cross as bytes) and no environment but the marker. V8 aborts a process that runs out of heap, and an
 * abort writes a core file where the system allows one (Docker's default allows one of any size): a package
 * that exhausts the heap again and again could fill the disk. So the worker's core file limit is set to 0
 * first, by a shell that then becomes Node (`exec`, same process); without /bin/sh, Node is started directly.
 */
function startWorker(file: string, flags: string[]): ChildProcess {
  const node = [process.execPath, ...flags, file];
  const [command, args] = existsSync(SHELL) ? [SHELL, ['-c', 'ulimit -c 0 2>/dev/null; exec "$@"', 'sscs-scan-worker', ...node]] : [node[0]!, node.slice(1)];
  return spawn(command, args, { env: { [SCAN_WORKER_MARKER]: '1' }, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

/** A worker with a scan in flight keeps this process alive until it answers. */
function busy(w: ChildProcess): void {
  w.ref();
  w.channel?.ref();
}

/** An idle worker is never what keeps this process alive. */
function idle(w: ChildProcess): void {
  w.unref();
  w.channel?.unref();
}

/** Ends a worker process now and waits until it is gone. */
function stop(w: ChildProcess): Promise<void> {
  if (w.exitCode !== null || w.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('exit', () => resolve());
    // Whoever awaits this waits for the exit: an idle (unreferenced) worker would let the process end first.
    w.ref();
    w.kill('SIGKILL');
  });
}

function budgetReport(why: string): ScanReport {
  const finding: Finding = { rule: 'scan-budget', severity: 'high', file: '(package)', evidence: why, message: `scan stopped: the package ${why}, so it cannot be called clean` };
  return { findings: [finding], complete: false, files: 0, bytes: 0 };
}

/**
 * The worker next to this module (helper/dist/scan/worker.js; under the sources, the compiled one); inside the
 * single-file bundle, the bundle itself, which starts the worker when it sees SCAN_WORKER_MARKER and an IPC
 * channel (cli.ts).
 */
function defaultWorker(): URL {
  const sibling = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  // Under the TypeScript sources (vitest), the compiled worker, which `npm test` builds first.
  const compiled = new URL('../../dist/scan/worker.js', import.meta.url);
  if (import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(compiled))) return compiled;
  return new URL(import.meta.url);
}
