import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { resolveInRoot } from '../io/files.js';

export { resolveInRoot };

/** Bound on the folders one walk visits, so that a pattern over a huge tree fails clearly. */
export const MAX_WALK_FOLDERS = 100_000;

export interface FoundFile {
  /** Absolute path of the file as found (may be a symlink inside the root). */
  path: string;
  /** Absolute path of the content: the symlink's target, always inside the root. */
  realPath: string;
  size: number;
}

// The walk uses synchronous fs calls on purpose: a CLI walking ten thousand files spends most of its time
// in per-call round trips through the thread pool otherwise (measured: 4x slower on bench/digest.mjs).

/**
 * Lists every regular file under `dir`, recursively, in a deterministic (byte-wise sorted) order.
 * Symlinks are resolved and must stay inside `root`; a folder reached twice (a symlink loop) is walked once.
 */
export function walkFiles(root: string, dir: string, onFile: (f: FoundFile, relFromDir: string) => void, seen = new Set<string>(), prefix = ''): void {
  const realDir = realpathSync(dir);
  if (seen.has(realDir)) return;
  seen.add(realDir);
  if (seen.size > MAX_WALK_FOLDERS) throw new InputError('LIMIT', `more than ${MAX_WALK_FOLDERS} folders under ${root}`);
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareBytes(a.name, b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink()) {
      const target = resolveInRoot(root, path);
      if (target.isDirectory) walkFiles(root, path, onFile, seen, rel);
      else onFile({ path, realPath: target.realPath, size: target.size }, rel);
    } else if (entry.isDirectory()) {
      walkFiles(root, path, onFile, seen, rel);
    } else if (entry.isFile()) {
      onFile({ path, realPath: path, size: lstatSync(path).size }, rel);
    }
    // Sockets, FIFOs and devices are not build outputs: skipped.
  }
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
