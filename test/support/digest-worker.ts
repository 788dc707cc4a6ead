import { Worker } from 'node:worker_threads';
import { DIGEST_BYTES, FILE_DONE, WORKER_SOURCE, sharedDigests } from '../../helper/src/subjects/digest-worker.js';
import type { DigestAlgorithm, DigestSet } from '../../helper/src/subjects/digest.js';

/**
 * Runs the digest worker's own code over `paths` with no main thread claiming any file, and reads its digests
 * back from the shared memory; `states` are each file's final state. Files it could not read have no digests.
 */
export async function digestOnWorkerAlone(
  paths: readonly string[],
  algorithms: readonly DigestAlgorithm[],
  order?: readonly number[],
): Promise<DigestSet[] & { states?: number[] }> {
  const shared = sharedDigests(paths.length, algorithms);
  if (order) shared.order.set(order);
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  await new Promise<void>((resolve, reject) => {
    worker.on('exit', () => resolve());
    worker.on('error', reject);
    worker.postMessage({ sab: shared.sab, count: paths.length, paths: paths.join('\0'), algorithms, ordered: order !== undefined });
  });
  const states = [...shared.states];
  const out: DigestSet[] & { states?: number[] } = paths.map((_, i) => {
    const set: DigestSet = {};
    if (states[i] !== FILE_DONE) return set;
    let at = i * shared.width;
    for (const a of algorithms) {
      set[a] = shared.digests.toString('hex', at, at + DIGEST_BYTES[a]);
      at += DIGEST_BYTES[a];
    }
    return set;
  });
  out.states = states;
  return out;
}
