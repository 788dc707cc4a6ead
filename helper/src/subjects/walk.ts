import { readdirSync, realpathSync } from 'node:fs';
import { InputError } from '../errors.js';
import { fileKind, resolveInRoot, type FileKind } from '../io/files.js';
import { describeBytes, isUtf8 } from './name.js';

export { resolveInRoot };

/** Bound on the folders one walk visits, so that a pattern over a huge tree fails clearly. */
export const MAX_WALK_FOLDERS = 100_000;

export interface FoundFile {
  /** Absolute path of the file as found (may be a symlink inside the root). */
  path: string;
  /** Absolute path of the content: the symlink's target, always inside the root. */
  realPath: string;
  /** Bytes, for symlinks and special files (known from the check); left out for regular files to spare an lstat each. */
  size?: number;
  /** What the content is: only a regular `file` can be a subject; the caller refuses the rest when matched. */
  kind: FileKind;
}

// The walk uses synchronous fs calls on purpose: a CLI walking ten thousand files spends most of its time
// in per-call round trips through the thread pool otherwise (measured: 4x slower on bench/digest.mjs).

/**
 * Lists every entry under `dir` that is not a folder, recursively, in a deterministic (byte-wise sorted)
 * order; FIFOs, sockets and devices are reported with their kind so that a caller can refuse them by name.
 * Symlinks are resolved and must stay inside `root`; a folder reached twice (a symlink loop) is walked once.
 * A name that is not valid UTF-8 is refused: decoded loosely, two such names would read as one.
 */
export function walkFiles(root: string, dir: string, onFile: (f: FoundFile, relFromDir: string) => void, seen = new Set<string>(), prefix = ''): void {
  const realDir = realpathSync(dir);
  if (seen.has(realDir)) return;
  seen.add(realDir);
  if (seen.size > MAX_WALK_FOLDERS) throw new InputError('LIMIT', `more than ${MAX_WALK_FOLDERS} folders under ${root}`);
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareBytes(a.name, b.name));
  // Node decodes names as UTF-8, replacing bad bytes with U+FFFD; only then are the raw bytes read.
  if (entries.some((e) => e.name.includes('\uFFFD'))) assertUtf8Names(dir);
  // `dir` is absolute and normalised (the caller resolves it, and every folder below is built here), and a
  // readdir name holds no '/', '.' or '..': concatenation gives what path.join would, without its normalising
  // pass over every name (a tenth of a walk of 10,000 files).
  const sep = dir.endsWith('/') ? '' : '/';
  for (const entry of entries) {
    const path = dir + sep + entry.name;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // Regular files first: they are most entries, and each type test is a call.
    if (entry.isFile()) {
      onFile({ path, realPath: path, kind: 'file' }, rel);
    } else if (entry.isSymbolicLink()) {
      const target = resolveInRoot(root, path);
      if (target.isDirectory) walkFiles(root, path, onFile, seen, rel);
      else onFile({ path, realPath: target.realPath, size: target.size, kind: target.kind }, rel);
    } else if (entry.isDirectory()) {
      walkFiles(root, path, onFile, seen, rel);
    } else {
      onFile({ path, realPath: path, size: 0, kind: fileKind(entry) }, rel);
    }
  }
}

function assertUtf8Names(dir: string): void {
  for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
    if (isUtf8(raw)) continue;
    const shown = `${describeBytes(Buffer.from(dir))}/${describeBytes(raw)}`;
    throw new InputError('SUBJECT_NAME', `file name ${JSON.stringify(shown).replace(/\\\\x/g, '\\x')} is not valid UTF-8`, {
      hint: 'A subject name is recorded as UTF-8 text; sscs does not guess what other bytes meant. Rename the file.',
    });
  }
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
