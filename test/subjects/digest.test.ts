import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { MIN_BYTES_FOR_WORKERS, digestFiles, type DigestSet } from '../../helper/src/subjects/digest.js';
import { digestOnWorkerAlone } from '../support/digest-worker.js';
import { join } from 'node:path';
import { symlinkSync } from 'node:fs';

describe('digests', () => {
  it('sscs digest prints exactly what sha256sum prints, in name order', async () => {
    const files: Record<string, string | Buffer> = {};
    for (let i = 0; i < 150; i++) files[`out/${i % 7}/f${i}.bin`] = Buffer.alloc(i * 37, i);
    files['out/big.bin'] = Buffer.alloc(3 * 1024 * 1024 + 5, 1);
    const dir = tempDir(files);
    const r = await runCli(['digest', '--subject', 'out'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const names = r.stdout.trimEnd().split('\n').map((l) => l.slice(66));
    expect(names).toEqual([...names].sort());
    const ref = await execa('sha256sum', names, { cwd: dir });
    expect(r.stdout).toBe(`${ref.stdout}\n`);
  });

  it('gives the same digests on worker threads as on the main thread', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 200; i++) files[`f${i}`] = Buffer.alloc(1000 + i, i);
    const dir = tempDir(files);
    // The sizes claim enough bytes in all that the pool is used; the hashing reads the files as they are.
    const jobs = Object.keys(files).map((n) => ({ path: join(dir, n), size: MIN_BYTES_FOR_WORKERS / 100 }));
    const main = await digestFiles(jobs, ['sha256', 'sha512'], { workers: 1 });
    const pooled = await digestFiles(jobs, ['sha256', 'sha512'], { workers: 2 });
    expect(pooled).toEqual(main);
    expect(new Set(main.map((d) => d.sha256)).size).toBe(200);
  });

  it('hashes files around the 1 MiB read buffer (whole in one call, or streamed) as sha256sum and sha512sum do', async () => {
    const MiB = 1024 * 1024;
    // Small files between large ones: the read-ahead of a large file must leave nothing behind for the next.
    const sizes = [0, 1, MiB - 1, MiB, 5, MiB + 1, 2 * MiB, 7, 2 * MiB + 7, 5 * MiB + 3, 0];
    const files: Record<string, Buffer> = {};
    // Bytes that differ along the file (no two 1 MiB chunks alike), so that a chunk read twice or skipped changes the digest.
    for (const [k, n] of sizes.entries()) files[`s${k}-${n}`] = Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + (i >> 12) + (i >> 20) * 101 + k) & 0xff));
    const dir = tempDir(files);
    const names = Object.keys(files);
    const ref256 = (await execa('sha256sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 64));
    const ref512 = (await execa('sha512sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 128));
    // Sizes left out (as a walk leaves them) and given: the main thread and the workers read the same bytes.
    const unsized = names.map((n) => ({ path: join(dir, n) }));
    const sized = names.map((n) => ({ path: join(dir, n), size: MIN_BYTES_FOR_WORKERS }));
    // The worker's own code, driven directly: with the main thread sharing the work, a run of digestFiles may
    // finish before a worker has started.
    const fromWorker = await digestOnWorkerAlone(names.map((n) => join(dir, n)), ['sha256', 'sha512']);
    for (const got of [await digestFiles(unsized, ['sha256', 'sha512'], { workers: 1 }), await digestFiles(sized, ['sha256', 'sha512'], { workers: 2 }), fromWorker]) {
      expect(got.map((d) => d.sha256)).toEqual(ref256);
      expect(got.map((d) => d.sha512)).toEqual(ref512);
    }
  });

  it('hashes files as they are when the sizes given are stale (a file that changed size after the walk)', async () => {
    const MiB = 1024 * 1024;
    const files = { grew: Buffer.alloc(3 * MiB + 1, 3), shrank: Buffer.alloc(10, 4), emptied: Buffer.alloc(0) };
    const dir = tempDir(files);
    const names = Object.keys(files);
    const ref = (await execa('sha256sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 64));
    const stale = [{ path: join(dir, 'grew'), size: 10 }, { path: join(dir, 'shrank'), size: 3 * MiB }, { path: join(dir, 'emptied'), size: MiB }];
    expect((await digestFiles(stale, ['sha256'], { workers: 1 })).map((d) => d.sha256)).toEqual(ref);
  });

  it('sscs digest matches sha256sum on large files, symlinks, empty files and unusual names', async () => {
    const MiB = 1024 * 1024;
    const files: Record<string, string | Buffer> = {
      'out/big one.bin': Buffer.from(Array.from({ length: 4 * MiB + 9 }, (_, i) => (i * 7 + (i >> 16)) & 0xff)),
      'out/empty': '',
      'out/-dash': 'x',
      'out/caf\u00e9 \u6f22\u5b57.txt': 'unicode',
      'out/back\\slash': Buffer.alloc(MiB + 1, 9),
      'out/sub/deep/f.bin': Buffer.alloc(2 * MiB, 1),
    };
    const dir = tempDir(files);
    symlinkSync('big one.bin', join(dir, 'out/link-to-big'));
    const r = await runCli(['digest', '--subject', 'out'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const names = ['out/-dash', 'out/back\\slash', 'out/big one.bin', 'out/caf\u00e9 \u6f22\u5b57.txt', 'out/empty', 'out/link-to-big', 'out/sub/deep/f.bin'];
    const ref = await execa('sha256sum', ['--', ...names], { cwd: dir });
    expect(r.stdout).toBe(`${ref.stdout}\n`);
  });

  it('digests more unsized files than it sizes one by one (an estimate from a sample) exactly as sha256sum', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 1100; i++) files[`f${String(i).padStart(5, '0')}`] = Buffer.alloc(i % 300, i);
    const dir = tempDir(files);
    const names = Object.keys(files);
    const got = await digestFiles(names.map((n) => ({ path: join(dir, n) })), ['sha256']);
    const ref = (await execa('sha256sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 64));
    expect(got.map((d) => d.sha256)).toEqual(ref);
  });

  it('names a file that went away between the walk and the hashing, on the main thread or a worker', async () => {
    const dir = tempDir({ a: 'x' });
    await expect(digestFiles([{ path: join(dir, 'gone') }], ['sha256'])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const many: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) many[`f${i}`] = String(i);
    const big = tempDir(many);
    // Sizes that claim enough bytes for the workers to share the batches with the main thread.
    const jobs = Object.keys(many).map((n) => ({ path: join(big, n), size: MIN_BYTES_FOR_WORKERS / 1000 }));
    // Gone files early, in the middle and last: whichever thread takes them, the error names the first in order.
    const gone = [3, 1000, 1999].map((i) => join(big, `gone${i}`));
    for (const [k, i] of [3, 1000, 1999].entries()) (jobs[i] as { path: string }).path = gone[k] as string;
    const err = await digestFiles(jobs, ['sha256'], { workers: 2 }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect((err as { where?: { file?: string } }).where?.file).toBe(gone[0]);
  });
});
