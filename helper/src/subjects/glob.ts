/**
 * Glob patterns for --subject: `**` (any number of folders), `*` and `?` (within one path segment),
 * `[abc]` / `[a-z]` / `[!abc]` classes and `{a,b}` alternatives. Hidden files match like any other: a build's
 * outputs are all subjects. As in POSIX fnmatch with FNM_PATHNAME, `?`, `*` and a class match characters (code
 * points, not UTF-16 halves), never `/`, and a `]` right after `[` or `[!` is a member of the class.
 */

/** A pattern sscs cannot use, said in the pattern's terms (never a RegExp engine's message). */
export class GlobError extends Error {}

const MAGIC = /[*?[{]/;

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Splits `dist/js/**\/*.js` into the folder to walk (`dist/js`) and the part to match. */
export function staticPrefix(pattern: string): { base: string; rest: string } {
  const segments = pattern.split('/');
  const idx = segments.findIndex((s) => hasMagic(s));
  if (idx === -1) return { base: pattern, rest: '' };
  return { base: segments.slice(0, idx).join('/'), rest: segments.slice(idx).join('/') };
}

const escapeRe = (s: string) => s.replace(/[.+^$()|\\\]{}/]/g, '\\$&');

/** Compiles a glob to an anchored RegExp over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  let braceDepth = 0;
  while (i < glob.length) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atStart && atEnd) {
          // `**/` matches zero or more whole segments; a trailing `**` matches everything below.
          if (i + 2 === glob.length) re += '.*';
          else re += '(?:[^/]*/)*';
          i += i + 2 === glob.length ? 2 : 3;
          continue;
        }
      }
      re += '[^/]*';
      i += glob[i + 1] === '*' ? 2 : 1;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      // `[!]a]`: the first character after `[` or `[!` is a member even when it is `]`.
      const negate = glob[i + 1] === '!' || glob[i + 1] === '^';
      const first = i + 1 + (negate ? 1 : 0);
      const end = glob.indexOf(']', first + 1);
      if (end === -1) {
        re += '\\[';
        i++;
        continue;
      }
      re += classToRegExp(glob.slice(first, end), negate, glob.slice(i, end + 1));
      i = end + 1;
    } else if (c === '{') {
      braceDepth++;
      re += '(?:';
      i++;
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      re += ')';
      i++;
    } else if (c === ',' && braceDepth > 0) {
      re += '|';
      i++;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  if (braceDepth > 0) throw new GlobError(`unclosed '{' in pattern '${glob}'`);
  try {
    // `s`: a name may hold any character, a newline too; it must not fall out of `**` (it is refused later, by name).
    // `u`: `?` and a class match a character from U+10000 up whole, not one of its UTF-16 halves.
    return new RegExp(`^${re}$`, 'su');
  } catch (e) {
    // Not expected: classToRegExp checks what the engine would refuse. Said in our words all the same.
    throw new GlobError(`pattern '${glob}' cannot be compiled`, { cause: e });
  }
}

/**
 * One bracket expression as a RegExp class that never matches `/`. Its members are literal characters and ranges
 * `a-z` (a `-` first or last is literal); GlobError when a range runs backwards, which the RegExp engine refuses.
 */
function classToRegExp(members: string, negate: boolean, shown: string): string {
  // POSIX's `[[:alpha:]]`, `[[=a=]]`, `[[.a.]]` are not supported: read as members, `[[:upper:]]` would match `:]`
  // and not `Q`. Refused rather than read another way than the shell and find(1) read them.
  const posix = /\[([:=.])/.exec(members);
  if (posix) {
    const kind = posix[1] === ':' ? 'character classes' : posix[1] === '=' ? 'equivalence classes' : 'collating symbols';
    throw new GlobError(`'${shown}' uses a POSIX bracket expression ('[${posix[1]}'), and sscs does not support ${kind}: list the characters or ranges instead (e.g. '[A-Z]')`);
  }
  const cps = [...members];
  for (let k = 0; k + 2 < cps.length; k++) {
    if (cps[k + 1] !== '-') continue;
    const lo = cps[k] as string;
    const hi = cps[k + 2] as string;
    if ((lo.codePointAt(0) as number) > (hi.codePointAt(0) as number)) {
      throw new GlobError(`the range '${lo}-${hi}' in '${shown}' runs backwards: '${lo}' comes after '${hi}' (a range goes from the lower character to the higher, e.g. '${hi}-${lo}')`);
    }
    k += 2;
  }
  return `(?!/)[${negate ? '^' : ''}${members.replace(/[\\\][]/g, '\\$&')}]`;
}
