/**
 * Text that came from an input (a lockfile, an archive, a registry document, a request) as a text renderer may
 * print it: every C0 and C1 control character, DEL, and Unicode's invisible and bidirectional format characters
 * (the Trojan Source set, CVE-2021-42574) written as `\xNN` or `\uNNNN`. No ANSI escape sequence reaches a
 * terminal and no newline forges a log line (`a\nWARN fake` prints as `a\x0aWARN fake`). Apply it to one line
 * at a time: a renderer's own line breaks stay outside. JSON output needs none of it: JSON.stringify escapes them.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** Each line of a renderer's output made printable, then joined with the renderer's own newlines. */
export function printableLines(lines: readonly string[]): string {
  return `${lines.map(printable).join('\n')}\n`;
}
