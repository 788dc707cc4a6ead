import { lstat, open, opendir, readlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { InputError, systemErrorCode } from '../errors.js';
import { Collector, FileBuffer } from './collect.js';
import { HEAD_BYTES, evidence } from './files.js';
import { isInside } from '../io/files.js';

/** Folders npm never packs: scanning a checked-out or installed package looks at what would be published. */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/** Walks an unpacked package folder under the same limits as a tarball; links are reported, never followed. */
export async function readDirectory(dir: string, collector: Collector): Promise<void> {
  const root = resolve(dir);
  try {
    if (!(await lstat(root)).isDirectory()) throw new InputError('INPUT', 'not a directory', { where: { file: dir } });
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = systemErrorCode(e);
    throw new InputError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'INPUT', code === 'ENOENT' ? 'package folder not found' : (e as Error).message, { where: { file: dir }, cause: e });
  }
  const pending = [root];
  while (pending.length > 0 && !collector.stopped) {
    const current = pending.pop()!;
    for await (const dirent of await opendir(current)) {
      const abs = join(current, dirent.name);
      const path = relative(root, abs).split('\\').join('/');
      if (!collector.countEntry(path) || !collector.checkPath(path)) break;
      if (dirent.isDirectory()) {
        if (!SKIPPED_DIRS.has(dirent.name)) pending.push(abs);
      } else if (dirent.isSymbolicLink()) {
        const target = await readlink(abs);
        const inside = isInside(root, resolve(current, target));
        collector.add(inside
          ? { rule: 'tar-link', severity: 'low', file: path, evidence: evidence(`${path} -> ${target}`), message: 'package holds a link (npm does not pack links; it was added by other means)' }
          : { rule: 'tar-link-escape', severity: 'high', file: path, evidence: evidence(`${path} -> ${target}`), message: 'symbolic link points outside the package' });
      } else if (dirent.isFile()) {
        await readOne(abs, path, collector);
      } else {
        collector.add({ rule: 'tar-special-file', severity: 'medium', file: path, evidence: 'special file', message: 'package holds a device, socket or FIFO, which no npm package needs' });
      }
      if (collector.stopped) break;
    }
  }
}

async function readOne(abs: string, path: string, collector: Collector): Promise<void> {
  const fh = await open(abs, 'r');
  try {
    const { size, mode } = await fh.stat();
    if (!collector.countBytes(size, path)) return;
    const wantText = collector.wantsText(path, size);
    const length = wantText ? size : Math.min(size, HEAD_BYTES);
    const buf = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await fh.read(buf, read, length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const fb = new FileBuffer(wantText);
    fb.push(buf.subarray(0, read));
    collector.addFile(fb.finish(path, size, mode));
  } finally {
    await fh.close();
  }
}

