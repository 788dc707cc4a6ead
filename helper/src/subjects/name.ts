import { InputError } from '../errors.js';

/**
 * What may name a subject. A name is written into statements, logs and `sha256sum`-style lines; a control
 * character in it (a newline above all) can forge a line of such a file or of a log, so it is refused
 * rather than escaped: an in-toto subject name is meant to be read by people and tools alike.
 */

// Unicode category Cc: C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F).
const CONTROL = /\p{Cc}/u;

const codePoint = (c: string) => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;

/** Throws when `name` holds a control character; `source` says where the name came from. */
export function assertSubjectName(name: string, source?: string): void {
  const m = CONTROL.exec(name);
  if (!m) return;
  throw new InputError('SUBJECT_NAME', `subject name ${JSON.stringify(name)} holds a control character (${codePoint(m[0])})`, {
    ...(source ? { where: { file: source } } : {}),
    hint: 'A subject name with a control character could forge a line of a checksums file or a log, so sscs does not record it. Rename the file.',
  });
}

/**
 * True when any of `names` holds a control character: one scan of them all, since a join adds no character
 * (10,000 names cost 10,000 regular-expression runs otherwise, 3-4 ms cold). A caller checks the names one
 * by one with assertSubjectName only then, for the error.
 */
export function anyControlCharacter(names: readonly string[]): boolean {
  return CONTROL.test(names.join(''));
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
