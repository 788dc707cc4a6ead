import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { setCheckpoint } from './checkpoint.js';
import { scanTarball } from './index.js';
import { scanPythonDistribution, type PythonFormat } from './python/index.js';
import { isSscsError, type Where } from '../errors.js';
import type { ScanLimits, ScanReport } from './types.js';
import { SCAN_WORKER_MARKER } from './pool.js';
import { MAX_TIMER_MS } from './timer.js';

/**
 * A scan worker process (see pool.ts): receives a package over its IPC channel (a tarball's path, which it reads
 * itself; its bytes in batches; or a Python distribution's path) and answers with the report. One package at a
 * time; the pool kills the process when a package overruns its time budget, and V8 ends it past its heap.
 *
 * The worker holds itself to the budget too (`budgetMs`, sent with each package), for when the pool cannot: a
 * pool killed (kill -9, OOM, a pod restart) leaves its workers to init, and its SIGKILL never comes. So the
 * worker exits at the first checkpoint (checkpoint.ts: each chunk read, each file analysed) once the budget
 * and a grace period are spent or its pool is gone, and a timer does the same while it awaits its input.
 */
export type WorkerRequest =
  | { type: 'path'; path: string; limits: Partial<ScanLimits>; budgetMs: number }
  | { type: 'start'; limits: Partial<ScanLimits>; budgetMs: number }
  | { type: 'file'; path: string; format: PythonFormat; limits: Partial<ScanLimits>; budgetMs: number }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' };
export type WorkerResponse =
  | { type: 'report'; report: ScanReport }
  | { type: 'error'; code: string; message: string; input: boolean; where?: Where; hint?: string };

/**
 * Time past a package's budget before the worker ends itself: the pool's own timer (and its SIGKILL, reported
 * as over budget) comes first whenever the pool is alive to send it.
 */
export const WORKER_GRACE_MS = 2_000;
/** Exit status of a worker that ended itself: its pool is gone, or the package ran past budget and grace. */
const EXIT_ORPHANED = 0;
const EXIT_OVER_BUDGET = 3;

let input: PassThrough | undefined;
/** The pool's pid when the worker started: an orphan is re-parented (to init or a subreaper). */
const pool = process.ppid;
/** When the package in hand must be done (performance.now() milliseconds), and the timer that ends it then. */
let deadline = Infinity;
let timer: NodeJS.Timeout | undefined;

/** Ends the worker when its pool is gone or the package is past its deadline; returns otherwise. */
function check(): void {
  // `connected` is only updated from the event loop; the parent's pid is read afresh (getppid) each time.
  if (!process.connected || process.ppid !== pool) process.exit(EXIT_ORPHANED);
  if (performance.now() > deadline) process.exit(EXIT_OVER_BUDGET);
}

function arm(budgetMs: number): void {
  const ms = budgetMs + WORKER_GRACE_MS;
  deadline = performance.now() + ms;
  clearTimeout(timer);
  // While the worker awaits its input (a stalled stream), no checkpoint runs: the timer ends it then.
  // (Node fires a longer timer at once: such a budget is left to the checkpoints.)
  timer = setTimeout(check, Math.min(ms + 1, MAX_TIMER_MS));
  timer.unref();
}

function disarm(): void {
  deadline = Infinity;
  clearTimeout(timer);
  timer = undefined;
}

function reply(m: WorkerResponse): void {
  disarm();
  process.send!(m);
}

function answer(scan: Promise<ScanReport>): void {
  scan.then(
    (report) => reply({ type: 'report', report }),
    (e: unknown) => reply(isSscsError(e) ? { type: 'error', code: e.code, message: e.message, input: true, ...(e.where ? { where: e.where } : {}), ...(e.hint ? { hint: e.hint } : {}) } : { type: 'error', code: 'INTERNAL', message: (e as Error).message, input: false }),
  );
}

function onRequest(m: WorkerRequest): void {
  if (m.type === 'path' || m.type === 'start' || m.type === 'file') arm(m.budgetMs);
  if (m.type === 'path') {
    answer(scanTarball(m.path, m.limits));

  } else if (m.type === 'start') {
    const stream = new PassThrough();
    input = stream;
    answer(scanTarball(stream, m.limits));
  } else if (m.type === 'file') {
    // A wheel or sdist is read from its file: a zip's central directory sits at its end.
    answer(scanPythonDistribution(m.path, m.format, m.limits));
  } else if (m.type === 'chunk') {
    input?.write(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  } else {
    input?.end();
    input = undefined;
  }
}

// Only in a process the pool started (its marker and an IPC channel); the pool going away ends the worker.
if (process.send && process.env[SCAN_WORKER_MARKER] === '1') {
  process.on('message', onRequest);
  process.once('disconnect', () => process.exit(EXIT_ORPHANED));
  setCheckpoint(check);
}
