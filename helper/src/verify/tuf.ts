import { join } from 'node:path';
import { ServiceError, isSscsError } from '../errors.js';
import { parseJson } from '../io/files.js';
import { validateTrustedRoot } from './trusted-root.js';

/** Network bound of one TUF fetch, and of the whole refresh: verification never hangs on an unreachable mirror. */
export const DEFAULT_TUF_TIMEOUT_MS = 10_000;
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TRUSTED_ROOT_TARGET = 'trusted_root.json';

export interface TufOptions {
  cacheDir: string;
  mirrorUrl?: string;
  /** Initial root.json for a mirror other than public-good (whose root ships inside @sigstore/tuf). */
  rootPath?: string;
  timeoutMs: number;
}

/** XDG_CACHE_HOME/sscs/tuf, else HOME/.cache/sscs/tuf. */
export function defaultTufCacheDir(env: NodeJS.ProcessEnv, cwd: string): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'sscs', 'tuf');
  if (env.HOME) return join(env.HOME, '.cache', 'sscs', 'tuf');
  return join(cwd, '.cache', 'sscs', 'tuf');
}

/**
 * Fetches the trusted root through TUF (public-good by default), updating the local cache, and validates it
 * like a --trusted-root file. Bounded by `timeoutMs` overall, whatever the retries underneath do.
 */
export async function fetchTrustedRoot(opts: TufOptions): Promise<unknown> {
  const mirror = opts.mirrorUrl ?? PUBLIC_GOOD_TUF_MIRROR;
  const hint = 'Pass --trusted-root trusted_root.json to verify offline, or check that the TUF mirror is reachable.';
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ServiceError('TIMEOUT', `TUF mirror ${mirror} did not answer within ${opts.timeoutMs} ms`, { hint })), opts.timeoutMs);
  });
  try {
    const text = await Promise.race([
      (async () => {
        const tuf = await import('@sigstore/tuf');
        const client = await tuf.initTUF({
          cachePath: opts.cacheDir,
          mirrorURL: mirror,
          ...(opts.rootPath ? { rootPath: opts.rootPath } : {}),
          retry: false,
          timeout: opts.timeoutMs,
        });
        return client.getTarget(TRUSTED_ROOT_TARGET);
      })(),
      deadline,
    ]);
    const json = parseJson(text, { file: `${mirror} ${TRUSTED_ROOT_TARGET}` }, 'trusted root');
    validateTrustedRoot(json, `${mirror} ${TRUSTED_ROOT_TARGET}`);
    return json;
  } catch (e) {
    if (isSscsError(e)) throw e;
    throw new ServiceError('NETWORK', `cannot get the trusted root from TUF mirror ${mirror}: ${(e as Error).message}`, { cause: e, hint });
  } finally {
    clearTimeout(timer);
  }
}
