/**
 * Glob patterns for --subject: `**` (any number of folders), `*` and `?` (within one path segment),
 * `[abc]` / `[!abc]` classes and `{a,b}` alternatives. Hidden files match like any other: a build's
 * outputs are all subjects.
 */

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
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        i++;
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^/' : ''}${body.replace(/\\/g, '\\\\')}]`;
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
  if (braceDepth > 0) throw new SyntaxError(`unclosed '{' in pattern '${glob}'`);
  // `s`: a name may hold any character, a newline too; it must not fall out of `**` (it is refused later, by name).
  return new RegExp(`^${re}$`, 's');
}
