import type { FoundFile } from './walk.js';

/**
 * The files the subject patterns found, by subject name, in the order first found (a name found again by a later
 * pattern keeps its place and takes the later file, as a Map would). Held as parallel arrays, with a record only
 * for what is not a plain regular file: on 10,000 files a map of one record per file cost 40,000 objects, their
 * garbage collection, and a hash of every name (callgrind on bench/fixed-costs.mjs).
 */
export class FoundFiles {
  /** Subject names. */
  readonly names: string[] = [];
  /** The path to read for each name: the file itself, or a symlink's target. */
  readonly contents: string[] = [];
  /** Entries that are not plain regular files (symlinks to files, FIFOs, sockets, devices), by index. */
  readonly others = new Map<number, FoundFile>();
  /**
   * False once a name is not after the one before it in JavaScript's comparison (UTF-16 order): byte order unless a
   * name holds a code unit from U+D800 up, where the caller checks again (subjects/order.ts).
   */
  ordered = true;
  /** Index by name, built when a second pattern may find names again. */
  private index: Map<string, number> | undefined;

  get size(): number {
    return this.names.length;
  }

  /** Starts reporting names found again (before a second pattern): they replace their earlier file, in place. */
  allowRepeats(): void {
    this.index ??= new Map(this.names.map((n, i) => [n, i]));
  }

  add(name: string, path: string, other: FoundFile | undefined): void {
    const at = this.index?.get(name);
    if (at !== undefined) {
      this.contents[at] = other ? other.realPath : path;
      if (other) this.others.set(at, other);
      else this.others.delete(at);
      return;
    }
    const i = this.names.length;
    if (i > 0 && this.ordered && !((this.names[i - 1] as string) < name)) this.ordered = false;
    this.names.push(name);
    this.contents.push(other ? other.realPath : path);
    if (other) this.others.set(i, other);
    this.index?.set(name, i);
  }
}
