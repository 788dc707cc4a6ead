import { constants, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Dirent, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve, relative, isAbsolute, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, systemErrorCode } from '../errors.js';
import { brokenLinkError } from './broken-link.js';
import { assertNoSecret } from './secrets.js';

/**
 * node:fs/promises, loaded on first use: it brings readline and the file watchers with it (ten built-in modules,
 * about 1 ms of every start), which `sscs digest` and `sscs provenance` on files never use.
 */
const fsp = () => import('node:fs/promises');

/** Default bound for JSON/YAML documents read from users: provenance, policies, bundles, lockfiles. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a whole file, refusing files larger than `maxBytes` before reading them, so that untrusted input
 * cannot exhaust memory. Errors name the file.
 */
export async function readFileBounded(path: string, maxBytes = DEFAULT_MAX_DOCUMENT_BYTES, what = 'file'): Promise<Buffer> {
  let fh;
  try {
    fh = await openRegularFile(path, what);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = systemErrorCode(e);
    if (code === 'ENOENT') throw new InputError('FILE_NOT_FOUND', `${what} not found`, { where: { file: path }, cause: e });
    if (code === 'EISDIR') throw new InputError('INPUT', `${what} is a directory, not a file`, { where: { file: path }, cause: e });
    throw new InputError('INPUT', `cannot read ${what}: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) {
      throw new InputError('FILE_TOO_LARGE', `${what} is ${size} bytes, over the limit of ${maxBytes}`, { where: { file: path } });
    }
    // Read up to maxBytes + 1 so that a file growing under us is still caught.
    const buf = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new InputError('FILE_TOO_LARGE', `${what} is over the limit of ${maxBytes} bytes`, { where: { file: path } });
      if (total === buf.length) break;
    }
    return buf.subarray(0, total);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = systemErrorCode(e);
    if (code === 'EISDIR') throw new InputError('INPUT', `${what} is a directory, not a file`, { where: { file: path }, cause: e });
    throw new InputError('INPUT', `cannot read ${what}: ${(e as Error).message}`, { where: { file: path }, cause: e });
  } finally {
    await fh.close();
  }
}

/** As readFileBounded, but a file that does not exist is `undefined` (optional configuration files). */
export async function readFileIfExists(path: string, maxBytes: number, what: string): Promise<Buffer | undefined> {
  try {
    return await readFileBounded(path, maxBytes, what);
  } catch (e) {
    if (e instanceof InputError && e.code === 'FILE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** Reads and parses a JSON file; a syntax error names the file and, where Node reports it, the line. */
export async function readJsonFile(path: string, what = 'JSON file', maxBytes = DEFAULT_MAX_DOCUMENT_BYTES): Promise<unknown> {
  const text = (await readFileBounded(path, maxBytes, what)).toString('utf8');
  return parseJson(text, { file: path }, what);
}

/**
 * The bytes as UTF-8 text, refusing invalid sequences: JSON (RFC 8259 8.1) and YAML lockfiles are UTF-8, and a
 * lossy decode would turn a name with a stray byte into another name silently. The error names the line.
 */
export function decodeUtf8(buf: Buffer, file: string, what = 'file'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch (e) {
    const lossy = buf.toString('utf8');
    const line = lossy.slice(0, Math.max(0, lossy.indexOf('\uFFFD'))).split('\n').length;
    throw new InputError('MALFORMED', `${what} is not valid UTF-8`, { where: { file, line }, cause: e });
  }
}

export function parseJson(text: string, where: { file?: string }, what = 'JSON'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let line: number | undefined;
    let column: number | undefined;
    if (pos) {
      const upTo = text.slice(0, Number(pos[1]));
      line = upTo.split('\n').length;
      column = upTo.length - upTo.lastIndexOf('\n');
    }
    throw new InputError('MALFORMED', `${what} is not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/s, '')}`, {
      where: { ...where, ...(line !== undefined ? { line, column } : {}) },
      cause: e,
    });
  }
}

/**
 * Refuses an output path that exists and is not a regular file, as lstat sees it (the path itself, not where it
 * leads): the rename below would replace a symlink (`-o /dev/stdout`, as root, replaced the system's link with a
 * file), a device node or a FIFO, and writing into a FIFO in place blocks until something reads it. Only a
 * regular file or a new path is written. The CLI refuses these before a command runs (cli/args.ts); this is the
 * last word, for every caller.
 */
function refuseNotRegular(st: Stats | undefined, path: string): void {
  if (!st || st.isFile()) return;
  if (st.isDirectory()) throw new InputError('INPUT', 'cannot write: the output path is a folder, not a file', { where: { file: path } });
  throw new InputError('NOT_A_FILE', `cannot write: the output path is a ${fileKind(st)}, not a regular file (sscs neither writes through nor replaces it)`, {
    where: { file: path },
    hint: 'Name a regular file, or a path that does not exist yet.',
  });
}

/**
 * Writes a file atomically (temp file then rename), creating parent folders, so that a reader never sees a
 * half-written provenance or bundle, and a failure leaves any previous file intact.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const { lstat, writeFile } = await fsp();
  refuseNotRegular(await lstat(path).catch(() => undefined), path);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await ensureDir(dirname(path));
    const { rename } = await fsp();
    await writeFile(tmp, data, { mode });
    await rename(tmp, path);
  } catch (e) {
    await fsp()
      .then(({ rm }) => rm(tmp, { force: true }))
      .catch(() => undefined);
    throw new InputError('INPUT', `cannot write: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
}

/**
 * writeFileAtomic with synchronous calls, for a command's one output file: the event loop has nothing else to
 * do, and the asynchronous write costs a thread-pool round trip per 512 KiB (a 1.2 MB provenance of 10,000
 * subjects: 3.1-3.7 ms of CPU against 1.5-1.8 ms, loaded machine). Same folders, temp file and errors.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  let existing: Stats | undefined;
  try {
    existing = lstatSync(path);
  } catch {
    existing = undefined;
  }
  refuseNotRegular(existing, path);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    ensureDirSync(dirname(path));
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* as writeFileAtomic: the write's error is the one to report */
    }
    throw new InputError('INPUT', `cannot write: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
}

/**
 * Creates a folder and its missing parents, one level at a time. Node's `mkdir({ recursive: true })` loops
 * for ever under a pseudo file system such as /proc (seen on Node 22.23), so it is not used.
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await makeFolders(dir);
  } catch (e) {
    // A folder setting that names a file, or a parent nobody may write, is the user's input: say which.
    // The message names the path that stopped it (`/srv/x is not a folder`, `EACCES ... mkdir '/srv'`).
    throw new InputError('INPUT', (e as Error).message, { where: { file: dir }, cause: e });
  }
}

/** ensureDir with synchronous calls (writeFileAtomicSync). */
function ensureDirSync(dir: string): void {
  const missing: string[] = [];
  try {
    for (let cur = dir; ; ) {
      try {
        if (!statSync(cur).isDirectory()) throw Object.assign(new Error(`${cur} is not a folder`), { code: 'ENOTDIR' });
        break;
      } catch (e) {
        if (systemErrorCode(e) !== 'ENOENT') throw e;
        missing.push(cur);
        const parent = dirname(cur);
        if (parent === cur) break;
        cur = parent;
      }
    }
    for (const d of missing.reverse()) {
      try {
        mkdirSync(d);
      } catch (e) {
        if (systemErrorCode(e) !== 'EEXIST') throw e;
      }
    }
  } catch (e) {
    throw new InputError('INPUT', (e as Error).message, { where: { file: dir }, cause: e });
  }
}

async function makeFolders(dir: string): Promise<void> {
  const { mkdir, stat } = await fsp();
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    try {
      if (!(await stat(cur)).isDirectory()) throw Object.assign(new Error(`${cur} is not a folder`), { code: 'ENOTDIR' });
      break;
    } catch (e) {
      if (systemErrorCode(e) !== 'ENOENT') throw e;
      missing.push(cur);
      const parent = dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if (systemErrorCode(e) !== 'EEXIST') throw e;
    }
  }
}

/** True when `child` is `root` or lies inside it (both absolute, already resolved). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Resolves a user-given path against `cwd` and refuses one that leaves `root`. */
export function resolveInside(root: string, cwd: string, userPath: string, what = 'path'): string {
  const abs = resolve(cwd, userPath);
  if (!isInside(root, abs)) {
    throw new InputError('PATH_ESCAPE', `${what} '${userPath}' is outside ${root}`, { where: { file: userPath } });
  }
  return abs;
}

/**
 * Resolves `path` (absolute) to the real file or folder it names, refusing anything that resolves outside
 * `root`: a symlink may point within the project, never out of it.
 */
export function resolveInRoot(root: string, path: string): { realPath: string; isDirectory: boolean; size: number; kind: FileKind } {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    throw brokenLinkError(path, e) ?? new InputError('FILE_NOT_FOUND', `no such file or folder`, { where: { file: path }, cause: e });
  }
  // The root may itself sit behind a symlink (a runner's /builds, a macOS /tmp): compare real paths.
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    /* a root that does not exist holds nothing: the comparison below refuses */
  }
  if (!isInside(realRoot, real)) {
    throw new InputError('PATH_ESCAPE', `resolves to ${real}, outside the project folder ${root}`, {
      where: { file: path },
      hint: 'sscs reads only files of the project: it does not follow symlinks out of the project folder.',
    });
  }
  const st = statSync(real);
  return { realPath: real, isDirectory: st.isDirectory(), size: st.size, kind: fileKind(st) };
}

/** What a path is, in the words `ls -l` and `find -type` use; only `file` can be read without blocking. */
export type FileKind = 'file' | 'folder' | 'symlink' | 'FIFO' | 'socket' | 'character device' | 'block device';

export function fileKind(st: Stats | Dirent): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'folder';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  return st.isCharacterDevice() ? 'character device' : 'block device';
}

/**
 * Refuses anything but a regular file: opening a FIFO blocks until someone writes to it, and a device can
 * be endless, so reading either would hang the job until it times out.
 */
export function assertRegularFile(kind: FileKind, file: string, what = 'file'): void {
  if (kind === 'file') return;
  throw new InputError('NOT_A_FILE', `${what} is a ${kind}, not a regular file`, { where: { file } });
}

/**
 * Opens `path` for reading only when it is a regular file (after symlinks). The open is non-blocking, so a
 * FIFO named here is refused at once instead of hanging until something writes to it, and the type is read
 * from the open descriptor (fstat), so nothing can swap the file between the check and the read.
 * Errors: InputError NOT_A_FILE for anything else; system errors from open() are thrown as they are.
 */
export async function openRegularFile(path: string, what = 'file'): Promise<FileHandle> {
  const fh = await (await fsp()).open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const kind = fileKind(await fh.stat());
    if (kind === 'folder') throw new InputError('INPUT', `${what} is a directory, not a file`, { where: { file: path } });
    assertRegularFile(kind, path, what);
    return fh;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Writes a file that sscs produces for people or other tools (statements, reports, VSAs, bundles), refusing
 * one that holds the value of a secret variable of `env` (io/secrets.ts), atomically otherwise.
 */
export async function writeOutputFile(path: string, data: string | Uint8Array, env: NodeJS.ProcessEnv, what = 'this file'): Promise<void> {
  assertNoSecret(data, env, { file: path, what });
  await writeFileAtomic(path, data);
}
