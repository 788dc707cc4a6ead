import { InputError } from '../errors.js';
import { printable } from '../io/printable.js';

/**
 * What may name a subject. A name is written into statements, logs and `sha256sum`-style lines, and people read it
 * there before they trust what it names. It is refused, rather than escaped, when it holds:
 * - a control character (Unicode category Cc: C0 U+0000-U+001F, DEL U+007F, C1 U+0080-U+009F): a newline above
 *   all can forge a line of a checksums file or a log;
 * - a bidirectional control (U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates, U+200E/U+200F and
 *   U+061C marks): it makes the name display in another order than it is stored (Trojan Source, CVE-2021-42574),
 *   so a reviewer reads another name than the one signed;
 * - a line or paragraph separator (U+2028, U+2029): editors and viewers break the line there, as at a newline.
 * Other format characters (category Cf) are kept: the zero-width joiner and non-joiner (U+200D, U+200C) are part of
 * emoji sequences and of Persian and Indic spelling, and an invisible character such as U+200B or U+FEFF changes
 * neither the order nor the lines of what is shown; that two names can look alike is the confusables problem
 * (UTS #39: Cyrillic а and Latin a), which no list of characters solves. Messages escape all of them (io/printable.ts).
 */

// One class for all: a single scan of every name joined finds them.
const REFUSED = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;
const CONTROL = /\p{Cc}/u;

/** Unicode names of the refused characters that are not controls, as the messages give them. */
const NAMES: Record<string, string> = {
  '\u061C': 'ARABIC LETTER MARK',
  '\u200E': 'LEFT-TO-RIGHT MARK',
  '\u200F': 'RIGHT-TO-LEFT MARK',
  '\u202A': 'LEFT-TO-RIGHT EMBEDDING',
  '\u202B': 'RIGHT-TO-LEFT EMBEDDING',
  '\u202C': 'POP DIRECTIONAL FORMATTING',
  '\u202D': 'LEFT-TO-RIGHT OVERRIDE',
  '\u202E': 'RIGHT-TO-LEFT OVERRIDE',
  '\u2066': 'LEFT-TO-RIGHT ISOLATE',
  '\u2067': 'RIGHT-TO-LEFT ISOLATE',
  '\u2068': 'FIRST STRONG ISOLATE',
  '\u2069': 'POP DIRECTIONAL ISOLATE',
  '\u2028': 'LINE SEPARATOR',
  '\u2029': 'PARAGRAPH SEPARATOR',
};

const codePoint = (c: string) => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;

/** A name as messages quote it: JSON-quoted, with controls and bidirectional and invisible characters escaped. */
export function quoteName(name: string): string {
  return printable(JSON.stringify(name));
}

/**
 * Throws InputError SUBJECT_NAME (exit 2) when `name` holds a character refused above; `source` is the file the name
 * came from (a checksums file, an archive), left out for a file found on disk, whose name it is.
 */
export function assertSubjectName(name: string, source?: string): void {
  const m = REFUSED.exec(name);
  if (!m) return;
  const c = m[0];
  const control = CONTROL.test(c);
  const separator = c === '\u2028' || c === '\u2029';
  const what = control ? `a control character (${codePoint(c)})` : separator ? `a ${(NAMES[c] as string).toLowerCase()} (${codePoint(c)})` : `a bidirectional control character (${codePoint(c)} ${NAMES[c]})`;
  throw new InputError('SUBJECT_NAME', `subject name ${quoteName(name)} holds ${what}`, {
    ...(source ? { where: { file: source } } : {}),
    hint: control
      ? 'A subject name with a control character could forge a line of a checksums file or a log, so sscs does not record it. Rename the file.'
      : separator
        ? 'Editors and viewers break a line at a line or paragraph separator, so such a name could forge a line of a checksums file or a log; sscs does not record it. Rename the file.'
        : 'A bidirectional control character makes a name display in another order than it is stored (Trojan Source, CVE-2021-42574), so people would read another name than the one recorded; sscs does not record it. Rename the file.',
  });
}

/**
 * Why a subject name that did not come from a walk (a checksums file, GitLab Runner's metadata) would leave the
 * project folder: an absolute path (`/x`, `\x`, `C:\x`) or a `..` segment (with `/` or `\` as separator, as a
 * verifier on Windows would read it); or why it is not text at all (a lone UTF-16 surrogate, which no file name
 * on disk decodes to). Such a name names no file sscs reads (the digest comes with it), but it is what the
 * provenance says was built, as the archive reader (tar.ts) refuses the same member names. Undefined when fine.
 */
export function whyNameLeavesProject(name: string): string | undefined {
  if (/^(?:[/\\]|[A-Za-z]:[/\\])/.test(name)) return 'is an absolute path';
  if (name.split(/[/\\]/).includes('..')) return "has a '..' segment, which leaves the project folder";
  if (/\p{Cs}/u.test(name)) return 'holds a lone UTF-16 surrogate: it is not valid Unicode text';
  return undefined;
}

/**
 * True when `joinedNames` (the names joined: a join adds no character) holds a character assertSubjectName refuses:
 * one scan of them all (10,000 names cost 10,000 regular-expression runs otherwise, 3-4 ms cold). A caller checks
 * the names one by one with assertSubjectName only then, for the error.
 */
export function anyRefusedCharacter(joinedNames: string): boolean {
  return REFUSED.test(joinedNames);
}

/** `a\xff`: a file name's bytes as text, valid UTF-8 kept and every other byte shown as \xNN. */
export function describeBytes(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len === 0) {
      out += `\\x${(bytes[i] as number).toString(16).padStart(2, '0')}`;
      i++;
    } else {
      out += bytes.subarray(i, i + len).toString('utf8');
      i += len;
    }
  }
  return out;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are valid UTF-8, so that the decoded name names exactly this file. */
export function isUtf8(bytes: Buffer): boolean {
  try {
    fatalUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one. */
function utf8SequenceLength(b: Buffer, i: number): number {
  const c = b[i] as number;
  const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len <= 1) return len;
  if (i + len > b.length) return 0;
  return isUtf8(b.subarray(i, i + len)) ? len : 0;
}
