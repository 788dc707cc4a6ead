/**
 * String tests that take time linear in the text's length, for patterns a single regular expression would run in
 * polynomial time: `A[^\n]*B[^\n]*C` backtracks over every A, and over every split between the two runs, so a
 * string repeating A (`'curl -o x '.repeat(n)`) costs O(n³) under V8's backtracking engine (8 KB took 13 s).
 */

/** A test over one string, with `hint`: a necessary condition (every string it passes matches `hint`). */
export interface StringTest {
  test(s: string): boolean;
  readonly hint: RegExp;
}

/** Where a match starts, and its text (up to where the last stage ended). */
export interface Match {
  index: number;
  text: string;
}

/** A StringTest that also says where it matched (for a finding's line and evidence). */
export interface StringSearch extends StringTest {
  exec(s: string): Match | undefined;
}

/** A regular expression that is already linear (no adjacent unbounded runs), as a StringTest. */
export function regex(re: RegExp): StringTest {
  return { test: (s) => re.test(s), hint: re };
}

/**
 * `stages[0][^\n]*stages[1][^\n]*…stages[k]` on one line, in linear time: each stage is found first after the
 * previous stage's end (the earliest end leaves the most room for the rest), and a line is given up at the first
 * stage that is absent, since a later start of stage 0 on the same line only sees less of it. Each stage must
 * itself be linear and must not match a newline except through a leading run of whitespace.
 */
export function onOneLine(hint: RegExp, ...stages: RegExp[]): StringSearch {
  const first = new RegExp(stages[0]!.source, stages[0]!.flags.replace('g', '') + 'g');
  const rest = stages.slice(1);
  const exec = (s: string): Match | undefined => {
    first.lastIndex = 0;
    for (let m = first.exec(s); m; m = first.exec(s)) {
      const lineEnd = endOfLine(s, first.lastIndex);
      let line = s.slice(first.lastIndex, lineEnd);
      let end = first.lastIndex;
      let found = true;
      for (const stage of rest) {
        const n = stage.exec(line);
        if (!n) { found = false; break; }
        line = line.slice(n.index + n[0].length);
        end += n.index + n[0].length;
      }
      if (found) return { index: m.index, text: s.slice(m.index, end) };
      first.lastIndex = lineEnd + 1;
      if (lineEnd >= s.length) break;
    }
    return undefined;
  };
  return { hint, exec, test: (s) => exec(s) !== undefined };
}

/**
 * `download[^|;&\n]*source[^|;&\n]*\|shell` in linear time: a download and its source inside one shell command
 * (no `|`, `;`, `&` or newline between them), then a pipe into `shell` (a sticky expression, tried right after it).
 */
export function pipedToShell(hint: RegExp, download: RegExp, source: RegExp, shell: RegExp, separator = '|', within = /[|;&\n]/g): StringSearch {
  const sticky = new RegExp(shell.source, shell.flags.replace(/[gy]/g, '') + 'y');
  const separators = new RegExp(within.source, 'g');
  const exec = (s: string): Match | undefined => {
    separators.lastIndex = 0;
    let from = 0;
    for (let m = separators.exec(s); ; m = separators.exec(s)) {
      const at = m ? m.index : s.length;
      if (m?.[0] === separator) {
        const command = s.slice(from, at);
        const d = download.exec(command);
        sticky.lastIndex = at + 1;
        if (d && source.test(command.slice(d.index + d[0].length)) && sticky.test(s)) return { index: from + d.index, text: s.slice(from + d.index, sticky.lastIndex) };
      }
      if (!m) return undefined;
      from = at + 1;
    }
  };
  return { hint, exec, test: (s) => exec(s) !== undefined };
}

/** A regular expression that is already linear, as a StringSearch (the match is its whole text). */
export function search(re: RegExp): StringSearch {
  const exec = (s: string): Match | undefined => {
    re.lastIndex = 0;
    const m = re.exec(s);
    return m ? { index: m.index, text: m[0] } : undefined;
  };
  return { hint: re, exec, test: (s) => exec(s) !== undefined };
}

/**
 * `first[^\n]*then` (`then` a literal) in linear time: a line is given up at its first `first` with no `then`
 * after it, since a later `first` on the same line sees less of it. The expression tried every `first` against
 * the rest of its line: `'printenv '.repeat(n)` cost O(n²) (1 MB: 88 s).
 */
export function thenOnLine(first: RegExp, then: string): StringSearch {
  const starts = new RegExp(first.source, first.flags.replace(/[gy]/g, '') + 'g');
  const exec = (s: string): Match | undefined => {
    starts.lastIndex = 0;
    // The next `then` is looked up again only once the search has passed it: one pass over the text in all.
    let at = -1;
    for (let m = starts.exec(s); m; m = starts.exec(s)) {
      const lineEnd = s.indexOf('\n', starts.lastIndex);
      if (at < starts.lastIndex) at = s.indexOf(then, starts.lastIndex);
      if (at < 0) return undefined;
      if (lineEnd < 0 || at < lineEnd) return { index: m.index, text: s.slice(m.index, at + then.length) };
      if (lineEnd < 0) return undefined;
      starts.lastIndex = lineEnd + 1;
    }
    return undefined;
  };
  return { hint: first, exec, test: (s) => exec(s) !== undefined };
}

/**
 * `open[^)]*X)` in linear time, where `argsEnd(args)` says whether the text between `open` and the next `)`
 * ends as `X` requires. Every `open` before one `)` shares that `)` and so the same answer: each `)` is judged
 * once. The expression tried every `open` against the rest of the text: `'parseInt('.repeat(n)` cost O(n²).
 */
export function callArgs(open: string, argsEnd: (args: string) => boolean): StringTest {
  const test = (s: string): boolean => {
    for (let at = s.indexOf(open); at >= 0; ) {
      const close = s.indexOf(')', at + open.length);
      if (close < 0) return false;
      if (argsEnd(s.slice(at + open.length, close))) return true;
      at = s.indexOf(open, close + 1);
    }
    return false;
  };
  return { hint: new RegExp(open.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), test };
}

/** The first of `searches` to match, by position. */
export function firstOf(...searches: StringSearch[]): StringSearch {
  const exec = (s: string): Match | undefined =>
    searches.map((x) => x.exec(s)).filter((m) => m !== undefined).sort((a, b) => a.index - b.index)[0];
  return { hint: anyOf(...searches).hint, exec, test: (s) => searches.some((x) => x.test(s)) };
}

/** Passes when any of `tests` passes; its hint is the union of theirs. */
export function anyOf(...tests: StringTest[]): StringTest {
  return { test: (s) => tests.some((t) => t.test(s)), hint: new RegExp(tests.map((t) => `(?:${t.hint.source})`).join('|'), tests.every((t) => t.hint.flags.includes('i')) ? 'i' : '') };
}

function endOfLine(s: string, from: number): number {
  let i = from;
  while (i < s.length && /\s/.test(s[i]!)) i++; // `\s+` after a command crosses newlines
  const nl = s.indexOf('\n', i);
  return nl < 0 ? s.length : nl;
}
