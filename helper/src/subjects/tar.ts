import { createReadStream } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { InputError } from '../errors.js';
import type { DigestAlgorithm } from './digest.js';
import type { Subject } from './subject.js';

/** Bounds on an archive whose members become subjects. */
export const MAX_TAR_MEMBERS = 100_000;

/**
 * Digests every regular file inside a tar archive (gzip detected), in one streaming pass without
 * extracting anything to disk. Member names are normalised, and names that would escape the archive root
 * (absolute or `..`) are rejected.
 */
export async function tarMemberSubjects(file: string, algorithms: readonly DigestAlgorithm[]): Promise<Subject[]> {
  const { Parser } = await import('tar');
  const { pipeline } = await import('node:stream/promises');
  const subjects: Subject[] = [];
  let count = 0;
  let failure: InputError | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      if (failure) return void entry.resume();
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') return void entry.resume();
      const name = entry.path.replace(/^\.\//, '');
      if (name.startsWith('/') || name.split('/').includes('..')) {
        failure = new InputError('PATH_ESCAPE', `archive member '${name}' escapes the archive root`, { where: { file } });
        return void entry.resume();
      }
      // The tar reader decodes names as UTF-8, replacing bad bytes with U+FFFD: two names could read as one.
      if (name.includes('\uFFFD')) {
        failure = new InputError('SUBJECT_NAME', `archive member ${JSON.stringify(name)} has a name that is not valid UTF-8`, { where: { file } });
        return void entry.resume();
      }
      if (++count > MAX_TAR_MEMBERS) {
        failure = new InputError('LIMIT', `more than ${MAX_TAR_MEMBERS} files in the archive`, { where: { file } });
        return void entry.resume();
      }
      const hashes: Hash[] = algorithms.map((a) => createHash(a));
      entry.on('data', (chunk: Buffer) => hashes.forEach((h) => h.update(chunk)));
      entry.on('end', () => {
        const digest: Subject['digest'] = {};
        algorithms.forEach((a, i) => (digest[a] = (hashes[i] as Hash).digest('hex')));
        subjects.push({ name, digest });
      });
    },
  });
  try {
    await pipeline(createReadStream(file), parser);
  } catch (e) {
    throw new InputError('MALFORMED', `cannot read tar archive: ${(e as Error).message}`, { where: { file }, cause: e });
  }
  if (failure) throw failure;
  return subjects;
}
