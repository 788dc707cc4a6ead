/**
 * Words as a POSIX shell reads them back (XCU 2.2 Quoting, 2.6 Word Expansions), for messages that show a command
 * line: a word is left as it is when it holds only characters no shell treats specially, else it is put in single
 * quotes (a `'` inside as `'\''`). So `npm install "a b"` is shown as `npm install 'a b'`, not `npm install a b`.
 */

/** Characters that never need quoting in a word (`~` and `#` do at a word's start, `=` in a command's first word). */
const PLAIN = /^[\w@%+=:,./-]+$/;
/** XCU 2.4 reserved words: recognised as the first word of a command, so quoted there. */
const RESERVED = new Set(['!', '{', '}', 'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'if', 'in', 'then', 'until', 'while']);
/** A first word a shell reads as an assignment (XCU 2.9.1), not as the command. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** One word as a shell reads it back as that word; the empty word is `''`. */
export function shellWord(word: string): string {
  return PLAIN.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A command's words as one line a shell reads back as the same words: each quoted only where needed, the first
 * also when the shell would read it as an assignment or a reserved word. Each of `secrets` (a secret variable's
 * value, io/secrets.ts) is shown as `[REDACTED]` before any quoting: a quote inside a secret would otherwise
 * change how it is spelt, and the output redactor, which looks for the value as it is, would miss it. A secret
 * that spans two words is redacted over the whole line, unquoted, for the same reason.
 */
export function shellLine(words: readonly string[], secrets: readonly string[] = []): string {
  const hidden = words.map((w) => secrets.reduce((text, s) => (s && text.includes(s) ? text.split(s).join('[REDACTED]') : text), w));
  const joined = hidden.join(' ');
  if (secrets.some((s) => s && joined.includes(s))) return secrets.reduce((text, s) => (s ? text.split(s).join('[REDACTED]') : text), joined);
  return hidden.map((w, i) => (i === 0 && (ASSIGNMENT.test(w) || RESERVED.has(w)) ? `'${w.replace(/'/g, `'\\''`)}'` : shellWord(w))).join(' ');
}
