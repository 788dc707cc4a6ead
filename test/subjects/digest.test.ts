import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { MIN_BYTES_FOR_WORKERS, digestFiles } from '../../helper/src/subjects/digest.js';
import { join } from 'node:path';

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
});
