import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/** Subject collection refuses what it cannot record faithfully, and never hangs on a file that is not one. */
const EVIL = `z\n${'a'.repeat(64)}  evil.tgz`;
// A FIFO that nobody writes to: opening it for reading blocks for ever. A hang fails the test by timeout.
const FAST = { timeoutMs: 20_000 };

function fifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

function canMknod(): boolean {
  const dir = tempDir();
  try {
    execFileSync('mknod', [join(dir, 'probe'), 'c', '1', '3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('subject names', () => {
  it.each([['dist'], ['dist/*'], ['dist/**'], ['dist/**/*']])('refuses a name with a newline, whatever the pattern: %s', async (pattern) => {
    const dir = tempDir({ 'dist/ok.tgz': 'ok', [`dist/${EVIL}`]: '' });
    for (const args of [['digest'], ['provenance', '--local', '-o', 'p.jsonl']]) {
      const r = await runCli([...args, '--subject', pattern], { cwd: dir, ...FAST });
      expect(r.exitCode, `${args[0]} ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`subject name "dist/z\\n${'a'.repeat(64)}  evil.tgz" holds a control character (U+000A)`);
      expect(r.stdout).not.toContain('evil.tgz');
    }
  });

  it('refuses other control characters (tab, escape, DEL) and keeps ordinary odd names', async () => {
    for (const bad of ['a\tb', 'a\u001b[31mred', 'a\u007f']) {
      const dir = tempDir({ [`dist/${bad}`]: '' });
      const r = await runCli(['digest', '--subject', 'dist'], { cwd: dir, ...FAST });
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toContain('holds a control character');
    }
    const dir = tempDir({ 'dist/sp ace.tgz': '1', 'dist/back\\slash': '2', 'dist/ünï.txt': '3' });
    const r = await runCli(['digest', '--subject', 'dist/**'], { cwd: dir, ...FAST });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.replace(/^\\?[0-9a-f]{64} {2}/, ''))).toEqual(['dist/back\\\\slash', 'dist/sp ace.tgz', 'dist/ünï.txt']);
  });

  it('refuses a name that is not UTF-8 instead of collapsing two names into one', async () => {
    const dir = tempDir({ 'dist/ok': 'ok' });
    // Two names that differ only in a byte that is not UTF-8: decoded loosely they would both read 'a\uFFFD'.
    writeFileSync(Buffer.from([...Buffer.from(join(dir, 'dist/a')), 0xff]), '1');
    writeFileSync(Buffer.from([...Buffer.from(join(dir, 'dist/a')), 0xfe]), '2');
    for (const pattern of ['dist', 'dist/*', 'dist/**']) {
      const r = await runCli(['digest', '--subject', pattern], { cwd: dir, ...FAST });
      expect(r.exitCode, pattern).toBe(2);
      expect(r.stderr).toMatch(/file name ".*\/dist\/a\\x(fe|ff)" is not valid UTF-8/);
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('keeps a name that truly holds U+FFFD (valid UTF-8)', async () => {
    const dir = tempDir({ 'dist/a\uFFFD.txt': 'x' });
    const r = await runCli(['digest', '--subject', 'dist'], { cwd: dir, ...FAST });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('dist/a\uFFFD.txt');
  });
});

describe('only regular files are subjects', () => {
  function project(): string {
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    fifo(join(dir, 'dist/pipe'));
    mkdirSync(join(dir, 'links'));
    symlinkSync('../dist/pipe', join(dir, 'links/pipe-link'));
    return dir;
  }

  it.each([
    [['--subject', 'dist/pipe'], 'dist/pipe'],
    [['--subject', 'dist'], 'dist/pipe'],
    [['--subject', 'dist/*'], 'dist/pipe'],
    [['--subject', 'links/pipe-link'], 'links/pipe-link'],
    [['--subject', 'links'], 'links/pipe-link'],
    [['--subject-checksums', 'dist/pipe'], 'dist/pipe'],
    [['--subject-checksums', 'links/pipe-link'], 'links/pipe-link'],
    [['--subject-tar', 'dist/pipe'], 'dist/pipe'],
  ])('a FIFO is exit 2 naming it, never a hang: %j', async (args, named) => {
    const dir = project();
    const r = await runCli(['digest', ...args], { cwd: dir, ...FAST });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(named);
    expect(r.stderr).toContain('is a FIFO, not a regular file');
  });

  it('reports the first refused file in name order, whether its name or its kind is the fault', async () => {
    // One scan of all names decides whether they are checked one by one; the order of the errors stays.
    for (const [pipe, bad, first] of [['dist/a-pipe', 'dist/b\tname', 'dist/a-pipe'], ['dist/b-pipe', 'dist/a\tname', 'control character']]) {
      const dir = tempDir({ 'dist/app.tgz': 'app', [bad as string]: '' });
      fifo(join(dir, pipe as string));
      const r = await runCli(['digest', '--subject', 'dist'], { cwd: dir, ...FAST });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.split('\n')[0]).toContain(first);
    }
  });

  it('a pattern that does not match the FIFO is not disturbed by it', async () => {
    const dir = project();
    const r = await runCli(['digest', '--subject', 'dist/*.tgz'], { cwd: dir, ...FAST });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/ {2}dist\/app\.tgz\n$/);
  });

  it.skipIf(!canMknod())('a character device is exit 2 naming it', async () => {
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    execFileSync('mknod', [join(dir, 'dist/null'), 'c', '1', '3']);
    for (const args of [['--subject', 'dist'], ['--subject', 'dist/null'], ['--subject-tar', 'dist/null']]) {
      const r = await runCli(['digest', ...args], { cwd: dir, ...FAST });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('dist/null');
      expect(r.stderr).toContain('is a character device, not a regular file');
    }
  });
});
