/**
 * A fetch Response's body read whole under a byte bound, for every download the check makes (packuments, index
 * pages, tarballs, distribution files): a declared length over the bound is refused before anything is read, an
 * actual one as soon as it passes it, and a body that breaks off or times out is a ServiceError (NETWORK or
 * TIMEOUT) naming what was read, never a raw stream error.
 */
import { ServiceError } from '../errors.js';

/** `what` names the body in messages, e.g. `packument at https://registry.npmjs.org`, `tarball of a@1.0.0`. */
export async function readResponseBody(res: Response, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ServiceError('SERVICE', `${what} is ${declared} bytes, over the limit of ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new ServiceError('SERVICE', `${what} is over the limit of ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    // AbortSignal.timeout() raises TimeoutError; an abort without a reason, AbortError.
    const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
    throw new ServiceError(timedOut ? 'TIMEOUT' : 'NETWORK', `${what}: the download ${timedOut ? 'timed out' : 'broke off'}`, { cause: e });
  }
  return Buffer.concat(chunks);
}
