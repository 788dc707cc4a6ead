import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { globToRegExp, hasMagic, staticPrefix } from '../../helper/src/subjects/glob.js';

const segment = fc.stringMatching(/^[A-Za-z0-9._ ()+$^-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
const relPath = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));

describe('glob', () => {
  it.each([
    ['**', ['a', 'a/b/c', '.hidden/x'], []],
    ['**/*.js', ['a.js', 'x/y/a.js'], ['a.ts', 'x/a.jsx']],
    ['*.{tgz,zip}', ['a.tgz', 'b.zip'], ['a.tar', 'd/a.tgz']],
    ['v?.txt', ['v1.txt'], ['v10.txt']],
    ['[ab]*.bin', ['a1.bin', 'b.bin'], ['c.bin']],
    ['[!ab]*.bin', ['c.bin'], ['a.bin']],
    ['sub/**/leaf', ['sub/leaf', 'sub/x/y/leaf'], ['subleaf', 'sub/leaf2']],
  ])('%s matches what it should', (glob, yes, no) => {
    const re = globToRegExp(glob);
    for (const p of yes) expect(re.test(p), p).toBe(true);
    for (const p of no) expect(re.test(p), p).toBe(false);
  });

  it('matches a literal path exactly, whatever characters it holds', () => {
    fc.assert(
      fc.property(relPath, relPath, (a, b) => {
        fc.pre(!hasMagic(a));
        const re = globToRegExp(a);
        expect(re.test(a)).toBe(true);
        if (b !== a) expect(re.test(b)).toBe(false);
      }),
    );
  });

  it('never lets * or ? cross a folder boundary', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 2, maxLength: 4 }), (segs) => {
        expect(globToRegExp('*').test(segs.join('/'))).toBe(false);
        expect(globToRegExp('**').test(segs.join('/'))).toBe(true);
      }),
    );
  });

  it('splits a pattern at its first magic segment', () => {
    expect(staticPrefix('dist/js/**/*.js')).toEqual({ base: 'dist/js', rest: '**/*.js' });
    expect(staticPrefix('dist/app.tgz')).toEqual({ base: 'dist/app.tgz', rest: '' });
    expect(staticPrefix('*.tgz')).toEqual({ base: '', rest: '*.tgz' });
  });

  it('rejects an unclosed brace', () => {
    expect(() => globToRegExp('{a,b')).toThrow(/unclosed/);
  });
});
