import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';

/**
 * A folder under a subject folder that cannot be listed, or one whose path is past PATH_MAX, is the tree's state,
 * not a bug in sscs: one plain line naming the folder, exit 2 (it was "internal error ... This is a bug in sscs").
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) {
    spawnSync('chmod', ['-R', 'u+rwx', d]);
    // rm unlinks with openat: a path past PATH_MAX is no obstacle to it.
    spawnSync('rm', ['-rf', d]);
  }
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sscs-walk-err-'));
  dirs.push(d);
  return d;
}

/** Runs the CLI without the capabilities that let root read any folder, when it is root; as it is otherwise. */
function runUnprivileged(args: string[], cwd: string): { status: number | null; stderr: string } {
  const root = process.getuid?.() === 0;
  const cmd = root ? 'setpriv' : process.execPath;
  const argv = root ? ['--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', process.execPath, CLI, ...args] : [CLI, ...args];
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd }, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}
const hasSetpriv = process.getuid?.() !== 0 || spawnSync('setpriv', ['--help']).status === 0;

describe('walk errors are user errors', () => {
  it.skipIf(!hasSetpriv)('an unreadable folder under a subject folder: exit 2 naming it', () => {
    const dir = temp();
    mkdirSync(join(dir, 'unr/sub'), { recursive: true });
    writeFileSync(join(dir, 'unr/a.txt'), 'a');
    writeFileSync(join(dir, 'unr/sub/f'), 'f');
    chmodSync(join(dir, 'unr/sub'), 0o000);
    for (const cmd of [['digest'], ['provenance', '--local']]) {
      const r = runUnprivileged([...cmd, '--subject', 'unr'], dir);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`sscs: error: cannot read the folder ${join(dir, 'unr/sub')}: permission denied\n`);
      expect(r.stderr).not.toContain('internal error');
    }
  });

  it('a folder past PATH_MAX (3,000 levels): exit 2 naming a shortened path', { timeout: 60_000 }, async () => {
    const dir = temp();
    // Built with relative paths from a child process's working folder: no single path here is past the limit.
    execFileSync(process.execPath, ['-e', "const fs=require('fs');fs.mkdirSync('deep');process.chdir('deep');for(let i=0;i<3000;i++){fs.mkdirSync('d');process.chdir('d');}fs.writeFileSync('f','x');"], { cwd: dir });
    const r = await runCli(['digest', '--subject', 'deep'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^sscs: error: cannot read the folder \/\S{1,100}\.\.\.\S{1,100}: its path is \d+ bytes long, past the system's limit \(PATH_MAX\)$/m);
    expect(r.stderr.length).toBeLessThan(600);
    expect(r.stderr).not.toContain('internal error');
  });
});
