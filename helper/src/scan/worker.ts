import { parentPort } from 'node:worker_threads';
import { PassThrough } from 'node:stream';
import { scanTarball } from './index.js';
import { scanPythonDistribution, type PythonFormat } from './python/index.js';
import { isSscsError } from '../errors.js';
import type { ScanLimits } from './types.js';

/**
 * A scan worker (see pool.ts): receives a tarball as chunks and answers with the report. One package at a time;
 * the pool ends the whole thread when a package overruns its time or memory budget.
 */
export type WorkerRequest =
  | { type: 'start'; limits: Partial<ScanLimits> }
  | { type: 'file'; path: string; format: PythonFormat; limits: Partial<ScanLimits> }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' };
export type WorkerResponse =
  | { type: 'report'; report: import('./types.js').ScanReport }
  | { type: 'error'; code: string; message: string; input: boolean };

/**
 * Compressed bytes gathered before they are handed on: each write is one round trip to zlib's thread, and a
 * tarball arrives in the sender's chunks (64 KiB from a file, often less from a socket). The whole tarball sits
 * in the input stream before the scan ends either way, so batching adds no memory.
 */
const INPUT_BATCH_BYTES = 1024 * 1024;

let input: PassThrough | undefined;
let batch: Buffer[] = [];
let batched = 0;

function flush(): void {
  if (batch.length === 0) return;
  input?.write(batch.length === 1 ? batch[0] : Buffer.concat(batch, batched));
  batch = [];
  batched = 0;
}

function answer(scan: Promise<import('./types.js').ScanReport>): void {
  scan.then(
    (report) => parentPort!.postMessage({ type: 'report', report } satisfies WorkerResponse),
    (e: unknown) => parentPort!.postMessage({ type: 'error', code: isSscsError(e) ? e.code : 'INTERNAL', message: (e as Error).message, input: isSscsError(e) } satisfies WorkerResponse),
  );
}

parentPort?.on('message', (m: WorkerRequest) => {
  if (m.type === 'start') {
    const stream = new PassThrough();
    input = stream;
    batch = [];
    batched = 0;
    answer(scanTarball(stream, m.limits));
  } else if (m.type === 'file') {
    // A wheel or sdist is read from its file: a zip's central directory sits at its end.
    answer(scanPythonDistribution(m.path, m.format, m.limits));
  } else if (m.type === 'chunk') {
    batch.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    batched += m.data.byteLength;
    if (batched >= INPUT_BATCH_BYTES) flush();
  } else {
    flush();
    input?.end();
    input = undefined;
  }
});
