import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import type { WorkerResponse } from './worker.js';
import type { Finding, ScanLimits, ScanReport } from './types.js';

/** Wall-clock time one package may take in a worker before it is stopped (and reported, never served clean). */
export const DEFAULT_SCAN_BUDGET_MS = 120_000;
/** Heap a worker may grow to; past it the worker dies and the package gets a scan-budget finding. */
export const DEFAULT_WORKER_HEAP_MB = 1024;

/**
 * Young generation of a worker's heap (V8 splits it into semi-spaces of a third each). A parsed file's tree is
 * garbage once the file is analysed; the larger the semi-space, the more trees die young instead of being copied
 * by scavenges and promoted. 64 MiB semi-spaces against 32 on an eighth of the benign corpus (one worker, at a
 * load of 18 on two cores): 7% less CPU (10.5 and 11.1 s against 11.4 and 12.0 s), worker GC pauses 6.0-7.8 s
 * against 9.9-10.1 s; 128 MiB did no better (11.0, 11.3 s). V8 grows the semi-spaces to that bound only as
 * survivals demand.
 */
const WORKER_YOUNG_GENERATION_MB = 192;

export interface ScanPoolOptions {
  /** Packages scanned at once (one worker thread each); the rest wait in order. Default: cores - 1, at least 1. */
  concurrency?: number;
  budgetMs?: number;
  heapMb?: number;
  limits?: Partial<ScanLimits>;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * Scans tarballs off the event loop, in worker threads, so a hostile package cannot stall other clients: at most
 * `concurrency` at once, each within a time and heap budget. A package over budget gets a `scan-budget` finding
 * (an incomplete scan: the policy's unknown outcome applies), and its worker is replaced. Input errors (not a
 * tarball) reject with the InputError the scanner raised, as `scanTarball` does.
 */
export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly budgetMs: number;
  private readonly heapMb: number;
  private closed = false;

  constructor(private readonly opts: ScanPoolOptions = {}, private readonly worker: { url: URL; data?: unknown } = defaultWorker()) {
    this.concurrency = Math.max(1, opts.concurrency ?? Math.max(1, availableParallelism() - 1));
    this.budgetMs = opts.budgetMs ?? DEFAULT_SCAN_BUDGET_MS;
    this.heapMb = opts.heapMb ?? DEFAULT_WORKER_HEAP_MB;
  }

  async scan(tarball: Readable): Promise<ScanReport> {
    const slot = await this.acquire();
    try {
      return await this.run(slot, tarball);
    } finally {
      this.release(slot);
    }
  }

  /**
   * Scans a Python wheel or sdist file (see scanPythonDistribution) in a worker, within the same budgets; the
   * file must stay in place until the promise settles.
   */
  async scanFile(path: string, format: import('./python/index.js').PythonFormat): Promise<ScanReport> {
    const slot = await this.acquire();
    try {
      return await this.run(slot, { type: 'file', path, format });
    } finally {
      this.release(slot);
    }
  }

  /** Ends every worker; scans in flight reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error('scan pool closed');
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      if (this.slots.length < this.concurrency) {
        const slot = { worker: this.spawn(), busy: true };
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

  private spawn(): Worker {
    const w = new Worker(this.worker.url, { workerData: this.worker.data, resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    // A worker is never what keeps the process alive.
    w.unref();
    return w;
  }

  private replace(slot: Slot): void {
    void slot.worker.terminate().catch(() => undefined);
    slot.worker = this.spawn();
  }

  private run(slot: Slot, input: Readable | { type: 'file'; path: string; format: import('./python/index.js').PythonFormat }): Promise<ScanReport> {
    const tarball = 'type' in input && input.type === 'file' ? undefined : (input as Readable);
    const w = slot.worker;
    return new Promise<ScanReport>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        tarball?.destroy();
        fn();
      };
      const overBudget = (why: string) => finish(() => {
        this.replace(slot);
        resolve(budgetReport(why));
      });
      const timer = setTimeout(() => overBudget(`took longer than ${this.budgetMs} ms`), this.budgetMs);
      const onMessage = (m: WorkerResponse) => finish(() => {
        if (m.type === 'report') resolve(m.report);
        else if (m.input) reject(new InputError(m.code as ConstructorParameters<typeof InputError>[0], m.message));
        else reject(new Error(`scan worker: ${m.message}`));
      });
      const onError = (e: Error) => overBudget((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `needed more than ${this.heapMb} MiB` : `the scan failed: ${e.message.slice(0, 120)}`);
      const onExit = () => overBudget('the scan worker stopped');
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      if (!tarball) {
        const file = input as { path: string; format: string };
        w.postMessage({ type: 'file', path: file.path, format: file.format, limits: this.opts.limits ?? {} });
        return;
      }
      w.postMessage({ type: 'start', limits: this.opts.limits ?? {} });
      tarball.on('data', (chunk: Buffer) => {
        if (!settled) w.postMessage({ type: 'chunk', data: chunk });
      });
      tarball.once('end', () => {
        if (!settled) w.postMessage({ type: 'end' });
      });
      tarball.once('error', (e) => finish(() => reject(new InputError('INPUT', `cannot read the tarball: ${e.message}`, { cause: e }))));
    });
  }
}

function budgetReport(why: string): ScanReport {
  const finding: Finding = { rule: 'scan-budget', severity: 'high', file: '(package)', evidence: why, message: `scan stopped: the package ${why}, so it cannot be called clean` };
  return { findings: [finding], complete: false, files: 0, bytes: 0 };
}

/**
 * The worker next to this module (helper/dist/scan/worker.js); inside the single-file bundle, the bundle
 * itself, which starts the worker when it sees `workerData.sscsScanWorker` (cli.ts).
 */
function defaultWorker(): { url: URL; data?: unknown } {
  const sibling = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return { url: sibling };
  return { url: new URL(import.meta.url), data: { sscsScanWorker: true } };
}
