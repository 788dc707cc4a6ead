import { PassThrough } from 'node:stream';
import { scanTarball } from './index.js';
import { scanPythonDistribution, type PythonFormat } from './python/index.js';
import { isSscsError, type Where } from '../errors.js';
import type { ScanLimits, ScanReport } from './types.js';
import { SCAN_WORKER_MARKER } from './pool.js';

/**
 * A scan worker process (see pool.ts): receives a package over its IPC channel (a tarball's path, which it reads
 * itself; its bytes in batches; or a Python distribution's path) and answers with the report. One package at a
 * time; the pool kills the process when a package overruns its time budget, and V8 ends it past its heap.
 */
export type WorkerRequest =
  | { type: 'path'; path: string; limits: Partial<ScanLimits> }
  | { type: 'start'; limits: Partial<ScanLimits> }
  | { type: 'file'; path: string; format: PythonFormat; limits: Partial<ScanLimits> }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' };
export type WorkerResponse =
  | { type: 'report'; report: ScanReport }
  | { type: 'error'; code: string; message: string; input: boolean; where?: Where; hint?: string };

let input: PassThrough | undefined;

function reply(m: WorkerResponse): void {
  process.send!(m);
}

function answer(scan: Promise<ScanReport>): void {
  scan.then(
    (report) => reply({ type: 'report', report }),
    (e: unknown) => reply(isSscsError(e) ? { type: 'error', code: e.code, message: e.message, input: true, ...(e.where ? { where: e.where } : {}), ...(e.hint ? { hint: e.hint } : {}) } : { type: 'error', code: 'INTERNAL', message: (e as Error).message, input: false }),
  );
}

function onRequest(m: WorkerRequest): void {
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
  process.once('disconnect', () => process.exit(0));
}
