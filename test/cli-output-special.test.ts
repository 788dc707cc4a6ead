import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';

/**
 * Found by a new user's attack: `--junit /dev/stdout` as root replaced the system's /dev/stdout symlink with a
 * regular file (reports are written to a temp file renamed over the path), a FIFO hung the command after its work,
 * and a dangling symlink was replaced. Every flag that writes a file refuses, before the command runs (exit 2,
 * naming the option and the path), a path that exists and is not a regular file, and leaves it as it was.
 * Stand-ins for /dev/stdout: a symlink to a temp file, a dangling symlink, a FIFO (never the real /dev/stdout).
 */
const LOCK = JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { name: 'app' } } });

function project(): string {
  const dir = tempDir({ 'package-lock.json': LOCK, 'dist/app.tgz': 'app', target: 'keep\n', 'policy.yml': 'version: 1\nrules: []\n', 'package.json': '{"name":"x","version":"1.0.0"}' });
  symlinkSync('target', join(dir, 'link'));
  symlinkSync('nowhere', join(dir, 'dangling'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  mkdirSync(join(dir, 'folder'));
  return dir;
}

function unchanged(dir: string): void {
  expect(readlinkSync(join(dir, 'link'))).toBe('target');
  expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep\n');
  expect(readlinkSync(join(dir, 'dangling'))).toBe('nowhere');
  expect(lstatSync(join(dir, 'fifo')).isFIFO()).toBe(true);
}

const KINDS: [string, string][] = [
  ['link', 'link is a symlink, not a regular file'],
  ['dangling', 'dangling is a symlink, not a regular file'],
  ['fifo', 'fifo is a FIFO, not a regular file'],
];

const COMMANDS: [string[], string][] = [
  [['provenance', '--local', '--subject', 'dist/app.tgz', '-o', 'PATH'], '--output'],
  [['policy', 'check', 'package-lock.json', '--offline', '--junit', 'PATH'], '--junit'],
  [['policy', 'check', 'package-lock.json', '--offline', '--output', 'PATH'], '--output'],
  [['policy', 'check', 'package-lock.json', '--offline', '--gitlab-report', 'PATH'], '--gitlab-report'],
  [['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9', '--junit', 'PATH', '--', 'touch', 'ran'], '--junit'],
  [['sign', 'package-lock.json', '--bundle', 'PATH'], '--bundle'],
];

describe('an output path that is not a regular file', () => {
  for (const [args, flag] of COMMANDS) {
    it(`${args.slice(0, 2).join(' ')} ${flag}: refused (exit 2) before anything runs, left as it was`, { timeout: 60_000 }, async () => {
      const dir = project();
      for (const [path, what] of KINDS) {
        const r = await runCli(args.map((a) => (a === 'PATH' ? path : a)), { cwd: dir, env: { HOME: dir }, timeoutMs: 20_000 });
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).toContain(`sscs: error: ${flag} ${path}: cannot write there: ${what}`);
        expect(r.stderr).not.toContain('internal error');
      }
      unchanged(dir);
      expect(existsSync(join(dir, 'ran'))).toBe(false);
    });
  }

  it('provenance -o FOLDER and -o \'\' are exit 2; -o - still prints', async () => {
    const dir = project();
    const folder = await runCli(['provenance', '--local', '--subject', 'dist/app.tgz', '-o', 'folder'], { cwd: dir });
    expect(folder.exitCode).toBe(2);
    expect(folder.stderr).toContain('the output path is a folder, not a file');
    const empty = await runCli(['provenance', '--local', '--subject', 'dist/app.tgz', '-o', ''], { cwd: dir });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('sscs: error: --output is empty');
    const dash = await runCli(['provenance', '--local', '--subject', 'dist/app.tgz', '-o', '-'], { cwd: dir });
    expect(dash.exitCode, dash.stderr).toBe(0);
    expect(dash.stdout).toContain('"name":"dist/app.tgz"');
  });
});

describe("an empty --subject (an unset variable) does not digest the working folder", () => {
  it.each([[['digest']], [['provenance', '--local']]])('%j --subject \'\' is exit 2', async (cmd) => {
    const dir = tempDir({ 'a.txt': 'a' });
    for (const extra of [[], ['--subject', 'a.txt']]) {
      const r = await runCli([...cmd, ...extra, '--subject', ''], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('sscs: error: --subject is empty');
      expect(r.stdout).not.toContain('a.txt');
    }
  });
});
