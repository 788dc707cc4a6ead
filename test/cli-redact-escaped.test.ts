import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';

/**
 * Messages quote input through printable() (io/printable.ts), which writes a control or invisible character as
 * `\x0a` or `\u200b`. A secret's value holding one (a trailing newline from `$(cat token)`, a zero-width space) was
 * printed in that spelling, which the redactor, matching only the raw value, did not know.
 */
const VALUES = ['glcbt-SomeLongSecretValue123\n', 'glcbt-Some\u200bLongSecretValue123', 'glcbt-Some\tLongSecretValue123', 'glcbt-Some\x7fLongSecretValue123'];

describe('a secret value with a control or invisible character, quoted in a message', () => {
  it.each(VALUES)('%j is redacted in its escaped spelling too', async (value) => {
    const dir = tempDir({ f: 'x' });
    for (const args of [['digest', '--subject', value], ['verify', 'f', '--bundle', 'b.json', '--timeout-ms', value], ['digest', '--subject', 'f', '--format', value]]) {
      const r = await runCli(args, { cwd: dir, env: { CI_JOB_TOKEN: value } });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('[REDACTED]');
      expect(r.stdout + r.stderr, JSON.stringify(args)).not.toContain('LongSecretValue123');
    }
  });
});
