import { read } from 'node:fs';
import type { Hash } from 'node:crypto';

/**
 * Feeds the rest of an open file to `hashes`, each chunk read on the thread pool while the chunk before it is
 * hashed on this thread, so that copying a large file out of the page cache overlaps SHA-256 instead of adding
 * to it (as in a read-then-hash loop: `openssl dgst`, `sha256sum`). `buffers` are two buffers of one size that
 * the caller no longer needs; whatever it read already it has hashed. It reads until a read returns 0 bytes,
 * as the synchronous loop does, or until it has read more than `limit` bytes (a file growing while it is read:
 * the caller refuses it), and returns the bytes it read. Read errors are thrown as they are. It returns or throws
 * only once no read is outstanding, so that the caller may close `fd` at once.
 */
export async function hashRestReadAhead(fd: number, hashes: readonly Hash[], buffers: readonly [Buffer, Buffer], limit = Number.MAX_SAFE_INTEGER): Promise<number> {
  let [next, spare] = buffers;
  let pending: Promise<number> | undefined = readChunk(fd, next);
  let total = 0;
  try {
    for (;;) {
      const n = await pending;
      pending = undefined;
      if (n === 0) return total;
      total += n;
      if (total > limit) return total;
      const full = next;
      next = spare;
      spare = full;
      pending = readChunk(fd, next);
      const chunk = n === full.length ? full : full.subarray(0, n);
      for (const h of hashes) h.update(chunk);
    }
  } finally {
    // A read still running must not outlive the descriptor it reads: wait for it, whatever it brings.
    if (pending) await pending.catch(() => undefined);
  }
}

function readChunk(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));
}
