/**
 * A pip requirements file read as pip 23.0.1 reads it (pip's `req/req_file.py` and `utils/encoding.py`), so that
 * firewall run judges the option lines pip will act on: the bytes decoded as `auto_decode` does, split into lines
 * as Python's `str.splitlines` does (`\r`, `\f`, `\x1c`... end a line too), lines ending in `\` joined
 * (`join_lines`), comments removed (`(^|\s+)#.*$`), `${NAME}` replaced from the environment the install sees
 * (`expand_env_variables`: pip expands a line's variables before it reads the line's options), the line broken at
 * its first word starting with `-` (`break_args_options`), and that part split as `shlex.split` does and read by
 * the requirements-file option parser (pip-args.ts: abbreviations, aliases and short clusters included).
 */
import { UsageError } from '../errors.js';
import { pipWords, type PipWord } from './pip-args.js';

/** One logical line with something on it. */
export interface RequirementLine {
  /** The line it starts on (1-based). */
  line: number;
  /** The line as pip reads it: joined, without its comment, variables expanded. */
  text: string;
  /** The requirement part before the first option (`name==1.0`, `./x.whl`), or ''. */
  args: string;
  /** The options after it, read as pip's requirements-file parser reads them. */
  options: PipWord[];
}

/** Python's `str.isspace` characters (what `\s` and `strip()` take in pip's str patterns). */
const PY_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\xa0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000']);
/** `str.splitlines` boundaries (`\r\n` is one). */
const LINE_BREAKS = new Set(['\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']);
/** Encodings a PEP 263 `coding:` line may name that are read here; pip would decode any other, so it is refused. */
const READ_ENCODINGS = new Map([['utf-8', 'utf-8'], ['utf8', 'utf-8'], ['ascii', 'utf-8'], ['us-ascii', 'utf-8'], ['latin-1', 'latin1'], ['latin1', 'latin1'], ['iso-8859-1', 'latin1'], ['iso8859-1', 'latin1']]);
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;

/** The text of a requirements file as pip decodes it: a BOM, or a `coding:` declaration in its first two lines. */
export function decodeRequirements(bytes: Buffer, shown: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if ((bytes[0] === 0x00 && bytes[1] === 0x00 && bytes[2] === 0xfe && bytes[3] === 0xff)) unreadable(shown, 'it is UTF-32 (a byte order mark)');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const head = bytes.subarray(0, 4096).toString('latin1').split('\n').slice(0, 2);
  for (const line of head) {
    const m = line.startsWith('#') ? /coding[:=][ \t\f\v\r]*([-\w.]+)/.exec(line) : null;
    if (!m) continue;
    const encoding = READ_ENCODINGS.get(m[1]!.toLowerCase().replace(/_/g, '-'));
    if (!encoding) unreadable(shown, `it declares the encoding ${JSON.stringify(m[1]!.slice(0, 40))}, which firewall run does not read (save it as UTF-8)`);
    return bytes.toString(encoding as BufferEncoding);
  }
  return bytes.toString('utf8');
}

function unreadable(shown: string, why: string, line?: number): never {
  throw new UsageError('USAGE', `cannot be read as pip reads it: ${why}, so its package sources cannot be checked`, { where: { file: shown, ...(line ? { line } : {}) } });
}

/** Python's `str.splitlines()`. */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (!LINE_BREAKS.has(text[i]!)) continue;
    out.push(text.slice(start, i));
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** pip's COMMENT_RE.match: the line opens with `#`, or with whitespace then `#`. */
function isCommentLine(line: string): boolean {
  let i = 0;
  while (i < line.length && PY_SPACE.has(line[i]!)) i++;
  return line[i] === '#';
}

/** `s.strip(chars)` for one character. */
function stripChar(s: string, c: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === c) a++;
  while (b > a && s[b - 1] === c) b--;
  return s.slice(a, b);
}

/** Python's `str.strip()`. */
function strip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && PY_SPACE.has(s[a]!)) a++;
  while (b > a && PY_SPACE.has(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** `COMMENT_RE.sub('', line)`: from the first `#` that opens the line or follows whitespace. */
function withoutComment(line: string): string {
  for (let i = 0; i < line.length; i++) if (line[i] === '#' && (i === 0 || PY_SPACE.has(line[i - 1]!))) return line.slice(0, i);
  return line;
}

/** pip's join_lines: [first line number, joined text]. */
function joinLines(lines: readonly string[]): [number, string][] {
  const out: [number, string][] = [];
  let primary = 0;
  let pending: string[] = [];
  lines.forEach((raw, i) => {
    let line = raw;
    const comment = isCommentLine(line);
    if (!line.endsWith('\\') || comment) {
      if (comment) line = ` ${line}`;
      if (pending.length) {
        pending.push(line);
        out.push([primary, pending.join('')]);
        pending = [];
      } else out.push([i + 1, line]);
    } else {
      if (!pending.length) primary = i + 1;
      pending.push(stripChar(line, '\\'));
    }
  });
  if (pending.length) out.push([primary, pending.join('')]);
  return out;
}

/** pip's expand_env_variables: each `${NAME}` that is set and not empty, replaced everywhere in the line. */
function expandVariables(line: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = line;
  for (const m of [...line.matchAll(ENV_VAR)]) {
    const value = env[m[1]!];
    if (value) out = out.split(m[0]).join(value);
  }
  return out;
}

/**
 * Python's `shlex.split(s)` (POSIX mode, no comments): words split on ` \t\r\n`, `'...'` literal, `"..."` with
 * `\"` and `\\` escaped, `\` outside quotes escaping any character. Undefined where shlex raises (pip then stops
 * with "Could not split options").
 */
export function shlexSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '\\') {
      if (i + 1 >= s.length) return undefined;
      word = (word ?? '') + s[++i];
    } else if (c === "'" || c === '"') {
      word ??= '';
      let j = i + 1;
      for (; j < s.length && s[j] !== c; j++) {
        if (c === '"' && s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\')) j++;
        word += s[j];
      }
      if (j >= s.length) return undefined;
      i = j;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The lines of a requirements file with something on them, read as pip reads them. `env`: the environment the
 * install sees (pip expands `${NAME}` from it). Throws UsageError (exit 2) for a file pip would read differently
 * from here (an encoding not read here) or could not split.
 */
export function requirementLines(bytes: Buffer, shown: string, env: Readonly<Record<string, string | undefined>>): RequirementLine[] {
  const out: RequirementLine[] = [];
  for (const [line, joined] of joinLines(splitLines(decodeRequirements(bytes, shown)))) {
    const text = expandVariables(strip(withoutComment(joined)), env);
    if (!text) continue;
    const tokens = text.split(' ');
    const first = tokens.findIndex((t) => t.startsWith('-'));
    const args = first < 0 ? text : tokens.slice(0, first).join(' ');
    const words = first < 0 ? [] : shlexSplit(tokens.slice(first).join(' '));
    if (!words) unreadable(shown, 'an unclosed quote or a final backslash in its options', line);
    out.push({ line, text, args, options: pipWords(words, 'requirements-file') });
  }
  return out;
}
