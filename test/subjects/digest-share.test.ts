import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { digestOnWorkerAlone } from '../support/digest-worker.js';
import { DigestHelpers, MIN_FILES_FOR_WORKER, digestFiles, digestPaths, smallFileWorkerWanted } from '../../helper/src/subjects/digest.js';
import { usableCpus } from '../../helper/src/io/cpu-quota.js';
import { digestShared } from '../../helper/src/subjects/digest-share.js';
import { FILE_DONE, FILE_FAILED } from '../../helper/src/subjects/digest-worker.js';

const MiB = 1024 * 1024;

/** `count` small files of distinct bytes, named in byte order, and sha256sum's digests of them. */
async function smallFiles(count: number): Promise<{ dir: string; paths: string[]; ref: string[] }> {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) files[`f${String(i).padStart(6, '0')}`] = Buffer.from(`${i}:`.repeat(1 + (i % 50)));
  const dir = tempDir(files);
  const names = Object.keys(files);
  const ref = (await execa('sha256sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 64));
  return { dir, paths: names.map((n) => join(dir, n)), ref };
}

describe('digests shared between the main thread and a worker', () => {
  it('the worker alone hashes in the order given, small and streamed files, as sha256sum and sha512sum', async () => {
    const sizes = [0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 5, 17];
    const files: Record<string, Buffer> = {};
    for (const [k, n] of sizes.entries()) files[`s${k}`] = Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + (i >> 20) * 7 + k) & 0xff));
    const dir = tempDir(files);
    const names = Object.keys(files);
    const ref256 = (await execa('sha256sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 64));
    const ref512 = (await execa('sha512sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 128));
    const got = await digestOnWorkerAlone(names.map((n) => join(dir, n)), ['sha256', 'sha512'], [5, 3, 0, 1, 2, 4, 6]);
    expect(got.states).toEqual(names.map(() => FILE_DONE));
    expect(got.map((d) => d.sha256)).toEqual(ref256);
    expect(got.map((d) => d.sha512)).toEqual(ref512);
  });

  it('the worker leaves a file it cannot read as failed, with no digest, and goes on', async () => {
    const { paths, ref } = await smallFiles(5);
    const list = [...paths.slice(0, 2), join(paths[0] as string, '..', 'gone'), ...paths.slice(2)];
    const got = await digestOnWorkerAlone(list, ['sha256']);
    expect(got.states).toEqual([FILE_DONE, FILE_DONE, FILE_FAILED, FILE_DONE, FILE_DONE, FILE_DONE]);
    expect(got.map((d) => d.sha256)).toEqual([ref[0], ref[1], undefined, ...ref.slice(2)]);
  });

  it('a worker that has started takes part of the files, and every digest is sha256sum\'s', async () => {
    const { paths, ref } = await smallFiles(3000);
    const helpers = new DigestHelpers().grow(1);
    try {
      await helpers.online();
      const stats = { byWorkers: 0 };
      const got = await digestShared(paths, ['sha256'], helpers, undefined, stats);
      expect(got.map((d) => d.sha256)).toEqual(ref);
      expect(stats.byWorkers).toBeGreaterThan(0);
      expect(stats.byWorkers).toBeLessThan(paths.length);
    } finally {
      helpers.close();
    }
  });

  it('files a worker held when it was stopped are hashed again on the main thread', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 24; i++) files[`b${String(i).padStart(2, '0')}`] = Buffer.alloc(2 * MiB + i, i);
    const dir = tempDir(files);
    const names = Object.keys(files);
    const ref = (await execa('sha256sum', names, { cwd: dir })).stdout.split('\n').map((l) => l.slice(0, 64));
    const helpers = new DigestHelpers().grow(1);
    await helpers.online();
    // Files over 1 MiB are read ahead on the main thread, which awaits between chunks: the worker is stopped then.
    const run = digestShared(names.map((n) => join(dir, n)), ['sha256'], helpers);
    setImmediate(() => helpers.close());
    expect((await run).map((d) => d.sha256)).toEqual(ref);
  });

  it('names the first file in list order that cannot be read, whichever thread met it', async () => {
    const { paths } = await smallFiles(MIN_FILES_FOR_WORKER + 500);
    const list = [...paths];
    const gone = [7, 1200, list.length - 1].map((i) => {
      list[i] = `${list[i]}.gone`;
      return list[i];
    });
    for (let round = 0; round < 3; round++) {
      const err = await digestPaths(list, ['sha256'], { workers: 2 }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'FILE_NOT_FOUND', where: { file: gone[0] } });
    }
  });

  it('names the first file in list order even when a later one fails first (largest-first claims)', async () => {
    const { paths } = await smallFiles(50);
    const list = [...paths];
    list[0] = `${list[0]}.gone`;
    list[49] = `${list[49]}.gone`;
    const reversed = list.map((_, i) => list.length - 1 - i);
    for (const workers of [0, 1]) {
      const helpers = new DigestHelpers().grow(workers);
      try {
        await helpers.online();
        const err = await digestShared(list, ['sha256'], helpers, reversed).then(() => undefined, (e: unknown) => e);
        expect(err).toMatchObject({ code: 'FILE_NOT_FOUND', where: { file: list[0] } });
      } finally {
        helpers.close();
      }
    }
  });

  it('a path no walk can give (a NUL in it) is an error, not a shifted list', async () => {
    const { paths } = await smallFiles(MIN_FILES_FOR_WORKER + 10);
    const list = [...paths];
    list[100] = `${list[100]}\0x`;
    const err = await digestFiles(list.map((path) => ({ path, size: 10 })), ['sha256'], { workers: 2 }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect((err as Error).message).toContain('null bytes');
  });

  it('sscs digest waits for the files a worker still holds when the main thread is done (it used to exit 0 with no output)', async () => {
    const files: Record<string, Buffer | string> = {};
    for (let i = 0; i < MIN_FILES_FOR_WORKER + 100; i++) files[`out/a${String(i).padStart(5, '0')}`] = `${i}`;
    // Large files last: each thread ends on one, and the main thread often finishes first and waits for the worker.
    for (let i = 0; i < 6; i++) files[`out/z${i}`] = Buffer.alloc(8 * MiB + i, i + 1);
    const dir = tempDir(files);
    const lines = Object.keys(files).length;
    const results = [];
    // SSCS_DIGEST_THREADS=2: the worker whatever the machine's load (a busy machine would otherwise start none).
    for (let run = 0; run < 6; run++) results.push(await runCli(['digest', '--subject', 'out'], { cwd: dir, env: { SSCS_DIGEST_THREADS: '2' } }));
    expect(results.map((r) => [r.exitCode, r.stdout.trimEnd().split('\n').length])).toEqual(results.map(() => [0, lines]));
  });

  it('refuses a walked file swapped for a symlink, a FIFO or a device before hashing it, on either thread', async () => {
    const { dir, paths } = await smallFiles(MIN_FILES_FOR_WORKER + 10);
    const list = [...paths];
    const outside = tempDir({ secret: 'not a subject' });
    symlinkSync(join(outside, 'secret'), join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const [swap, message] of [
      [join(dir, 'link'), /now a symbolic link/],
      [join(dir, 'fifo'), /no longer a regular file/],
      ['/dev/zero', /no longer a regular file/],
    ] as const) {
      list[3000] = swap;
      for (const workers of [1, 2]) {
        const err = await digestPaths(list, ['sha256'], { workers }).then(() => undefined, (e: unknown) => e);
        expect(err).toMatchObject({ code: 'NOT_A_FILE', where: { file: swap } });
        expect((err as Error).message).toMatch(message);
      }
    }
  });

  it('starts a small-file worker only on an idle core, unless SSCS_DIGEST_THREADS decides; a bad value is exit 2', async () => {
    expect(smallFileWorkerWanted({}, 0.4, 2)).toBe(usableCpus() > 1);
    expect(smallFileWorkerWanted({}, 1.6, 2)).toBe(false);
    expect(smallFileWorkerWanted({}, 7.2, 8)).toBe(usableCpus() > 1);
    expect(smallFileWorkerWanted({ SSCS_DIGEST_THREADS: '2' }, 30, 2)).toBe(true);
    expect(smallFileWorkerWanted({ SSCS_DIGEST_THREADS: '1' }, 0, 2)).toBe(false);
    const dir = tempDir({ 'out/a': 'x' });
    for (const bad of ['0', '-1', '2.5', 'two', '65', '1e3']) {
      const r = await runCli(['digest', '--subject', 'out'], { cwd: dir, env: { SSCS_DIGEST_THREADS: bad } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('SSCS_DIGEST_THREADS must be a whole number from 1 to 64');
      expect(r.stdout).toBe('');
    }
  });

  it('sscs digest over more files than one worker needs prints exactly what sha256sum prints', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < MIN_FILES_FOR_WORKER * 2; i++) files[`out/${i % 13}/f${i}`] = `${i}`.repeat(i % 300);
    const dir = tempDir(files);
    const r = await runCli(['digest', '--subject', 'out'], { cwd: dir, env: { SSCS_DIGEST_THREADS: '2' } });
    expect(r.exitCode).toBe(0);
    const names = r.stdout.trimEnd().split('\n').map((l) => l.slice(66));
    expect(names).toHaveLength(MIN_FILES_FOR_WORKER * 2);
    const ref = await execa('sha256sum', names, { cwd: dir });
    expect(r.stdout).toBe(`${ref.stdout}\n`);
  });
});
