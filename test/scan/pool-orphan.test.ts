import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { packTree, tempDir } from './support.js';

// The pool scans in worker processes from helper/dist: `npm run build` first. Linux only (/proc).
const POOL = new URL('../../helper/dist/scan/pool.js', import.meta.url).href;
const FILES = 30;
const LINES = 40_000;
/** CPU time of the worker (clock ticks, 100 a second) past which it is in the analysis, not reading: ~0.5 s reads it all. */
const ANALYSING_TICKS = 200;
/** Long enough for one file of the package on a loaded machine; the whole package takes ten times that and more. */
const GONE_WITHIN_MS = 20_000;

/** A process's parent pid and CPU ticks (utime + stime) from /proc/PID/stat, or undefined once it is gone. */
function stat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    if (fields[0] === 'Z') return undefined;
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => stat(p)?.ppid === pid);
}

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

let work: Awaited<ReturnType<typeof tempDir>>;
let big: string;
beforeAll(async () => {
  work = await tempDir();
  const files: Record<string, string> = {};
  for (let f = 0; f < FILES; f++) {
    const lines: string[] = [];
    for (let n = 0; n < LINES; n++) lines.push(`var a${n}=require("x${n}")["k"+${n}](process.env.A${n});`);
    files[`lib/f${f}.js`] = `${lines.join('\n')}\n`;
  }
  big = await packTree(work.dir, 'big', { main: 'lib/f0.js' }, files);
}, 120_000);
afterAll(() => work.cleanup());

describe('ScanPool: a worker whose pool is killed', () => {
  it.runIf(process.platform === 'linux')('ends itself mid-analysis instead of scanning the package to the end', async () => {
    const script = `const { ScanPool } = await import(${JSON.stringify(POOL)}); await new ScanPool({ concurrency: 1 }).scan(${JSON.stringify(big)});`;
    const parent = execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, stdin: 'ignore' });
    let worker: number | undefined;
    try {
      worker = await until('the scan worker started', 30_000, () => childrenOf(parent.pid!)[0]);
      // Into the synchronous analysis, where neither a timer nor the channel's 'disconnect' is seen.
      await until('the worker analysing', 120_000, () => ((stat(worker!)?.ticks ?? Infinity) >= ANALYSING_TICKS ? true : undefined));
      parent.kill('SIGKILL');
      await parent;
      const gone = await until('the orphaned worker gone', GONE_WITHIN_MS, () => (stat(worker!) === undefined ? true : undefined)).catch((e: Error) => e.message);
      expect(gone).toBe(true);
    } finally {
      parent.kill('SIGKILL');
      if (worker !== undefined && stat(worker)) process.kill(worker, 'SIGKILL');
    }
  }, 240_000);

  it.runIf(process.platform === 'linux')('ends itself past its time budget when the pool is alive but cannot stop it', async () => {
    // The pool's event loop is held (Atomics.wait, asleep) past the budget: its timer cannot fire, nor its SIGKILL.
    const script = `const { ScanPool } = await import(${JSON.stringify(POOL)}); void new ScanPool({ concurrency: 1, budgetMs: 500 }).scan(${JSON.stringify(big)}); setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${GONE_WITHIN_MS + 10_000}), 200);`;
    const parent = execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, stdin: 'ignore' });
    let worker: number | undefined;
    try {
      worker = await until('the scan worker started', 30_000, () => childrenOf(parent.pid!)[0]);
      const gone = await until('the worker past its budget gone', GONE_WITHIN_MS, () => (stat(worker!)?.ppid === parent.pid ? undefined : true)).catch((e: Error) => e.message);
      expect(gone).toBe(true);
      // Gone while its pool still waits: the worker ended itself.
      expect(stat(parent.pid!)).toBeDefined();
    } finally {
      parent.kill('SIGKILL');
      await parent;
      if (worker !== undefined && stat(worker)) process.kill(worker, 'SIGKILL');
    }
  }, 120_000);
});
