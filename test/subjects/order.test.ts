import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, compareCodeUnits, inByteOrder, mayPartFromByteOrder } from '../../helper/src/subjects/order.js';
import { rawTar } from '../support/archives.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * Subjects are in the byte order of their UTF-8 names, as `LC_ALL=C sort`, Go and Python's bytes sort them, so a
 * verifier in another language recomputes the same order. JavaScript's `<` (UTF-16 code units) disagrees on names
 * mixing characters from U+10000 up with U+E000-U+FFFF: 😀 (F0 9F 98 80) is after Ａ (EF BC A1) and the private-use
 * U+E000 (EE 80 80) in bytes, before them in UTF-16.
 */
const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
// Names whose UTF-16 order is not their byte order, with ordinary ones around them.
const NAMES = ['a.txt', 'z\u{1F600}.bin', 'z\uFF21.bin', 'z\uE000.bin', 'z\u{10000}', 'z\uFFFD', 'zz', '\u00e9.txt', '\u4e2d.txt'];

/** What `LC_ALL=C sort` makes of these lines: the reference of another toolchain. */
function cSort(lines: string[]): string[] {
  const out = execFileSync('sort', [], { input: `${lines.join('\n')}\n`, env: { PATH: process.env.PATH, LC_ALL: 'C' } });
  return out.toString('utf8').trimEnd().split('\n');
}

// Text drawn mostly from around the code units where the two orders part, and any text too.
const near = fc.string({ unit: fc.constantFrom('a', 'z', '\u00e9', '\uD7FF', '\uE000', '\uFF21', '\uFFFD', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{10FFFF}') });
const text = fc.oneof(near, fc.string({ unit: 'grapheme' }));

const sumsNames = (stdout: string) => stdout.trimEnd().split('\n').map((l) => l.replace(/^\\?[0-9a-f]{64} {2}/, ''));

describe('subject order', () => {
  it('compareBytes is the byte order of UTF-8, on any text', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(bytewise(a, b)));
      }),
      { numRuns: 2000 },
    );
    for (const a of NAMES) for (const b of NAMES) expect(Math.sign(compareBytes(a, b)), `${a} ${b}`).toBe(Math.sign(bytewise(a, b)));
  });

  it('JavaScript\'s own comparison is used only where it is byte order', () => {
    expect(compareCodeUnits('z\u{1F600}', 'z\uFF21')).toBe(-1); // why compareBytes exists
    expect(compareBytes('z\u{1F600}', 'z\uFF21')).toBe(1);
    fc.assert(
      fc.property(text, text, (a, b) => {
        if (!mayPartFromByteOrder(a + b)) expect(Math.sign(compareCodeUnits(a, b))).toBe(Math.sign(bytewise(a, b)));
      }),
      { numRuns: 2000 },
    );
    expect(inByteOrder(['z\uFF21', 'z\u{1F600}'])).toBe(true);
    expect(inByteOrder(['z\u{1F600}', 'z\uFF21'])).toBe(false);
  });

  it('sscs digest and sscs provenance list a walked folder in byte order, as LC_ALL=C sort does', async () => {
    const dir = tempDir(Object.fromEntries(NAMES.map((n, i) => [`dist/${n}`, String(i)])));
    const expected = cSort(NAMES.map((n) => `dist/${n}`));
    expect(expected).toEqual(NAMES.map((n) => `dist/${n}`).sort(bytewise));
    expect(expected).not.toEqual(NAMES.map((n) => `dist/${n}`).sort()); // the case JavaScript's sort gets wrong
    for (const pattern of ['dist', 'dist/*', 'dist/**']) {
      const d = await runCli(['digest', '--subject', pattern], { cwd: dir });
      expect(d.exitCode, d.stderr).toBe(0);
      expect(sumsNames(d.stdout), pattern).toEqual(expected);
      const p = await runCli(['provenance', '--local', '--subject', pattern, '-o', 'p.jsonl'], { cwd: dir });
      expect(p.exitCode, p.stderr).toBe(0);
      const statement = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8'));
      expect(statement.subject.map((s: { name: string }) => s.name), pattern).toEqual(expected);
    }
  });

  it('keeps byte order across folders, patterns given in UTF-16 order, checksums files and archives', async () => {
    const dir = tempDir({ 'a/z\u{1F600}': '1', 'a/z\uFF21': '2', 'b/z\u{1F600}/f': '3', 'b/z\uFF21/f': '4' });
    // Two files named in JavaScript's order: each pattern is one subject, so nothing else sorts them.
    const two = await runCli(['digest', '--subject', 'a/z\u{1F600}', '--subject', 'a/z\uFF21'], { cwd: dir });
    expect(two.exitCode, two.stderr).toBe(0);
    expect(sumsNames(two.stdout)).toEqual(['a/z\uFF21', 'a/z\u{1F600}']);
    // Folders whose names part in the two orders: the walk goes into them in byte order.
    const walked = await runCli(['digest', '--subject', 'b'], { cwd: dir });
    expect(sumsNames(walked.stdout)).toEqual(['b/z\uFF21/f', 'b/z\u{1F600}/f']);
    // A checksums file and an archive merge with the files and sort again.
    writeFileSync(join(dir, 'SUMS'), `${'c'.repeat(64)}  c/z\u{1F600}\n${'d'.repeat(64)}  c/z\uFF21\n`);
    writeFileSync(join(dir, 'm.tar'), rawTar([{ path: 'm/z\u{1F600}', body: 'x' }, { path: 'm/z\uFF21', body: 'y' }]));
    const merged = await runCli(['digest', '--subject', 'a', '--subject-checksums', 'SUMS', '--subject-tar', 'm.tar'], { cwd: dir });
    expect(merged.exitCode, merged.stderr).toBe(0);
    const names = sumsNames(merged.stdout);
    expect(names).toEqual(cSort(names));
    expect(names).toEqual(['a/z\uFF21', 'a/z\u{1F600}', 'c/z\uFF21', 'c/z\u{1F600}', 'm/z\uFF21', 'm/z\u{1F600}']);
  });
});
