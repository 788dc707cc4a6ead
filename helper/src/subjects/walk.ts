import { readdirSync, statSync, type Dirent } from 'node:fs';
import { InputError, systemErrorCode } from '../errors.js';
import { fileKind, resolveInRoot, type FileKind } from '../io/files.js';
import { describeBytes, isUtf8 } from './name.js';
import { compareBytes, compareCodeUnits, mayPartFromByteOrder } from './order.js';

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

/**
 * What a walk reports for each entry that is not a folder: its path relative to the folder walked, its absolute
 * path, and for anything but a regular file (a symlink to a file, a FIFO, a socket, a device) what it is. A regular
 * file, most entries by far, comes with no record: 10,000 files make 10,000 fewer objects to keep.
 */
export type OnFile = (relFromDir: string, path: string, other: FoundFile | undefined) => void;

// The walk uses synchronous fs calls on purpose: a CLI walking ten thousand files spends most of its time
// in per-call round trips through the thread pool otherwise (measured: 4x slower on bench/digest.mjs).

const byName = (a: Dirent, b: Dirent) => compareCodeUnits(a.name, b.name);
const byNameBytes = (a: Dirent, b: Dirent) => compareBytes(a.name, b.name);

/**
 * Lists every entry under `dir` that is not a folder, recursively, in a deterministic (byte-wise sorted)
 * order; FIFOs, sockets and devices are reported with their kind so that a caller can refuse them by name.
 * Symlinks are resolved and must stay inside `root`; a folder reached twice (a symlink loop) is walked once
 * (`seen` holds the device:inode of each folder walked). A symlink that leads nowhere is an InputError NOT_A_FILE,
 * unless `unwanted` says its path (relative to the first `dir`) is not one the caller wants: then it is passed over.
 * A name that is not valid UTF-8 is refused: decoded loosely, two such names would read as one.
 */
export function walkFiles(root: string, dir: string, onFile: OnFile, seen = new Set<string>(), prefix = '', unwanted?: (rel: string) => boolean): void {
  // The folder's identity (device and inode), not its real path: realpath looks up every component of the path,
  // each from the root, so a tree 2,000 folders deep took over a minute of system time; stat is one lookup.
  const st = listing(dir, () => statSync(dir, { bigint: true }));
  const id = `${st.dev}:${st.ino}`;
  if (seen.has(id)) return;
  seen.add(id);
  if (seen.size > MAX_WALK_FOLDERS) throw new InputError('LIMIT', `more than ${MAX_WALK_FOLDERS} folders under ${root}`);
  const entries = listing(dir, () => readdirSync(dir, { withFileTypes: true }));
  // Byte order (order.ts). One scan of the folder's names joined says whether JavaScript's own comparison is byte
  // order here (no code unit from U+D800 up); libuv lists a folder sorted by strcmp already, so either sort is one
  // pass in the common case.
  const joined = entries.map((e) => e.name).join('/');
  const high = mayPartFromByteOrder(joined);
  entries.sort(high ? byNameBytes : byName);
  // Node decodes names as UTF-8, replacing bad bytes with U+FFFD (a code unit above U+D800); only then are the raw
  // bytes read.
  if (high && joined.includes('\uFFFD')) assertUtf8Names(dir);
  // `dir` is absolute and normalised (the caller resolves it, and every folder below is built here), and a
  // readdir name holds no '/', '.' or '..': concatenation gives what path.join would, without its normalising
  // pass over every name (a tenth of a walk of 10,000 files).
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  const relBase = prefix ? `${prefix}/` : '';
  for (const entry of entries) {
    const path = base + entry.name;
    const rel = relBase ? relBase + entry.name : entry.name;
    // Regular files first: they are most entries, and each type test is a call.
    if (entry.isFile()) {
      onFile(rel, path, undefined);
    } else if (entry.isSymbolicLink()) {
      let target: ReturnType<typeof resolveInRoot>;
      try {
        target = resolveInRoot(root, path);
      } catch (e) {
        // A link that leads nowhere (dangling, or a loop) where the pattern wants nothing (a leftover
        // node_modules/.bin link under `*/app.tgz`) holds no subject: passed over. Where it is wanted, an error.
        if (unwanted && e instanceof InputError && e.code === 'NOT_A_FILE' && unwanted(rel)) continue;
        throw e;
      }
      if (target.isDirectory) walkFiles(root, path, onFile, seen, rel, unwanted);
      else onFile(rel, path, { path, realPath: target.realPath, size: target.size, kind: target.kind });
    } else if (entry.isDirectory()) {
      walkFiles(root, path, onFile, seen, rel, unwanted);
    } else {
      onFile(rel, path, { path, realPath: path, size: 0, kind: fileKind(entry) });
    }
  }
}

/**
 * Runs one fs call of the walk on `dir`, turning its error (a folder nobody may read, a path past PATH_MAX, a
 * folder removed while walked) into an InputError naming the folder, exit 2: it is the tree's state, not a bug.
 */
function listing<T>(dir: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    const code = systemErrorCode(e);
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENAMETOOLONG'
          ? `its path is ${Buffer.byteLength(dir)} bytes long, past the system's limit (PATH_MAX)`
          : code === 'ENOENT'
            ? 'it no longer exists'
            : code === 'ELOOP'
              ? 'too many levels of symlinks'
              : (code ?? (e as Error).message);
    throw new InputError('INPUT', `cannot read the folder ${shortPath(dir)}: ${why}`, {
      cause: e,
      hint: `Subjects under a folder are every file below it: ${code === 'EACCES' || code === 'EPERM' ? 'make the folder readable, or ' : ''}name the subjects more narrowly.`,
    });
  }
}

/** A path short enough for one line: a path past PATH_MAX is 4 KB, so its middle is left out. */
function shortPath(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 80)}...${path.slice(-80)}`;
}

function assertUtf8Names(dir: string): void {
  for (const raw of listing(dir, () => readdirSync(dir, { encoding: 'buffer' }))) {
    if (isUtf8(raw)) continue;
    const shown = `${describeBytes(Buffer.from(dir))}/${describeBytes(raw)}`;
    throw new InputError('SUBJECT_NAME', `file name ${JSON.stringify(shown).replace(/\\\\x/g, '\\x')} is not valid UTF-8`, {
      hint: 'A subject name is recorded as UTF-8 text; sscs does not guess what other bytes meant. Rename the file.',
    });
  }
}
