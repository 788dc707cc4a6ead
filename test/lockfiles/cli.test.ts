import { mkdtemp, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { runCli } from '../support/cli.js';
import { LOCK_FIXTURES } from './support.js';

describe('sscs deps', () => {
  it('prints the graph as text, one package a line', async () => {
    const r = await runCli(['deps', 'npm-v3/package-lock.json'], { cwd: LOCK_FIXTURES });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('# 24 packages from npm-v3/package-lock.json');
    expect(lines).toContain('color-name@1.1.4  transitive dev  via chalk > ansi-styles > color-convert > color-name');
    expect(lines).toContain('ms@2.0.0  direct prod alias=my-ms  via ms');
    expect(lines).toContain('is-number@7.0.0  direct prod optional  via is-number');
  });

  it('prints the same graph as JSON that readDependencyInputs returns', async () => {
    const files = ['pnpm-v9/pnpm-lock.yaml', 'yarn-berry/yarn.lock'];
    const r = await runCli(['deps', ...files, '--format', 'json'], { cwd: LOCK_FIXTURES });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(await readDependencyInputs(files, { cwd: LOCK_FIXTURES }));
  });

  it('prints warnings on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-deps-cli-'));
    await copyFile(join(LOCK_FIXTURES, 'yarn-v1', 'yarn.lock'), join(dir, 'yarn.lock'));
    const r = await runCli(['deps', 'yarn.lock'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^sscs: warning: yarn\.lock: no package\.json beside the lockfile/);
  });

  it('exits 2 on an unknown format, naming the file, without a stack trace', async () => {
    const r = await runCli(['deps', 'make-fixtures.sh'], { cwd: LOCK_FIXTURES });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^sscs: error: make-fixtures\.sh: not a recognised dependency input/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on a bad --format and on no files', async () => {
    const bad = await runCli(['deps', 'npm-v3/package-lock.json', '--format', 'xml'], { cwd: LOCK_FIXTURES });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("--format must be one of text, json, not 'xml'");
    const none = await runCli(['deps'], { cwd: LOCK_FIXTURES });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('missing FILE');
  });
});
