import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FlagSpecs, FlagValues, Io } from './command.js';
import { collectSubjects } from '../subjects/collect.js';
import type { DigestAlgorithm } from '../subjects/digest.js';
import type { Subject } from '../subjects/subject.js';
import { UsageError } from '../errors.js';

/** The subject flags shared by every command that digests build outputs. */
export const SUBJECT_FLAGS = {
  subject: { type: 'string', multiple: true, valueName: 'PATTERN', description: 'A file, folder (taken recursively) or glob (**, *, ?, [..], {a,b}), relative to the working folder.' },
  'subject-checksums': { type: 'string', multiple: true, valueName: 'FILE', description: 'A sha256sum/sha512sum file, GNU or BSD (--tag) format.' },
  image: { type: 'string', multiple: true, valueName: 'NAME@sha256:HEX', description: 'A container image by digest.' },
  'subject-tar': { type: 'string', multiple: true, valueName: 'FILE', description: 'A tar archive (gzip detected) whose member files are subjects.' },
  sha512: { type: 'boolean', description: 'Also compute SHA-512 digests (SHA-256 is always computed).' },
  'project-dir': { type: 'string', valueName: 'DIR', description: 'The project folder no subject may leave (default: $CI_PROJECT_DIR where it exists, else the working folder).' },
} as const satisfies FlagSpecs;

type SubjectFlagValues = FlagValues<typeof SUBJECT_FLAGS>;

export function hasSubjectFlags(f: SubjectFlagValues): boolean {
  return Boolean(f.subject?.length || f['subject-checksums']?.length || f.image?.length || f['subject-tar']?.length);
}

export async function subjectsFromFlags(f: SubjectFlagValues, io: Io, command: string): Promise<Subject[]> {
  if (!hasSubjectFlags(f)) {
    throw new UsageError('MISSING_ARGUMENT', `sscs ${command}: no subjects: give --subject, --subject-checksums, --image or --subject-tar`, {
      hint: `e.g. sscs ${command} --subject 'dist/**'`,
    });
  }
  // An empty value (an unset variable in the job) would resolve to the working folder and digest all of it.
  for (const flag of ['subject', 'subject-checksums', 'image', 'subject-tar'] as const) {
    if (f[flag]?.includes('')) throw new UsageError('USAGE', `--${flag} is empty: name what to digest, or leave the option out`, { hint: 'An empty value is often an unset variable in the job.' });
  }
  const algorithms: DigestAlgorithm[] = f.sha512 ? ['sha256', 'sha512'] : ['sha256'];
  return collectSubjects({
    patterns: f.subject ?? [],
    checksumFiles: f['subject-checksums'] ?? [],
    images: f.image ?? [],
    tarFiles: f['subject-tar'] ?? [],
    algorithms,
    root: projectRoot(f['project-dir'], io),
    cwd: io.cwd,
  });
}

/**
 * The folder no subject may leave. GitLab runs the job in $CI_PROJECT_DIR; a runner that names a folder
 * that does not exist here (gitlab-ci-local's shell isolation does) leaves the working folder as the root.
 */
function projectRoot(flag: string | undefined, io: Io): string {
  if (flag) return resolve(io.cwd, flag);
  const ci = io.env.CI_PROJECT_DIR;
  return ci && existsSync(ci) ? ci : io.cwd;
}
