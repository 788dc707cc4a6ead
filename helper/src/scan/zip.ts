import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { InputError } from '../errors.js';
import { Collector, FileBuffer } from './collect.js';
import { checkpoint } from './checkpoint.js';
import { evidence, HEAD_BYTES, isTextCandidate, stripFirstComponent } from './files.js';
import { escapesRoot } from './tarball.js';

/**
 * A deflated entry that claims to expand more than this many times is not inflated (a zip bomb): real text
 * compresses 3-10x, a file of one repeated byte ~1000x.
 */
export const MAX_COMPRESSION_RATIO = 200;
/** Entries this small may have any ratio (an empty `__init__.py` stored in 2 bytes). */
const RATIO_FLOOR_BYTES = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const UNIX_HOST = 3;
/** Longest symbolic link target read. */
const MAX_LINK_TARGET = 4096;
const STORED = 0;
const DEFLATED = 8;

export interface ZipOptions {
  /** Drop the first path component (an sdist's `name-version/` folder); a wheel's paths are kept. */
  stripTop: boolean;
}

/**
 * Reads a zip archive (a wheel, or an sdist in .zip form) into the collector without extracting it, under the
 * same bounds as the tar reader: entry count (checked against the central directory before anything is
 * inflated), total and per-file uncompressed bytes (the declared sizes, which yauzl holds each entry to as it
 * inflates), a compression ratio bound, path traversal, links and special files. Entry names are read raw:
 * yauzl would refuse the whole archive on an absolute or `..` name, which is a finding here. Bad input (not a
 * zip, a damaged directory) throws InputError.
 */
export async function readZip(file: string, collector: Collector, opts: ZipOptions): Promise<void> {
  const where = { file };
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false, strictFileNames: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('FILE_NOT_FOUND', 'package not found', { where, cause: e });
    throw new InputError('MALFORMED', `not a readable zip archive: ${(e as Error).message}`, { where, cause: e });
  }
  try {
    if (zip.entryCount > collector.limits.maxEntries) {
      // Known from the central directory before any entry is read: stop at once, as the tar reader does there.
      collector.entries = Math.max(collector.entries, collector.limits.maxEntries);
      collector.countEntry(`(central directory: ${zip.entryCount} entries)`);
      return;
    }
    const seen = new Set<string>();
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry || collector.stopped) break;
      checkpoint();
      await onEntry(zip, entry, collector, seen, opts);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('MALFORMED', `not a readable zip archive: ${(e as Error).message}`, { where, cause: e });
  } finally {
    zip.close();
  }
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(undefined));
    const onError = (e: Error) => (cleanup(), reject(e));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
}

async function onEntry(zip: ZipFile, entry: Entry, c: Collector, seen: Set<string>, opts: ZipOptions): Promise<void> {
  const raw = entryName(entry);
  if (!c.countEntry(raw) || !c.checkPath(raw)) return;
  if (escapesRoot(raw)) {
    c.add({ rule: 'zip-path-traversal', severity: 'high', file: evidence(raw), evidence: evidence(raw), message: 'archive entry path leaves the install folder (absolute, a drive letter or `..`): an extraction would write outside it' });
    return;
  }
  if (seen.has(raw)) {
    // Installers disagree on which copy wins; the scan would judge one and the install use the other.
    c.add({ rule: 'zip-duplicate-entry', severity: 'high', file: evidence(raw), evidence: evidence(raw), message: 'the archive holds two entries with this name: what is scanned may not be what is installed' });
  }
  seen.add(raw);
  const path = opts.stripTop ? stripFirstComponent(raw) : raw;
  if (raw.endsWith('/')) return;
  const mode = (entry.versionMadeBy >> 8) === UNIX_HOST ? entry.externalFileAttributes >>> 16 : undefined;
  const type = mode === undefined ? S_IFREG : mode & S_IFMT;
  if (entry.isEncrypted()) {
    c.add({ rule: 'zip-encrypted', severity: 'medium', file: evidence(path), evidence: evidence(raw), message: 'encrypted entry: its content cannot be scanned (installers cannot read it either)' });
    c.unread.push(`${evidence(path, 0, 80)} is encrypted`);
    return;
  }
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    c.add({ rule: 'zip-unsupported', severity: 'medium', file: evidence(path), evidence: `method ${entry.compressionMethod}`, message: 'entry uses a compression method other than stored or deflate: not read' });
    c.unread.push(`${evidence(path, 0, 80)} uses compression method ${entry.compressionMethod}`);
    return;
  }
  if (!c.countBytes(entry.uncompressedSize, raw)) return;
  if (type === S_IFLNK) {
    const target = (await readEntry(zip, entry, MAX_LINK_TARGET)).toString('utf8');
    checkLink(raw, path, target, c);
    return;
  }
  if (type === S_IFDIR) return;
  if (type !== S_IFREG && type !== 0) {
    c.add({ rule: 'zip-special-file', severity: 'medium', file: evidence(path), evidence: `mode ${type.toString(8)}`, message: 'archive holds a special file (device, FIFO, socket), which no Python distribution needs' });
    return;
  }
  const size = entry.uncompressedSize;
  const bomb = entry.compressionMethod === DEFLATED && size > RATIO_FLOOR_BYTES && size > entry.compressedSize * MAX_COMPRESSION_RATIO;
  if (bomb && isTextCandidate(path)) {
    c.add({ rule: 'zip-compression-ratio', severity: 'medium', file: evidence(path), evidence: `${entry.compressedSize} -> ${size} bytes`, message: `entry expands more than ${MAX_COMPRESSION_RATIO} times (zip bomb?): not inflated` });
    c.unread.push(`${evidence(path, 0, 80)} expands ${Math.round(size / Math.max(1, entry.compressedSize))}x: not read`);
    return;
  }
  const wantText = !bomb && c.wantsText(path, size);
  const buffer = new FileBuffer(wantText);
  // A file only looked at for its magic number is inflated no further than its head.
  for (const chunk of [await readEntry(zip, entry, wantText ? size : HEAD_BYTES)]) buffer.push(chunk);
  c.addFile(buffer.finish(path, size, mode));
}

/** An entry's first `limit` bytes (the whole entry when limit is its size); yauzl checks size and CRC. */
async function readEntry(zip: ZipFile, entry: Entry, limit: number): Promise<Buffer> {
  const stream: Readable = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit && limit < entry.uncompressedSize) break;
    }
  } finally {
    stream.on('error', () => undefined);
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

function checkLink(raw: string, path: string, target: string, c: Collector): void {
  const resolved = posix.join(posix.dirname(raw), target);
  const outside = /^(?:[/\\]|[a-zA-Z]:)/.test(target) || resolved === '..' || resolved.startsWith('../');
  if (outside) {
    c.add({ rule: 'zip-link-escape', severity: 'high', file: evidence(path), evidence: evidence(`${raw} -> ${target}`), message: 'symbolic link points outside the package' });
  } else {
    c.add({ rule: 'zip-link', severity: 'low', file: evidence(path), evidence: evidence(`${raw} -> ${target}`), message: 'archive holds a symbolic link (installers write it as a file or follow it)' });
  }
}
