import { beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * `sscs sign` and `sscs attest` print the bundle paths (and with --format json the file and subject names), and
 * `sscs verify --format json` prints the artifact names, the bundle path and the subject matched: data, for
 * scripts. The output redactor would print a name holding a secret's value as `[REDACTED]`, a path that is not
 * there. They refuse it instead (exit 2), naming the variable and the part, never the value, before anything is
 * signed or written. Key-based and offline: no signing service is needed to reach the check.
 */
const TOKEN = 'glcbt-SuperSecretJobToken123456';
const env = { CI_JOB_TOKEN: TOKEN };
const OFFLINE = { SSCS_TRUSTED_ROOT: '', XDG_CACHE_HOME: '/nonexistent/sscs-no-tuf-cache' };
const FAST = { timeoutMs: 60_000 };
const ARTIFACT = 'artifact\n';
const SHA = createHash('sha256').update(ARTIFACT).digest('hex');

function statement(subject: string): string {
  return JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app.bin', digest: { sha256: 'a'.repeat(64) } }, { name: subject, digest: { sha256: SHA } }], predicateType: 'https://example.test/predicate/v1', predicate: {} });
}

const dir = tempDir({ 'app.bin': ARTIFACT, [`app-${TOKEN}.bin`]: ARTIFACT, 'plain.intoto.json': statement('dist/app.tgz'), 'named.intoto.json': statement(`dist/app-${TOKEN}.tgz`) });
beforeAll(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'key.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  // Signed with no secret set: the bundles a later job verifies with one.
  for (const args of [['sign', 'app.bin', '--bundle', 'app.sigstore.json'], ['attest', '--statement', 'named.intoto.json', '--bundle', 'named.sigstore.json']]) {
    const r = await runCli([...args, '--key', 'key.pem'], { cwd: dir, ...FAST });
    expect(r.exitCode, r.stderr).toBe(0);
  }
  copyFileSync(join(dir, 'app.sigstore.json'), join(dir, `b-${TOKEN}.sigstore.json`));
});

function expectRefused(r: CliResult, message: string, before: Set<string>): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).toContain(`sscs: error: ${message} holds the value of the secret variable CI_JOB_TOKEN\n`);
  expect(r.stdout).toBe('');
  // The value is in no output: not on stdout or stderr, not hidden as [REDACTED], and no file was written.
  expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  expect(r.stderr).not.toContain('[REDACTED]');
  expect(readdirSync(dir).filter((f) => !before.has(f))).toEqual([]);
}

const KEY = ['--key', 'key.pem'];
const VERIFY = ['--key', 'key.pub', '--insecure-ignore-tlog', '--format', 'json'];
const CASES: Array<{ name: string; args: string[]; message: string }> = [
  { name: 'sign: the --bundle path', args: ['sign', 'app.bin', '--bundle', `out-${TOKEN}.sigstore.json`, ...KEY], message: 'refusing to sign FILE: the --bundle path' },
  { name: 'sign --format json: the file name', args: ['sign', `app-${TOKEN}.bin`, '--bundle', 'out.sigstore.json', ...KEY, '--format', 'json'], message: 'refusing to sign FILE: argument 1 (the name of the file to sign)' },
  { name: 'attest: the --bundle path', args: ['attest', '--statement', 'plain.intoto.json', '--bundle', `out-${TOKEN}.sigstore.json`, ...KEY], message: 'refusing to sign the statements: the --bundle path' },
  { name: 'attest --format json: a subject name', args: ['attest', '--statement', 'named.intoto.json', '--bundle', 'out.sigstore.json', ...KEY, '--format', 'json'], message: 'named.intoto.json: refusing to write a bundle of statement 1 (signing would publish it in the transparency log): the name of its subject 2' },
  { name: 'verify --format json: an artifact name', args: ['verify', `app-${TOKEN}.bin`, '--bundle', 'app.sigstore.json', ...VERIFY, '--junit', 'verify.junit.xml'], message: 'refusing to print the verification report: argument 1 (an artifact name)' },
  { name: 'verify --format json: the --bundle path', args: ['verify', 'app.bin', '--bundle', `b-${TOKEN}.sigstore.json`, ...VERIFY], message: 'refusing to print the verification report: the --bundle path' },
  { name: "verify --format json: the statement's subject name", args: ['verify', `sha256:${SHA}`, '--bundle', 'named.sigstore.json', ...VERIFY], message: 'refusing to print the verification report: the statement subject matched by argument 1' },
];

describe('sign, attest and verify --format json with a secret value in a name', () => {
  it.each(CASES)('$name: refused with exit 2, naming the part and the variable', async ({ args, message }) => {
    const before = new Set(readdirSync(dir));
    expectRefused(await runCli(args, { cwd: dir, env: { ...env, ...OFFLINE }, ...FAST }), message, before);
  });

  it('signs and verifies when the name is not printed, and prints ordinary names with a secret set', async () => {
    const e = { ...env, ...OFFLINE };
    // `sign` in text prints only the bundle path, and a message signature holds no file name.
    const sign = await runCli(['sign', `app-${TOKEN}.bin`, '--bundle', 'text.sigstore.json', ...KEY], { cwd: dir, env: e, ...FAST });
    expect(sign).toMatchObject({ exitCode: 0, stdout: 'text.sigstore.json\n', stderr: '' });
    expect(readFileSync(join(dir, 'text.sigstore.json'), 'utf8')).not.toContain(TOKEN);
    const json = await runCli(['verify', 'app.bin', '--bundle', 'text.sigstore.json', ...VERIFY], { cwd: dir, env: e, ...FAST });
    expect(json.exitCode, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { artifacts: { name: string }[] }).artifacts.map((a) => a.name)).toEqual(['app.bin']);
    // The one text line of verify is a log line: the redactor hides the value there, and it is not refused.
    const line = await runCli(['verify', `app-${TOKEN}.bin`, '--bundle', 'text.sigstore.json', '--key', 'key.pub', '--insecure-ignore-tlog'], { cwd: dir, env: e, ...FAST });
    expect(line.exitCode, line.stderr).toBe(0);
    expect(line.stdout).toMatch(/^verified: /);
    expect(line.stdout + line.stderr).not.toContain(TOKEN);
  });
});
