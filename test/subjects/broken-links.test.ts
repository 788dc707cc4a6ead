import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * A symlink whose target does not exist, given as a subject or found under one, is exit 2 saying it is a symbolic
 * link and where it points. It said `no such file or folder` (found in a walk) or `matched no files` (given by
 * name), which sent people looking for a file they could see in `ls`.
 */
function project(): string {
  const dir = tempDir({ 'dist/app.tgz': 'app' });
  symlinkSync('app-1.0.tgz', join(dir, 'dist/latest.tgz'));
  mkdirSync(join(dir, 'links'));
  symlinkSync('../gone', join(dir, 'links/folder'));
  mkdirSync(join(dir, 'loops'));
  symlinkSync('loop-b', join(dir, 'loops/loop-a'));
  symlinkSync('loop-a', join(dir, 'loops/loop-b'));
  return dir;
}

describe('symlinks that lead nowhere', () => {
  it.each([['dist'], ['dist/*'], ['dist/**'], ['dist/latest.tgz'], ['dist/*.tgz']])('a dangling symlink: --subject %s is exit 2 saying so', async (pattern) => {
    const dir = project();
    for (const args of [['digest'], ['provenance', '--local', '-o', 'p.jsonl']]) {
      const r = await runCli([...args, '--subject', pattern], { cwd: dir });
      expect(r.exitCode, `${args[0]} ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`sscs: error: ${join(dir, 'dist/latest.tgz')} is a symbolic link whose target does not exist (it points to "app-1.0.tgz")`);
      expect(r.stderr).not.toContain('matched no files');
      expect(r.stdout).toBe('');
    }
  });

  it.each([['*/app.tgz'], ['{dist,other}/app.tgz'], ['d*/app.tgz']])('a link leading nowhere where --subject %s wants nothing is passed over', async (pattern) => {
    // A leftover node_modules/.bin link, or one in a folder the pattern cannot reach, holds no subject.
    const dir = project();
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    symlinkSync('../gone/cli.js', join(dir, 'node_modules/.bin/gone'));
    const r = await runCli(['digest', '--subject', pattern], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64} {2}dist\/app\.tgz\n$/);
  });

  it('a link leading nowhere that the pattern wants is still exit 2', async () => {
    const dir = project();
    const r = await runCli(['digest', '--subject', '**/*.tgz'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'dist/latest.tgz')} is a symbolic link whose target does not exist`);
  });

  it('a dangling symlink given as a checksums file or an archive is exit 2 saying so', async () => {
    const dir = project();
    for (const flag of ['--subject-checksums', '--subject-tar']) {
      const r = await runCli(['digest', flag, 'dist/latest.tgz'], { cwd: dir });
      expect(r.exitCode, flag).toBe(2);
      expect(r.stderr).toContain(`${join(dir, 'dist/latest.tgz')} is a symbolic link whose target does not exist`);
    }
  });

  it('a path through a dangling symlink to a folder names that link', async () => {
    const dir = project();
    const r = await runCli(['digest', '--subject', 'links/folder/app.tgz'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'links/folder')} is a symbolic link whose target does not exist (it points to "../gone")`);
  });

  it('a symlink loop is exit 2 saying so', async () => {
    const dir = project();
    for (const pattern of ['loops/loop-a', 'loops', 'loops/*']) {
      const r = await runCli(['digest', '--subject', pattern], { cwd: dir });
      expect(r.exitCode, pattern).toBe(2);
      expect(r.stderr).toMatch(/loops\/loop-[ab] is a symbolic link that leads back to itself \(too many levels of symbolic links\)/);
      expect(r.stderr).not.toContain('matched no files');
    }
  });

  it('a path that does not exist, with no symlink in it, still matches no files', async () => {
    const dir = project();
    const r = await runCli(['digest', '--subject', 'dist/missing.tgz'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--subject 'dist/missing.tgz' matched no files");
  });
});
