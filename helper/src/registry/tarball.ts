import { createHash } from 'node:crypto';
import { ServiceError, VerificationError } from '../errors.js';
import type { ResolvedPackage } from '../deps/model.js';
import { registryFor, type RegistryConfig } from './npmrc.js';

/** npm caps published tarballs well below this; anything larger is refused rather than buffered. */
export const MAX_TARBALL_BYTES = 256 * 1024 * 1024;
export const TARBALL_TIMEOUT_MS = 60_000;

/** The tarball URL: the lockfile's `resolved` when it is http(s), else the registry's conventional path. */
export function tarballUrl(config: RegistryConfig, pkg: Pick<ResolvedPackage, 'name' | 'version' | 'resolved'>): string {
  if (pkg.resolved && /^https?:\/\//.test(pkg.resolved)) return pkg.resolved;
  const { url } = registryFor(config, pkg.name);
  const base = pkg.name.startsWith('@') ? pkg.name.slice(pkg.name.indexOf('/') + 1) : pkg.name;
  return `${url}${pkg.name}/-/${base}-${pkg.version}.tgz`;
}

/**
 * Downloads a tarball (bounded, with a timeout) and checks it against the lockfile's integrity when there is
 * one, so that what is scanned is what would be installed. The token goes only to its own registry.
 */
export async function fetchTarball(config: RegistryConfig, pkg: Pick<ResolvedPackage, 'name' | 'version' | 'resolved' | 'integrity'>): Promise<Buffer> {
  const url = tarballUrl(config, pkg);
  const target = registryFor(config, pkg.name);
  const sameOrigin = new URL(url).origin === new URL(target.url).origin;
  let res: Response;
  try {
    res = await fetch(url, { headers: target.authorization && sameOrigin ? { authorization: target.authorization } : {}, signal: AbortSignal.timeout(TARBALL_TIMEOUT_MS) });
  } catch (e) {
    throw new ServiceError('NETWORK', `cannot download ${pkg.name}@${pkg.version} from ${new URL(url).origin}`, { cause: e });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ServiceError('HTTP_STATUS', `download of ${pkg.name}@${pkg.version} answered ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += chunk.byteLength;
    if (total > MAX_TARBALL_BYTES) throw new ServiceError('SERVICE', `tarball of ${pkg.name}@${pkg.version} is over ${MAX_TARBALL_BYTES} bytes`);
    chunks.push(chunk);
  }
  const data = Buffer.concat(chunks);
  if (pkg.integrity) checkIntegrity(data, pkg.integrity, `${pkg.name}@${pkg.version}`);
  return data;
}

/** Subresource integrity: at least one `alg-base64` entry with a supported algorithm must match. */
function checkIntegrity(data: Buffer, integrity: string, what: string): void {
  const entries = integrity.trim().split(/\s+/).map((e) => /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(e)).filter((m): m is RegExpExecArray => m !== null);
  if (!entries.length) return;
  if (!entries.some(([, alg, digest]) => createHash(alg!).update(data).digest('base64') === digest)) {
    throw new VerificationError('INTEGRITY', `tarball of ${what} does not match the lockfile's integrity`);
  }
}
