import { createHash } from 'node:crypto';
import { ServiceError, VerificationError } from '../errors.js';
import type { ResolvedPackage } from '../deps/model.js';
import { registryFor, type RegistryConfig } from './npmrc.js';
import { readResponseBody } from './response-body.js';

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
  const data = await readResponseBody(res, MAX_TARBALL_BYTES, `tarball of ${pkg.name}@${pkg.version}`);
  if (pkg.integrity) checkIntegrity(data, pkg.integrity, `${pkg.name}@${pkg.version}`);
  return data;
}

/** Strongest first: as npm does, only the strongest algorithm the integrity names is checked. */
const INTEGRITY_ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha1'] as const;

/**
 * Subresource integrity, failing closed: an integrity with no algorithm sscs knows is an error, and only the
 * strongest algorithm listed counts (a weak sha1 match cannot stand in for a sha512 mismatch).
 */
function checkIntegrity(data: Buffer, integrity: string, what: string): void {
  const entries = integrity.trim().split(/\s+/).map((e) => /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(e)).filter((m): m is RegExpExecArray => m !== null);
  const strongest = INTEGRITY_ALGORITHMS.find((alg) => entries.some((m) => m[1] === alg));
  if (!strongest) throw new VerificationError('INTEGRITY', `the lockfile's integrity for ${what} names no algorithm sscs can check (sha512, sha384, sha256, sha1)`);
  const actual = createHash(strongest).update(data).digest('base64');
  if (!entries.some((m) => m[1] === strongest && m[2] === actual)) {
    throw new VerificationError('INTEGRITY', `tarball of ${what} does not match the lockfile's integrity`);
  }
}
