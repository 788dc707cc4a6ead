import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { formatChecksumLine, parseChecksums } from '../../helper/src/subjects/checksums.js';
import { tempDir } from '../support/tmp.js';
import { runCli } from '../support/cli.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../helper/src/errors.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(128);

describe('checksums file', () => {
  it('reads GNU text and binary lines, escaped names and BSD tags', () => {
    const text = [`${A}  dist/app.tgz`, `${A} *dist/bin`, `\\${A}  dist/new\\nline`, `SHA512 (dist/app.tgz) = ${B}`, `SHA256 (dist/x y) = ${A.toUpperCase()}`, '', '# comment'].join('\n');
    expect(parseChecksums(text, 'SUMS')).toEqual([
      { name: 'dist/app.tgz', digest: { sha256: A, sha512: B } },
      { name: 'dist/bin', digest: { sha256: A } },
      { name: 'dist/new\nline', digest: { sha256: A } },
      { name: 'dist/x y', digest: { sha256: A } },
    ]);
  });

  it('names the file and line of a malformed entry', () => {
    try {
      parseChecksums(`${A}  ok\nnot a checksum\n`, 'SHA256SUMS');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).describe()).toBe("SHA256SUMS:2: not a checksum line (expected '<hex>  <name>' or 'SHA256 (<name>) = <hex>')");
    }
  });

  it('rejects a digest of the wrong length', () => {
    expect(() => parseChecksums('abcd  file\n', 'S')).toThrow(/4 hex digits/);
  });

  it('rejects one name with two different digests', () => {
    expect(() => parseChecksums(`${A}  f\n${'c'.repeat(64)}  f\n`, 'S')).toThrow(/listed twice/);
  });
});

describe('subject names from a checksums file stay inside the project', () => {
  it.each([
    ['../../etc/passwd', "has a '..' segment"],
    ['dist/../../x', "has a '..' segment"],
    ['..\\..\\x.exe', "has a '..' segment"],
    ['/etc/passwd', 'is an absolute path'],
    ['C:\\Windows\\x.exe', 'is an absolute path'],
    ['\\\\server\\share\\x', 'is an absolute path'],
  ])('refuses %s, naming the file and line', (name, why) => {
    try {
      parseChecksums(`${A}  ok.tgz\n${A}  ${name}\n`, 'SHA256SUMS');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('PATH_ESCAPE');
      expect((e as InputError).describe()).toBe(`SHA256SUMS:2: subject name ${JSON.stringify(name)} ${why}${why.startsWith('has') ? ', which leaves the project folder' : ''}`);
    }
  });

  it('keeps names that only look alike (..foo, a/..b, x:y)', () => {
    expect(parseChecksums(`${A}  ..foo\n${A}  a/..b\n${A}  x:y\n`, 'S').map((s) => s.name)).toEqual(['..foo', 'a/..b', 'x:y']);
  });

  it('sscs provenance --subject-checksums exits 2 with the file and line, no stack trace and no statement', async () => {
    const dir = tempDir({ SHA256SUMS: `${A}  dist/app.tgz\n${A}  ../../etc/passwd\n` });
    const r = await runCli(['provenance', '--local', '--subject-checksums', 'SHA256SUMS', '-o', 'p.jsonl'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`SHA256SUMS:2`);
    expect(r.stderr).toContain(`subject name "../../etc/passwd" has a '..' segment`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'p.jsonl'))).toBe(false);
  });
});

describe('a checksums file that is not UTF-8', () => {
  it('is exit 2 naming the file and line, instead of two names read as one', async () => {
    // `x\xff` and `x\xfe` both decoded loosely to 'x\uFFFD': one subject, or "listed twice" for another name.
    const dir = tempDir({ SUMS: Buffer.concat([Buffer.from(`${A}  ok\n${A}  x`), Buffer.from([0xff]), Buffer.from(`\n${A}  x`), Buffer.from([0xfe]), Buffer.from('\n')]) });
    const r = await runCli(['digest', '--subject-checksums', 'SUMS'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('sscs: error: SUMS:2: checksums file is not valid UTF-8');
    expect(r.stdout).toBe('');
  });
});

describe('checksums lines as GNU sha256sum writes them', () => {
  const names = ['plain.tgz', 'back\\slash', 'new\nline', 'cr\rname', 'both\\\n', 'trailing space ', 'z\nabc  evil.tgz'];

  it('formats each name exactly as sha256sum does, and parses it back to the same name', async () => {
    const dir = tempDir(Object.fromEntries(names.map((n) => [n, n])));
    for (const name of names) {
      const { stdout } = await execa('sha256sum', ['--', name], { cwd: dir, stripFinalNewline: false });
      const line = formatChecksumLine(stdout.replace(/^\\/, '').slice(0, 64), name);
      expect(line, JSON.stringify(name)).toBe(stdout);
      expect(parseChecksums(line, 'S')).toEqual([{ name, digest: { sha256: stdout.replace(/^\\/, '').slice(0, 64) } }]);
    }
  });

  it('never lets a name start a second line', () => {
    const text = formatChecksumLine(A, `z\n${'c'.repeat(64)}  evil.tgz`);
    expect(text.split('\n').length).toBe(2);
    expect(parseChecksums(text, 'S').map((s) => s.name)).toEqual([`z\n${'c'.repeat(64)}  evil.tgz`]);
  });

  it('reads the escaped --tag form and refuses an undefined escape', () => {
    expect(parseChecksums(`\\SHA256 (a\\nb) = ${A}\n`, 'S')).toEqual([{ name: 'a\nb', digest: { sha256: A } }]);
    expect(() => parseChecksums(`\\${A}  a\\tb\n`, 'S')).toThrow(/invalid escape '\\t'/);
    expect(() => parseChecksums(`\\${A}  a\\\n`, 'S')).toThrow(/invalid escape/);
  });

  it('keeps a trailing space in a name, and takes off only a CRLF line end', () => {
    expect(parseChecksums(`${A}  a \r\n${A}  a\n`, 'S').map((s) => s.name)).toEqual(['a ', 'a']);
  });
});
