import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../helper/src/io/files.js';

// `-o /dev/null` once made the temp-then-rename write replace the device node itself (the machine's /dev/null
// became a regular file, as root). A FIFO stands in for the device here: written in place, it stays a FIFO.
const dir = mkdtempSync(join(tmpdir(), 'sscs-special-'));
const readers: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const r of readers) r.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Makes a FIFO and a `cat` reading it into a file; resolves with what cat read once the writer closes. */
function fifoWithReader(name: string): { path: string; read: Promise<string> } {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  const out = join(dir, `${name}.out`);
  const cat = spawn('sh', ['-c', 'exec cat "$1" > "$2"', 'sh', path, out], { stdio: 'ignore' });
  readers.push(cat);
  const read = new Promise<string>((resolve, reject) => {
    cat.on('error', reject);
    cat.on('exit', () => resolve(readFileSync(out, 'utf8')));
    // Without the fix the FIFO is renamed over and the reader waits for ever: fail, don't hang.
    setTimeout(() => reject(new Error(`nothing was written into the FIFO ${name}`)), 5_000).unref();
  });
  return { path, read };
}

describe('atomic output writes to a path that is not a regular file', () => {
  it('writes a FIFO in place (async) and leaves it a FIFO', { timeout: 10_000 }, async () => {
    const { path, read } = fifoWithReader('async.fifo');
    await writeFileAtomic(path, 'hello\n');
    expect(await read).toBe('hello\n');
    expect(lstatSync(path).isFIFO()).toBe(true);
  });

  it('writes a FIFO in place (sync) and leaves it a FIFO', { timeout: 10_000 }, async () => {
    const { path, read } = fifoWithReader('sync.fifo');
    writeFileAtomicSync(path, 'world\n');
    expect(await read).toBe('world\n');
    expect(lstatSync(path).isFIFO()).toBe(true);
  });

  it('refuses a folder, naming it', async () => {
    await expect(writeFileAtomic(dir, 'x')).rejects.toMatchObject({ message: expect.stringContaining('folder') });
    expect(() => writeFileAtomicSync(dir, 'x')).toThrow(/folder/);
    expect(lstatSync(dir).isDirectory()).toBe(true);
  });

  it('still replaces a regular file atomically', async () => {
    const path = join(dir, 'plain.txt');
    await writeFileAtomic(path, 'one');
    writeFileAtomicSync(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
  });
});
