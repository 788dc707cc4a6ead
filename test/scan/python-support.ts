import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { scanPythonDistribution, type ScanReport } from '../../helper/src/scan/index.js';
import { buildSdist, buildWheel } from '../support/pypi-dist.js';
import { tempDir } from './support.js';

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

/**
 * For one test file: a temporary folder (made before its tests, removed after) and builders that write a wheel or an
 * sdist of `files` there, each under a name of its own (or the wheel's `name`, for files that must name it), and scan it.
 */
export function scannedDistributions(): { wheel(files: Record<string, string>, name?: string): Promise<ScanReport>; sdist(files: Record<string, string>): Promise<ScanReport> } {
  let work: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work.cleanup());
  let n = 0;
  return {
    wheel: async (files, name) => scanPythonDistribution(await makeWheel(work.dir, name ?? `w${n++}`, files), 'wheel'),
    sdist: async (files) => scanPythonDistribution(await makeSdist(work.dir, `s${n++}`, files), 'sdist'),
  };
}

/** A report's findings as `severity rule file:line` lines. */
export const findingSummary = (r: ScanReport): string[] => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line ?? '-'}`);
