import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSdist, buildWheel } from '../support/pypi-dist.js';

export { rawZip, type ZipItem } from '../support/archives.js';

/** A wheel (version 1.0) of `files` (paths as in site-packages) with its dist-info; returns its path. */
export async function makeWheel(dir: string, name: string, files: Record<string, string | Buffer>): Promise<string> {
  const built = buildWheel({ name, version: '1.0', files });
  const path = join(dir, built.filename);
  await writeFile(path, built.bytes);
  return path;
}

/** An sdist (version 1.0; .tar.gz or the legacy .zip, everything under `name-1.0/`, PKG-INFO at its top); returns its path. */
export async function makeSdist(dir: string, name: string, files: Record<string, string | Buffer>, format: 'tar.gz' | 'zip' = 'tar.gz'): Promise<string> {
  const built = buildSdist({ name, version: '1.0', files }, format);
  const path = join(dir, built.filename);
  await writeFile(path, built.bytes);
  return path;
}
