import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BUNDLE, runCli, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * `sscs digest` prints a data file (`> SHA256SUMS`). The redactor would turn a name holding a secret's value into
 * `[REDACTED]`, a wrong name that `sha256sum -c` fails on, with exit 0. Like provenance, digest refuses it before
 * printing anything, naming the variable and never the value.
 */
const TOKEN = 'glcbt-SuperSecretJobToken123456';
const env = { CI_JOB_TOKEN: TOKEN };
const FAST = { timeoutMs: 20_000 };

function expectRefused(r: CliResult, variable: string, value: string): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).toContain(`refusing to write the digest list: it holds the value of the secret variable ${variable}`);
  expect(r.stdout).toBe('');
  expect(`${r.stdout}${r.stderr}`).not.toContain(value);
  expect(r.stderr).not.toContain('[REDACTED]');
}

describe('sscs digest and secrets in names', () => {
  it.each([['text'], ['json']])('refuses a file named with $CI_JOB_TOKEN, in --format %s, before printing anything', async (format) => {
    const dir = tempDir({ 'sec/aaa-first.txt': 'first', [`sec/${TOKEN}`]: 'a\n' });
    for (const pattern of ['sec', 'sec/*', 'sec/**']) {
      const r = await runCli(['digest', '--subject', pattern, '--format', format], { cwd: dir, env, ...FAST });
      expectRefused(r, 'CI_JOB_TOKEN', TOKEN);
    }
  });

  it('refuses the value inside a longer name, in a folder name, and from a checksums file', async () => {
    const dir = tempDir({ [`dist/app-${TOKEN}.tgz`]: 'app', [`out/${TOKEN}/x.bin`]: 'x' });
    writeFileSync(join(dir, 'SUMS'), `${'a'.repeat(64)}  pkg-${TOKEN}.tgz\n`);
    for (const args of [['--subject', 'dist'], ['--subject', 'out/**'], ['--subject-checksums', 'SUMS']]) {
      const r = await runCli(['digest', ...args], { cwd: dir, env, ...FAST });
      expectRefused(r, 'CI_JOB_TOKEN', TOKEN);
    }
  });

  it('finds a value that the sha256sum escape changed, and a secret variable of any name', async () => {
    const odd = 'pa\\ss-word-long';
    const dir = tempDir({ [`dist/${odd}`]: 'x' });
    for (const format of ['text', 'json']) {
      const r = await runCli(['digest', '--subject', 'dist', '--format', format], { cwd: dir, env: { deploy_secret: odd }, ...FAST });
      expectRefused(r, 'deploy_secret', odd);
      expect(r.stderr).not.toContain('pa\\\\ss-word-long');
    }
  });

  it('refuses in the single-file bundle too', async () => {
    const dir = tempDir({ [`sec/${TOKEN}`]: 'a\n' });
    const r = await execa(process.execPath, [BUNDLE, 'digest', '--subject', 'sec'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 20_000 });
    expectRefused({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }, 'CI_JOB_TOKEN', TOKEN);
  });

  it('still prints ordinary names with a secret set, and sha256sum -c accepts them', async () => {
    // A name holding a non-secret variable's value, or only part of the secret, is an ordinary name.
    const dir = tempDir({ 'dist/app.tgz': 'app', 'dist/glcbt-Super.txt': 'part', 'dist/my-project-name.txt': 'p', 'dist/a\\b.txt': 'b' });
    const e = { ...env, CI_PROJECT_NAME: 'my-project-name' };
    const text = await runCli(['digest', '--subject', 'dist'], { cwd: dir, env: e, ...FAST });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).not.toContain('[REDACTED]');
    expect(text.stdout).toContain('  dist/app.tgz\n');
    expect(text.stdout).toContain('  dist/glcbt-Super.txt\n');
    expect(text.stdout).toContain('  dist/my-project-name.txt\n');
    writeFileSync(join(dir, 'SHA256SUMS'), text.stdout);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toContain('dist/app.tgz: OK');
    const json = await runCli(['digest', '--subject', 'dist', '--format', 'json'], { cwd: dir, env: e, ...FAST });
    expect(json.exitCode, json.stderr).toBe(0);
    const names = (JSON.parse(json.stdout) as { subjects: { name: string }[] }).subjects.map((s) => s.name);
    expect(names).toEqual(['dist/a\\b.txt', 'dist/app.tgz', 'dist/glcbt-Super.txt', 'dist/my-project-name.txt']);
  });
});
