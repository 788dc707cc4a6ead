/**
 * The digest worker's code, as a string for `new Worker(code, { eval: true })`. It uses only Node
 * built-ins, and it is a string rather than a file so that the single-file bundle stays one file.
 * It hashes each path of a batch as `digestFileSync` does (whole when it fits in 1 MiB, else streamed).
 */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash, hash } = require('node:crypto');
const buf = Buffer.allocUnsafe(1024 * 1024);
parentPort.on('message', ({ paths, algorithms }) => {
  const digests = [];
  for (const path of paths) {
    let fd;
    try {
      fd = openSync(path, 'r');
      const d = {};
      let filled = 0;
      let whole = false;
      for (;;) {
        const n = readSync(fd, buf, filled, buf.length - filled, null);
        if (n === 0) { whole = true; break; }
        filled += n;
        if (filled === buf.length) break;
      }
      if (whole) {
        for (const a of algorithms) d[a] = hash(a, buf.subarray(0, filled), 'hex');
      } else {
        const hashes = algorithms.map((a) => createHash(a).update(buf));
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) break;
          const chunk = n === buf.length ? buf : buf.subarray(0, n);
          for (const h of hashes) h.update(chunk);
        }
        algorithms.forEach((a, i) => { d[a] = hashes[i].digest('hex'); });
      }
      digests.push(d);
    } catch (e) {
      parentPort.postMessage({ ok: false, path, message: e.message });
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  parentPort.postMessage({ ok: true, digests });
});
parentPort.postMessage({ ready: true });
`;
