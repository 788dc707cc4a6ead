import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../helper/src/lockfiles/detect.js';
import { nameOfLocation, parseRequirement, RequirementError } from '../../helper/src/lockfiles/requirement-spec.js';
import { joinContinued, logicalLines } from '../../helper/src/lockfiles/requirements-lines.js';

// Expressions the static ReDoS check (test/regex-audit.test.ts) flagged in the lockfile readers, rewritten linear.
// Each adversarial case is sized so that the old expression runs for minutes (vitest's timeout fails the test)
// and the new one in milliseconds; the answers must be the short input's.
const MB = 1024 * 1024;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length));

describe('requirements files by name (`requirements[^/]*\\.txt$|(?:^|\\/)requirements\\/[^/]+\\.txt$`, i)', () => {
  const byName = (file: string) => {
    try {
      return detectFormat(file, 'not a requirement at all');
    } catch {
      return undefined;
    }
  };
  it('knows requirements.txt, its variants and the files of a requirements/ folder', () => {
    for (const f of ['requirements.txt', 'requirements-dev.txt', 'dev-requirements.txt', 'a/b/REQUIREMENTS.TXT', 'requirements/base.txt', 'x/Requirements/ci.txt']) expect(byName(f), f).toBe('requirements');
  });
  it('not a name that only holds the word elsewhere', () => {
    for (const f of ['requirements.txt.bak', 'requirements/x.md', 'requirements/.txt', 'requirements/sub/x.json', 'requirements.d/x.json', 'requirementstxt']) expect(byName(f), f).toBeUndefined();
  });
  it('1 MB of repeated `requirements` in a path', () => {
    expect(byName(`E${fill('REQUIREMENTS')}E/REQUIREMENTS.TXT`)).toBe('requirements');
    expect(byName(`E${fill('REQUIREMENTS')}E/x.json`)).toBeUndefined();
    expect(byName(`${fill('requirements/')}x.txt`)).toBe('requirements');
  });
});

describe('requirements files by content (first 4 KB, multi-line)', () => {
  it('a pin, with extras and blanks; --hash; -r', () => {
    for (const t of ['flask==2.0\n', '# c\npkg[a, b] === 1.0', '  --hash=sha256:00', '-r base.txt']) expect(detectFormat('deps.txt', t), t).toBe('requirements');
  });
  it('not prose, nor a pin split over lines', () => {
    for (const t of ['hello world\n', 'pkg\n== 1.0', 'pkg[a\n]==1']) expect(() => detectFormat('deps.txt', t), t).toThrow();
  });
  it('4 KB of unclosed extras split by carriage returns (the sniffed head is 4 KB)', () => {
    expect(() => detectFormat('deps.txt', fill('0[\r', 4096))).toThrow();
  });
});

describe('a parenthesised specifier (`^\\(\\s*(.*?)\\s*\\)$`)', () => {
  it('reads the versions inside parentheses', () => {
    expect(parseRequirement('pkg ( >=1.0, <2 )').name).toBe('pkg');
    expect(() => parseRequirement('pkg (>=1.0, <2')).toThrow(RequirementError);
  });
  it('64 KB of blanks around a control character, inside parentheses', () => {
    // O(n³) before: 3,300 characters were enough for seconds.
    const blanks = fill('\t', 32 * 1024);
    expect(() => parseRequirement(`pkg (${blanks}\x00${blanks}\n\x00)`)).toThrow(RequirementError);
  });
});

describe('#egg= names (`-\\d.*$` strips a version)', () => {
  it('drops the version from an egg name', () => {
    expect(nameOfLocation('git+https://example.invalid/r.git#egg=My_Pkg-1.0')).toBe('my-pkg');
    expect(nameOfLocation('git+https://example.invalid/r.git#egg=pkg-two')).toBe('pkg-two');
  });
  it('1 MB of -0 after the name', () => {
    expect(nameOfLocation(`git+https://example.invalid/r.git#egg=a${fill('-0')}`)).toBe('a');
  });
});

describe('logical lines: `# via` and backslash continuations', () => {
  it('keeps `# via x` with the requirement before it', () => {
    expect(logicalLines('flask==1\n#   via  pkg-a\n')).toEqual([{ line: 1, text: 'flask==1', via: ['pkg-a'] }]);
    expect(logicalLines('flask==1\n# viable\n')).toEqual([{ line: 1, text: 'flask==1' }]);
  });
  it('1 MB of blanks in a via comment cut by a carriage return', () => {
    expect(logicalLines(`flask==1\n#via${fill('\t')}\x00\r\x00`)).toEqual([{ line: 1, text: 'flask==1' }]);
  });
  it('joins continued lines, a doubled backslash continuing over an empty line as pip does', () => {
    expect(joinContinued(['a\\', 'b\\', 'c', 'd'], 0)).toEqual({ line: 'abc', last: 2 });
    expect(joinContinued(['a\\', '', 'x'], 0)).toEqual({ line: 'a', last: 1 });
    expect(joinContinued(['a\\\\', '\\', '', 'x'], 0)).toEqual({ line: 'ax', last: 3 });
    expect(joinContinued(['a\\', '', 'x'], 0, ' ')).toEqual({ line: 'a ', last: 1 });
    expect(joinContinued(['a\\'], 0)).toEqual({ line: 'a\\', last: 0 });
  });
  it('1 MB of continued lines is one logical line (joined once, not copied per line)', () => {
    const lines = logicalLines(`${fill('ab\\\n')}c==1\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text.length).toBe((fill('ab\\\n').length / 4) * 2 + 4);
  });
});
