import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GlobError, globToRegExp, hasMagic, staticPrefix } from '../../helper/src/subjects/glob.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

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

  it('says in its own words why a class cannot be used: a range that runs backwards', () => {
    for (const [glob, range] of [['[z-a]', 'z-a'], ['x/[0-9b-a]*', 'b-a'], ['[!9-0]', '9-0'], ['[a--]', 'a--'], ['[\u{1F600}-\uFF21]', '\u{1F600}-\uFF21']]) {
      let err: unknown;
      try {
        globToRegExp(glob);
      } catch (e) {
        err = e;
      }
      expect(err, glob).toBeInstanceOf(GlobError);
      expect((err as Error).message).toContain(`the range '${range}' in '`);
      expect((err as Error).message).toContain('runs backwards');
      expect((err as Error).message).not.toMatch(/regular expression/i);
    }
    // Literal '-' first or last, a range up to '-', and ranges in order are all fine.
    for (const glob of ['[-a]', '[a-]', '[!-a]', '[--a]', '[a-z0-9]', '[a-b-c]']) expect(() => globToRegExp(glob), glob).not.toThrow();
  });

  it('refuses POSIX bracket expressions it would otherwise read as plain members', () => {
    // Read as members, [[:upper:]] matched ':]' and not 'Q'.
    for (const [glob, kind] of [['d/[[:upper:]]', 'character classes'], ['[[:alpha:]]*', 'character classes'], ['[![:digit:]]', 'character classes'], ['[[=a=]]', 'equivalence classes'], ['[[.a.]]', 'collating symbols']]) {
      expect(() => globToRegExp(glob), glob).toThrow(GlobError);
      expect(() => globToRegExp(glob), glob).toThrow(kind);
    }
    for (const glob of ['[[]', '[[a]', '[a[]', '[!:]']) expect(() => globToRegExp(glob), glob).not.toThrow();
  });

  it('matches a class member, never a folder separator, and a ] first in a class', () => {
    const cases: [string, string[], string[]][] = [
      ['[.-0]x', ['.x', '0x'], ['/x', 'a/x']],
      ['a[!b]c', ['axc', 'a-c'], ['abc', 'a/c']],
      ['[!-a]', ['b', 'Z'], ['-', 'a', '/']],
      ['[]a]', [']', 'a'], ['b']],
      ['[!]a]', ['b'], [']', 'a']],
      ['[\\]', ['\\'], ['a']],
      ['v?.txt', ['v1.txt', 'v\u{1F600}.txt'], ['v12.txt', 'v/.txt']],
      ['[\uFF21-\u{1F600}]', ['\uFF21', '\u{1F600}', '\u{10000}'], ['a']],
    ];
    for (const [glob, yes, no] of cases) {
      const re = globToRegExp(glob);
      for (const p of yes) expect(re.test(p), `${glob} ${p}`).toBe(true);
      for (const p of no) expect(re.test(p), `${glob} ${p}`).toBe(false);
    }
  });

  it('--subject with a backwards range is exit 2 naming the option value, with no engine message or stack', async () => {
    const dir = tempDir({ 'dist/a.txt': 'a' });
    for (const args of [['digest'], ['provenance', '--local', '-o', 'p.jsonl']]) {
      const r = await runCli([...args, '--subject', 'dist/[z-a]'], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain("sscs: error: --subject 'dist/[z-a]' is not a pattern sscs can use: the range 'z-a' in '[z-a]' runs backwards: 'z' comes after 'a'");
      expect(r.stderr).not.toMatch(/Invalid regular expression|SyntaxError|internal error|\bat .*\.js:/);
      expect(r.stdout).toBe('');
    }
  });
});
