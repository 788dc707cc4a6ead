import { basename } from 'node:path';
import { InputError } from '../errors.js';

export type InputFormat = 'npm' | 'pnpm' | 'yarn' | 'cyclonedx';

const BY_NAME: Record<string, InputFormat> = {
  'package-lock.json': 'npm',
  'npm-shrinkwrap.json': 'npm',
  '.package-lock.json': 'npm',
  'pnpm-lock.yaml': 'pnpm',
  'yarn.lock': 'yarn',
};

/** How much of the start of a file the content sniffing looks at. */
const SNIFF_BYTES = 4096;

/**
 * The format of one input: from its file name when that is conclusive, else from its content (a renamed
 * lockfile, an SBOM under any name). Unknown content is an error naming the file, never a guess.
 */
export function detectFormat(file: string, text: string): InputFormat {
  const byName = BY_NAME[basename(file)];
  if (byName) return byName;
  const head = text.slice(0, SNIFF_BYTES).replace(/^\uFEFF/, '');
  if (/^\s*\{/.test(head)) {
    if (/"bomFormat"\s*:\s*"CycloneDX"/.test(text.slice(0, 64 * 1024))) return 'cyclonedx';
    if (/"lockfileVersion"\s*:/.test(head)) return 'npm';
  }
  if (/^lockfileVersion:\s*['"]?\d/m.test(head)) return 'pnpm';
  if (/^#\s+yarn\s+lockfile\s+v1\s*$/m.test(head) || /^__metadata:\s*$/m.test(head)) return 'yarn';
  throw new InputError('UNKNOWN_FORMAT', 'not a recognised dependency input (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock or a CycloneDX JSON SBOM)', {
    where: { file },
    hint: 'Pass a lockfile by its usual name, or a CycloneDX JSON SBOM with "bomFormat": "CycloneDX".',
  });
}
