import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { withBudget } from './budget.js';
import { analyseProgram, type Signal } from './js/analyse.js';
import { parseProgram } from './js/parse.js';

/**
 * Stack of the one-off worker that re-reads a file too deeply nested for the calling thread (MiB). meriyah
 * needs about 2.5 times V8's stack per level of nesting, so Node's default ~1 MiB stack, which runs 1,020 nested
 * arrow functions or 2,146 nested parentheses, lets meriyah read only 524 and 830 of them. 64 MiB reads at least
 * 40,000 levels of each of 24 nesting shapes measured (the README lists them), where Node with its default stack
 * runs 1,020 to 12,448; the stack is reserved, and only the part a file reaches is ever touched.
 */
export const DEEP_STACK_MB = 64;
/** Heap of that worker (as a scan worker's, pool.ts). */
const DEEP_HEAP_MB = 1024;
/** Wall-clock time the worker may take for one file; past it the file is not analysed. */
export const DEEP_TIMEOUT_MS = 60_000;
/**
 * Files of one package re-read in a worker. No file of the benign corpus needs one (1,027 packages); past this
 * many a package is hostile, and its further deep files are not analysed (never a worker each).
 */
export const MAX_DEEP_FILES = 8;

/**
 * What the analysis made of one file: its signals (`overBudget`: the work units spent when the analysis ran out of
 * its work budget, budget.ts, and stopped folding), or why there are none: `overflow`, nested past the stack of
 * the thread that read it (past DEEP_STACK_MB when it comes from analyseCode); `deep-budget`, past this thread's
 * stack with the package's MAX_DEEP_FILES re-reads used; `deep-worker`, the re-read timed out or its worker died;
 * `parse` or `analysis`, the parser or the analysis failed otherwise.
 */
export type CodeOutcome = { signals: Signal[]; overBudget?: number } | { error: string; reason: 'overflow' | 'deep-budget' | 'deep-worker' | 'parse' | 'analysis' };

/** V8's RangeError when a recursion outgrows the thread's stack. */
const STACK_OVERFLOW = /Maximum call stack size exceeded/;

/** Parses and analyses a file in this thread; never throws. */
export function analyseSource(text: string): CodeOutcome {
  const parsed = parseProgram(text);
  if ('error' in parsed) return { error: parsed.error, reason: STACK_OVERFLOW.test(parsed.error) ? 'overflow' : 'parse' };
  try {
    const run = withBudget(text.length, () => analyseProgram(parsed.program, text));
    return { signals: run.value.signals, ...(run.exhausted ? { overBudget: run.spent } : {}) };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    return { error: message, reason: e instanceof RangeError && STACK_OVERFLOW.test(message) ? 'overflow' : 'analysis' };
  }
}

/** Counts the worker re-reads of one package (see MAX_DEEP_FILES). */
export class DeepBudget {
  used = 0;
}

/**
 * Analyses a file; when it is nested deeper than this thread's stack allows (an overflow in the parser or the
 * analysis), reads it again in a one-off worker with a DEEP_STACK_MB stack, waiting for it synchronously (the
 * rules are synchronous). Deeper still, out of the package's re-reads, or past DEEP_TIMEOUT_MS, the outcome is
 * an error saying which: the caller reports the file as not analysed.
 */
export function analyseCode(text: string, budget: DeepBudget): CodeOutcome {
  const here = analyseSource(text);
  if (!('error' in here) || here.reason !== 'overflow') return here;
  if (budget.used >= MAX_DEEP_FILES) return { error: `${here.error}; ${MAX_DEEP_FILES} deeply nested files of this package were already re-read, no more are`, reason: 'deep-budget' };
  budget.used++;
  return analyseInWorker(text);
}

/** What the worker answers (deep-worker.ts). */
export type DeepResponse = CodeOutcome;

function analyseInWorker(text: string): CodeOutcome {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const { url, data } = deepWorker();
  let worker: Worker;
  try {
    worker = new Worker(url, {
      workerData: { ...data, text, done, port: port2 },
      transferList: [port2],
      resourceLimits: { stackSizeMb: DEEP_STACK_MB, maxOldGenerationSizeMb: DEEP_HEAP_MB },
      stdout: true,
      stderr: true,
    });
  } catch (e) {
    port1.close();
    return { error: `the deep-nesting worker did not start: ${(e as Error).message}`, reason: 'deep-worker' };
  }
  // Events arrive after this function returns (the thread is blocked until then); an error event without a
  // listener would end the process.
  worker.on('error', () => undefined);
  worker.unref();
  try {
    // Atomics.wait blocks this thread: the worker runs on its own and wakes it when it has posted its answer.
    const woke = Atomics.wait(done, 0, 0, DEEP_TIMEOUT_MS);
    const answer = receiveMessageOnPort(port1)?.message as DeepResponse | undefined;
    if (answer) return answer;
    return { error: woke === 'timed-out' ? `reading it took longer than ${DEEP_TIMEOUT_MS} ms` : 'the deep-nesting worker stopped without an answer', reason: 'deep-worker' };
  } finally {
    port1.close();
    void worker.terminate().catch(() => undefined);
  }
}

/**
 * The worker next to this module (helper/dist/scan/deep-worker.js); under the TypeScript sources (vitest) the
 * compiled one, which `npm test` builds first; inside the single-file bundle, the bundle itself, which starts the
 * worker when it sees `workerData.sscsDeepWorker` (cli.ts).
 */
function deepWorker(): { url: URL; data: Record<string, unknown> } {
  const sibling = new URL('./deep-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return { url: sibling, data: {} };
  const compiled = new URL('../../dist/scan/deep-worker.js', import.meta.url);
  if (import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(compiled))) return { url: compiled, data: {} };
  return { url: new URL(import.meta.url), data: { sscsDeepWorker: true } };
}
