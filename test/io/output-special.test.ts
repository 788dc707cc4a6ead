import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../helper/src/io/files.js';
import { checkOutputPaths } from '../../helper/src/io/output-path.js';

// `-o /dev/null` once made the temp-then-rename write replace the device node itself, and `--junit /dev/stdout`
// (as root) replaced the system's /dev/stdout symlink with a regular file; a FIFO made a report hang. An output
// path that exists must be a regular file (lstat: the path itself): symlinks, FIFOs and devices are refused and
// left as they are. Stand-ins here: a symlink to a temp file, a dangling symlink, a FIFO, a folder.
const dir = mkdtempSync(join(tmpdir(), 'sscs-special-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function specials(name: string): Record<string, string> {
  const at = join(dir, name);
  mkdirSync(at);
  writeFileSync(join(at, 'target'), 'keep\n');
  symlinkSync('target', join(at, 'link'));
  symlinkSync('nowhere', join(at, 'dangling'));
  execFileSync('mkfifo', [join(at, 'fifo')]);
  return { link: join(at, 'link'), dangling: join(at, 'dangling'), fifo: join(at, 'fifo') };
}

function unchanged(paths: Record<string, string>): void {
  expect(readlinkSync(paths.link!)).toBe('target');
  expect(readFileSync(join(paths.link!, '..', 'target'), 'utf8')).toBe('keep\n');
  expect(readlinkSync(paths.dangling!)).toBe('nowhere');
  expect(lstatSync(paths.fifo!).isFIFO()).toBe(true);
}

describe('atomic output writes to a path that is not a regular file', () => {
  it('refuses a symlink, a dangling symlink and a FIFO (async), leaving each as it was', { timeout: 10_000 }, async () => {
    const paths = specials('async');
    await expect(writeFileAtomic(paths.link!, 'x')).rejects.toMatchObject({ code: 'NOT_A_FILE', message: expect.stringContaining('is a symlink, not a regular file') });
    await expect(writeFileAtomic(paths.dangling!, 'x')).rejects.toMatchObject({ code: 'NOT_A_FILE', message: expect.stringContaining('is a symlink') });
    await expect(writeFileAtomic(paths.fifo!, 'x')).rejects.toMatchObject({ code: 'NOT_A_FILE', message: expect.stringContaining('is a FIFO') });
    unchanged(paths);
  });

  it('refuses a symlink, a dangling symlink and a FIFO (sync), leaving each as it was', { timeout: 10_000 }, () => {
    const paths = specials('sync');
    expect(() => writeFileAtomicSync(paths.link!, 'x')).toThrow(/is a symlink, not a regular file/);
    expect(() => writeFileAtomicSync(paths.dangling!, 'x')).toThrow(/is a symlink/);
    expect(() => writeFileAtomicSync(paths.fifo!, 'x')).toThrow(/is a FIFO/);
    unchanged(paths);
  });

  it('refuses a folder, naming it', async () => {
    await expect(writeFileAtomic(dir, 'x')).rejects.toMatchObject({ message: expect.stringContaining('folder') });
    expect(() => writeFileAtomicSync(dir, 'x')).toThrow(/folder/);
    expect(lstatSync(dir).isDirectory()).toBe(true);
  });

  it('still replaces a regular file atomically, and writes a new one under a symlinked folder', async () => {
    const path = join(dir, 'plain.txt');
    await writeFileAtomic(path, 'one');
    writeFileAtomicSync(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    mkdirSync(join(dir, 'real'));
    symlinkSync('real', join(dir, 'via'));
    await writeFileAtomic(join(dir, 'via', 'new.txt'), 'three');
    expect(readFileSync(join(dir, 'real', 'new.txt'), 'utf8')).toBe('three');
  });
});

describe('checkOutputPaths (firewall run, before the install) refuses what is not a regular file', () => {
  it('names the option and the path for a symlink, a dangling symlink, a FIFO and a folder', async () => {
    const paths = specials('check');
    const cwd = join(paths.link!, '..');
    mkdirSync(join(cwd, 'folder'));
    const cases: [string, RegExp][] = [
      ['link', /^--junit link: cannot write the report there: link is a symlink, not a regular file/],
      ['dangling', /^--junit dangling: cannot write the report there: dangling is a symlink, not a regular file/],
      ['fifo', /^--junit fifo: cannot write the report there: fifo is a FIFO, not a regular file$/],
      ['folder', /^--junit folder: cannot write the report there: folder is a folder, not a file$/],
    ];
    for (const [path, message] of cases) {
      await expect(checkOutputPaths(cwd, [{ flag: '--junit', path }])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    }
    await expect(checkOutputPaths(cwd, [{ flag: '--junit', path: 'target' }, { flag: '--output', path: 'new/r.json' }])).resolves.toBeUndefined();
    unchanged(paths);
  });
});
