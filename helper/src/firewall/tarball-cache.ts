/**
 * Verified tarballs on disk, addressed by their integrity, so that a tarball is fetched and checked once.
 * A file only appears under its digest after the bytes matched it (temp file, then rename).
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ExpectedDigest } from './integrity.js';

export class TarballCache {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async init(): Promise<void> {
    await mkdir(join(this.#dir, 'tmp'), { recursive: true });
  }

  #path(d: ExpectedDigest): string {
    // base64url keeps the file name free of `/`.
    return join(this.#dir, `${d.algorithm}-${Buffer.from(d.digest, 'base64').toString('hex')}.tgz`);
  }

  async open(d: ExpectedDigest): Promise<{ stream: ReadStream; size: number } | undefined> {
    const path = this.#path(d);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return undefined;
    }
  }

  /** A writer whose file becomes visible under the digest only on commit(). */
  writer(d: ExpectedDigest): { stream: WriteStream; tmpPath: string; commit(): Promise<void>; abort(): Promise<void> } {
    const tmpPath = join(this.#dir, 'tmp', `${randomBytes(8).toString('hex')}.part`);
    const stream = createWriteStream(tmpPath);
    const finished = new Promise<void>((resolve, reject) => {
      stream.once('finish', resolve);
      stream.once('error', reject);
    });
    return {
      stream,
      tmpPath,
      commit: async () => {
        await finished;
        await rename(tmpPath, this.#path(d));
      },
      abort: async () => {
        stream.destroy();
        await rm(tmpPath, { force: true });
      },
    };
  }
}
