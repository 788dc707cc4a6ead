import iconv from 'iconv-lite';
import { CODEC_NAMES } from './codec-names.js';

/**
 * How a Python source file's bytes read as text, decided as CPython decides it (PEP 263, PEP 3120; CPython's
 * `Parser/tokenizer.c`, `decode_str` and `check_coding_spec`): UTF-8 unless a UTF-8 byte order mark is there
 * or line 1, or line 2 after a line 1 that is blank or only a comment, is a comment matching
 * `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`; the whole file is then decoded with the named codec.
 *
 * - `utf-8`: no declaration, a BOM, or a UTF-8 declaration: the text is left as it was read.
 * - `compatible`: an encoding in which every byte below 0x80 is that ASCII character (Latin-1, cp1252,
 *   EUC-JP...): Python code reads the same, the text is left as it was read.
 * - `incompatible`: bytes that look like ASCII may mean something else (UTF-7's `+AAo-` is a newline,
 *   Shift_JIS and Big5 trail bytes include `\` and quotes, ISO-2022 shifts): the file is decoded as CPython
 *   would decode it, and the rules read that text.
 * - `unreadable`: a codec the scanner cannot decode (`unicode_escape`, EBCDIC, an unknown name), or bytes
 *   that do not decode: the file cannot be analysed.
 */
export type SourceEncoding =
  | { kind: 'utf-8' }
  | { kind: 'compatible'; declared: string; line: number }
  | { kind: 'incompatible'; declared: string; line: number; text: string }
  | { kind: 'unreadable'; declared: string; line: number; reason: string };

const DECLARATION = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
const BLANK_OR_COMMENT = /^[ \t\f]*(?:#|$)/;
const UTF8_BOM = '\xef\xbb\xbf';
const UTF8 = 'utf_8';
/** Codecs that are not ASCII-compatible, by their decoder's name: iconv-lite first, WHATWG TextDecoder after. */
const DECODERS: Record<string, string> = {
  utf_7: 'utf-7', utf_16: 'utf-16', utf_16_le: 'utf-16le', utf_16_be: 'utf-16be', utf_32: 'utf-32', utf_32_le: 'utf-32le', utf_32_be: 'utf-32be',
  shift_jis: 'shift_jis', cp932: 'cp932', big5: 'big5', cp950: 'cp950', big5hkscs: 'big5hkscs', gbk: 'gbk', gb18030: 'gb18030', cp949: 'cp949',
  iso2022_jp: 'iso-2022-jp',
};

/** The declared encoding of a file whose bytes are `latin1` (one character per byte, as the readers keep them). */
export function sourceEncoding(latin1: string): SourceEncoding {
  if (latin1.startsWith(UTF8_BOM)) return { kind: 'utf-8' }; // a BOM with another declaration is a SyntaxError
  const found = declaration(latin1);
  if (!found) return { kind: 'utf-8' };
  const { name, line } = found;
  const codec = lookup(name);
  if (codec === UTF8) return { kind: 'utf-8' };
  // CODEC_NAMES holds only UTF-8, the codecs below, and codecs in which bytes below 0x80 always stand for
  // themselves (ASCII, Latin-1 and the other ISO 8859 and Windows code pages, KOI8, EUC): no trail bytes, no shifts.
  if (codec && !DECODERS[codec]) return { kind: 'compatible', declared: name, line };
  const decoder = codec ? DECODERS[codec] : undefined;
  if (!decoder) return { kind: 'unreadable', declared: name, line, reason: codec ? `no decoder for ${codec}` : 'not an encoding the scanner knows' };
  try {
    return { kind: 'incompatible', declared: name, line, text: decode(Buffer.from(latin1, 'latin1'), decoder) };
  } catch (e) {
    return { kind: 'unreadable', declared: name, line, reason: (e as Error).message };
  }
}

/** Line 1, or line 2 when line 1 is blank or a comment. */
function declaration(latin1: string): { name: string; line: number } | undefined {
  // Only the first two lines, however long (CPython reads whole lines: a declaration 10,000 columns in counts).
  const lines = latin1.replace(/\r\n?/g, '\n').split('\n', 3);
  // CPython adds the missing final newline to exec input (translate_newlines), so a last line counts too.
  for (let i = 0; i < 2 && i < lines.length; i++) {
    const m = DECLARATION.exec(lines[i]!);
    if (m) return { name: m[1]!, line: i + 1 };
    if (!BLANK_OR_COMMENT.test(lines[i]!)) return undefined;
  }
  return undefined;
}

/** CPython's `get_normal_name`, then `encodings.normalize_encoding` and the alias table. */
function lookup(declared: string): string | undefined {
  const head = declared.slice(0, 12).toLowerCase().replace(/_/g, '-');
  if (head === 'utf-8' || head.startsWith('utf-8-')) return UTF8;
  if (/^(?:latin-1|iso-8859-1|iso-latin-1)(?:-|$)/.test(head)) return 'latin_1';
  const norm = declared.toLowerCase().replace(/[^a-z0-9.]+/g, '_').replace(/^_+|(?<!_)_+$/g, '');
  return ALIASES.get(norm) ?? ALIASES.get(norm.replace(/\./g, '_'));
}

function decode(bytes: Buffer, decoder: string): string {
  if (iconv.encodingExists(decoder)) {
    const text = iconv.decode(bytes, decoder, { stripBOM: false });
    if (text.includes('\ufffd')) throw new Error(`bytes that are not ${decoder}`);
    return text;
  }
  return new TextDecoder(decoder, { fatal: true }).decode(bytes);
}

const ALIASES = new Map<string, string>();
for (const [codec, names] of Object.entries(CODEC_NAMES)) for (const n of names.split(' ')) ALIASES.set(n, codec);
