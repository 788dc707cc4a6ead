import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIntegerFlag } from '../helper/src/cli/integer-flag.js';
import { UsageError } from '../helper/src/errors.js';
import { runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';

/**
 * Integer options take plain decimal digits in their range. Number() took `1e3`, `0x10`, `0b11`, `5.0`, ` 5` and
 * `+5`; a value that means something else in another reader (or nothing) is a usage error before anything runs.
 */
const NOT_DECIMAL = ['1e3', '0x10', '0b11', '0o7', '5.0', '5.', ' 5', '5 ', '+5', '-1', '1_000', '', 'Infinity', 'NaN', '\u0665'];

describe('integer options', () => {
  it('parseIntegerFlag takes decimal digits in range and nothing else', () => {
    expect(parseIntegerFlag('n', '7', 1, 10)).toBe(7);
    expect(parseIntegerFlag('n', '010', 1, 10)).toBe(10);
    expect(parseIntegerFlag('n', '1', 1, 10)).toBe(1);
    for (const v of [...NOT_DECIMAL, '0', '11', '99999999999999999999999']) {
      expect(() => parseIntegerFlag('n', v, 1, 10), JSON.stringify(v)).toThrow(UsageError);
    }
    expect(() => parseIntegerFlag('max-things', '1e3', 1, 10)).toThrow(`--max-things must be a whole number from 1 to 10, not '1e3'`);
  });

  it.each(NOT_DECIMAL)('sscs provenance --max-subjects-per-statement %j is exit 2 before any subject is read', async (value) => {
    const dir = tempDir({ f: 'x' });
    const r = await runCli(['provenance', '--local', '--subject', 'f', '-o', 'p.jsonl', `--max-subjects-per-statement=${value}`], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`sscs: error: --max-subjects-per-statement must be a whole number from 1 to 500000, not '`);
    expect(r.stderr).not.toContain('internal error');
  });

  it('sscs provenance --max-subjects-per-statement takes 1 to 500000', async () => {
    const dir = tempDir({ 'd/a': 'a', 'd/b': 'b', 'd/c': 'c' });
    for (const bad of ['0', '500001']) {
      const r = await runCli(['provenance', '--local', '--subject', 'd', '-o', 'p.jsonl', '--max-subjects-per-statement', bad], { cwd: dir });
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toContain(`not '${bad}'`);
    }
    const r = await runCli(['provenance', '--local', '--subject', 'd', '-o', 'p.jsonl', '--max-subjects-per-statement', '2'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'p.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  it('quotes a long value nowhere, whole or cut: a secret passed by mistake stays hidden by the redactor', async () => {
    const secret = 'glpat-' + 'A1b2C3d4E5'.repeat(5);
    const dir = tempDir({ f: 'x' });
    const r = await runCli(['sign', 'f', '--timeout-ms', secret], { cwd: dir, env: { SSCS_TEST_TOKEN: secret } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`--timeout-ms must be a whole number from 1 to 300000, not a value of ${secret.length} characters`);
    expect(r.stdout + r.stderr).not.toContain(secret.slice(0, 20));
  });

  it.each([
    [['sign', 'f', '--timeout-ms', '1e3'], 'timeout-ms', '1 to 300000'],
    [['attest', '--statement', 'f', '--bundle', 'o.json', '--timeout-ms', '0x10'], 'timeout-ms', '1 to 300000'],
    [['verify', 'f', '--bundle', 'b.json', '--timeout-ms', '5.0'], 'timeout-ms', '1 to 300000'],
    [['verify', 'f', '--bundle', 'b.json', '--timeout-ms', '3000000000'], 'timeout-ms', '1 to 300000'],
    [['release', 'upload', 'f', '--package', 'p', '--version', '1', '--timeout-ms', '1e3'], 'timeout-ms', '1 to 3600000'],
    [['feed', 'sync', '--output', 'o.zip', '--deadline-seconds', '1e1'], 'deadline-seconds', '1 to 7200'],
  ])('%j is exit 2 before the command runs', async (args, flag, range) => {
    const dir = tempDir({ f: 'x' });
    const r = await runCli(args, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`sscs: error: --${flag} must be a whole number from ${range}, not '`);
  });
});

describe('a negative value given as a separate word', () => {
  it('is one readable line, not the parser message with escaped newlines', async () => {
    const dir = tempDir({ f: 'x' });
    const r = await runCli(['provenance', '--local', '--subject', 'f', '--max-subjects-per-statement', '-1'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("argument is ambiguous. Did you forget to specify the option argument for '--max-subjects-per-statement'? To specify");
    expect(r.stderr).not.toContain('\\x0a');
  });
});
