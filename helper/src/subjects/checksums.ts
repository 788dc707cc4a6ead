import { InputError } from '../errors.js';
import type { DigestAlgorithm } from './digest.js';
import { whyNameLeavesProject } from './name.js';
import type { Subject } from './subject.js';

/** A checksums file is small text; bound it so that a wrong path cannot load a huge binary. */
export const MAX_CHECKSUM_LINES = 1_000_000;

const HEX_LENGTH: Record<number, DigestAlgorithm> = { 64: 'sha256', 128: 'sha512' };
// GNU coreutils: `<hex>  <name>` (text) or `<hex> *<name>` (binary); a leading `\` marks an escaped name.
const GNU_LINE = /^(\\?)([0-9a-fA-F]+) [ *](.+)$/s;
// BSD / `sha256sum --tag`: `SHA256 (<name>) = <hex>`, escaped the same way.
const BSD_LINE = /^(\\?)(SHA256|SHA512|SHA2-256|SHA2-512) \((.+)\) = ([0-9a-fA-F]+)$/s;
/** What GNU coreutils (9.x) escapes in a name, and how. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', n: '\n', r: '\r' };

/**
 * One line as GNU `sha256sum` writes it: `<hex>  <name>`, or, when the name holds a backslash, newline or
 * carriage return, `\<hex>  <escaped name>` (coreutils' `digest.c`, `print_filename`), so that a name can
 * never start a second line.
 */
export function formatChecksumLine(hex: string, name: string): string {
  // Most names need no escape: a test is cheaper than a replace that finds nothing.
  if (!NEEDS_ESCAPE.test(name)) return `${hex}  ${name}\n`;
  return `\\${hex}  ${name.replace(/[\\\n\r]/g, (c) => ESCAPES[c] as string)}\n`;
}
const NEEDS_ESCAPE = /[\\\n\r]/;

/** Undoes GNU escaping; any other backslash sequence makes the line malformed, as it does for `sha256sum -c`. */
function unescapeGnu(name: string, where: { file: string; line: number }): string {
  return name.replace(/\\(.?)/gs, (_, c: string) => {
    const out = UNESCAPES[c];
    if (out === undefined) throw new InputError('MALFORMED', `escaped name has an invalid escape '\\${c}' (only \\\\, \\n and \\r are defined)`, { where });
    return out;
  });
}

/**
 * Parses a `sha256sum`/`sha512sum` output file, GNU or BSD (`--tag`) format, into subjects. Several
 * algorithms for the same name merge into one subject.
 */
export function parseChecksums(text: string, file: string): Subject[] {
  const byName = new Map<string, Subject>();
  const lines = text.split('\n');
  if (lines.length > MAX_CHECKSUM_LINES) throw new InputError('LIMIT', `more than ${MAX_CHECKSUM_LINES} lines`, { where: { file } });
  lines.forEach((raw, i) => {
    // Only a CRLF line end is taken off: a name may end in spaces, and trimming them would name another file.
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    const where = { file, line: i + 1 };
    let name: string;
    let hex: string;
    let algorithm: DigestAlgorithm | undefined;
    const bsd = BSD_LINE.exec(line);
    const gnu = bsd ? null : GNU_LINE.exec(line);
    if (bsd) {
      algorithm = (bsd[2] as string).endsWith('512') ? 'sha512' : 'sha256';
      name = bsd[1] ? unescapeGnu(bsd[3] as string, where) : (bsd[3] as string);
      hex = bsd[4] as string;
    } else if (gnu) {
      hex = gnu[2] as string;
      name = gnu[1] ? unescapeGnu(gnu[3] as string, where) : (gnu[3] as string);
      algorithm = HEX_LENGTH[hex.length];
    } else {
      throw new InputError('MALFORMED', "not a checksum line (expected '<hex>  <name>' or 'SHA256 (<name>) = <hex>')", { where });
    }
    if (!algorithm || hex.length !== (algorithm === 'sha256' ? 64 : 128)) {
      throw new InputError('MALFORMED', `digest of '${name}' is ${hex.length} hex digits: neither sha256 (64) nor sha512 (128)`, { where });
    }
    const escape = whyNameLeavesProject(name);
    if (escape) {
      throw new InputError('PATH_ESCAPE', `subject name ${JSON.stringify(name)} ${escape}`, {
        where,
        hint: 'A subject name is what verifiers match an artifact on, so it is a path inside the project (dist/app.tgz): run sha256sum from the project folder on relative paths.',
      });
    }
    const subject = byName.get(name) ?? { name, digest: {} };
    const existing = subject.digest[algorithm];
    if (existing && existing !== hex.toLowerCase()) {
      throw new InputError('MALFORMED', `'${name}' is listed twice with different ${algorithm} digests`, { where });
    }
    subject.digest[algorithm] = hex.toLowerCase();
    byName.set(name, subject);
  });
  return [...byName.values()];
}
