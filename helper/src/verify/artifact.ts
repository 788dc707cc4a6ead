import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, UsageError, systemErrorCode } from '../errors.js';
import { openRegularFile } from '../io/files.js';

/** Digest algorithms an artifact can be given or matched by; the names are in-toto's digest set keys. */
export const DIGEST_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
export type Digests = Partial<Record<DigestAlgorithm, string>>;

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST_ARG = /^(sha256|sha384|sha512):(.*)$/;

/** An artifact as given on the command line: a file to hash, or only its digest (`sha256:HEX`). */
export type ArtifactInput =
  | { kind: 'file'; name: string; path: string }
  | { kind: 'digest'; name: string; algorithm: DigestAlgorithm; hex: string };

export function parseArtifactArg(arg: string, cwd: string): ArtifactInput {
  const m = DIGEST_ARG.exec(arg);
  if (!m) return { kind: 'file', name: arg, path: resolve(cwd, arg) };
  const algorithm = m[1] as DigestAlgorithm;
  const hex = (m[2] ?? '').toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${HEX_LENGTH[algorithm]}}$`).test(hex)) {
    throw new UsageError('USAGE', `'${arg}' is not a ${algorithm} digest: expected ${algorithm}:<${HEX_LENGTH[algorithm]} hex digits>`);
  }
  return { kind: 'digest', name: arg, algorithm, hex };
}

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(name);
}

/** Hashes a file with each requested algorithm in one streaming pass, so artifacts of any size fit. */
export async function digestFile(path: string, algorithms: readonly DigestAlgorithm[]): Promise<Digests> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  try {
    // A FIFO or device named as the artifact is refused here, before a read that would block for ever.
    const fh = await openRegularFile(path, 'artifact');
    for await (const chunk of fh.createReadStream()) for (const [, h] of hashes) h.update(chunk as Buffer);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = systemErrorCode(e);
    if (code === 'ENOENT') throw new InputError('FILE_NOT_FOUND', 'artifact not found', { where: { file: path }, cause: e });
    if (code === 'EISDIR') throw new InputError('INPUT', 'artifact is a directory, not a file', { where: { file: path }, cause: e });
    throw new InputError('INPUT', `cannot read artifact: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
  return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')]));
}

/** The digests of an artifact in the algorithms asked for; a digest-only artifact has just the one it was given. */
export async function artifactDigests(artifact: ArtifactInput, algorithms: readonly DigestAlgorithm[]): Promise<Digests> {
  if (artifact.kind === 'digest') return { [artifact.algorithm]: artifact.hex };
  return digestFile(artifact.path, algorithms);
}

export async function artifactSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    throw new InputError(systemErrorCode(e) === 'ENOENT' ? 'FILE_NOT_FOUND' : 'INPUT', 'artifact not found', { where: { file: path }, cause: e });
  }
}

export function formatDigests(d: Digests): string {
  const [alg, hex] = Object.entries(d)[0] ?? [];
  return alg ? `${alg}:${hex}` : 'no digest';
}
