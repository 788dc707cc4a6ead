/**
 * Verified tarballs on disk, addressed by their integrity, so that a tarball is fetched and checked once.
 * A file only appears under its digest after the bytes matched it (temp file, then rename).
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { ensureDir } from '../io/files.js';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { ExpectedDigest } from './integrity.js';

/** Tarballs up to this size are also kept in memory: most npm tarballs are a few kB, and hot ones repeat. */
export const MAX_MEMORY_TARBALL_BYTES = 1024 * 1024;
export const DEFAULT_MEMORY_CACHE_BYTES = 64 * 1024 * 1024;

export interface CacheWriter {
  stream: WriteStream;
  tmpPath: string;
  /** Writes unless the writer was aborted or ended: chunks that arrive after a cut are dropped. */
  write(chunk: Buffer): void;
  /** Ends the file, then renames it under its digest; rejects (leaving nothing) when it was not fully written. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temp file once it is closed. Never rejects for the write's own errors. */
  abort(): Promise<void>;
}

export type Cached = { body: Buffer; size: number } | { stream: ReadStream; size: number };

export class TarballCache {
  readonly #dir: string;
  readonly #memory = new Map<string, Buffer>();
  readonly #maxMemory: number;
  #memoryBytes = 0;

  constructor(dir: string, maxMemoryBytes = DEFAULT_MEMORY_CACHE_BYTES) {
    this.#dir = dir;
    this.#maxMemory = maxMemoryBytes;
  }

  /** Names of the verified files on disk, so that a miss costs no system call. */
  readonly #onDisk = new Set<string>();
  /** Files whose bytes this process wrote after checking them, or read and checked against their name. */
  readonly #verified = new Set<string>();

  async init(): Promise<void> {
    await ensureDir(join(this.#dir, 'tmp'));
    for (const f of await readdir(this.#dir)) if (f.endsWith('.tgz')) this.#onDisk.add(join(this.#dir, f));
  }

  #path(d: ExpectedDigest): string {
    // base64url keeps the file name free of `/`.
    return join(this.#dir, `${d.algorithm}-${Buffer.from(d.digest, 'base64').toString('hex')}.tgz`);
  }

  /** Whether verified bytes of that digest are cached (in memory or on disk), without reading them. */
  has(d: ExpectedDigest): boolean {
    const path = this.#path(d);
    return this.#memory.has(path) || this.#onDisk.has(path);
  }

  async open(d: ExpectedDigest): Promise<Cached | undefined> {
    const path = this.#path(d);
    const hot = this.#memory.get(path);
    if (hot) {
      this.#memory.delete(path);
      this.#memory.set(path, hot);
      return { body: hot, size: hot.length };
    }
    if (!this.#onDisk.has(path)) return undefined;
    try {
      const { size } = await stat(path);
      if (!this.#verified.has(path)) {
        // Bytes this process did not write and check are checked before they are served: the folder may be
        // carried between jobs (firewall run's data folder in the GitLab cache), where an install could write it.
        if (!(await matches(path, d))) {
          await rm(path, { force: true });
          this.#onDisk.delete(path);
          return undefined;
        }
        this.#verified.add(path);
      }
      if (size > MAX_MEMORY_TARBALL_BYTES) return { stream: createReadStream(path), size };
      const body = await readFile(path);
      this.#remember(path, body);
      return { body, size: body.length };
    } catch {
      // Removed behind our back (a cache cleanup): fetch it again.
      this.#onDisk.delete(path);
      return undefined;
    }
  }

  #remember(path: string, body: Buffer): void {
    this.#memory.set(path, body);
    this.#memoryBytes += body.length;
    for (const [k, v] of this.#memory) {
      if (this.#memoryBytes <= this.#maxMemory) break;
      this.#memory.delete(k);
      this.#memoryBytes -= v.length;
    }
  }

  /**
   * A writer whose file becomes visible under the digest only on commit(). Its errors are always observed: a
   * download cut while a write is in flight fails that write after the stream is destroyed, and an unobserved
   * failure there would end the process (ERR_STREAM_DESTROYED).
   */
  writer(d: ExpectedDigest): CacheWriter {
    const tmpPath = join(this.#dir, 'tmp', `${randomBytes(8).toString('hex')}.part`);
    const stream = createWriteStream(tmpPath);
    let failure: Error | undefined;
    // Committed or aborted: a later abort() (a handler's finally) has nothing left to do.
    let settled = false;
    stream.on('error', (e) => void (failure ??= e));
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    return {
      stream,
      tmpPath,
      write: (chunk) => {
        if (!stream.destroyed && !stream.writableEnded) stream.write(chunk);
      },
      commit: async () => {
        settled = true;
        if (!stream.writableEnded && !stream.destroyed) stream.end();
        await closed;
        if (failure || !stream.writableFinished) {
          await rm(tmpPath, { force: true });
          throw failure ?? new Error('the cache file was not completely written');
        }
        await rename(tmpPath, this.#path(d));
        this.#onDisk.add(this.#path(d));
        this.#verified.add(this.#path(d));
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        stream.destroy();
        // The file is closed (and any write in flight done) before it is removed, so nothing is left behind.
        await closed;
        await rm(tmpPath, { force: true });
      },
    };
  }
}

/** Whether the file's bytes have digest `d` (read as a stream: a cached tarball may be large). */
async function matches(path: string, d: ExpectedDigest): Promise<boolean> {
  const hash = createHash(d.algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64') === d.digest;
}
