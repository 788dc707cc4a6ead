import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { c as createTar } from 'tar';
import { rawZip, type RawEntry } from '../support/archives.js';

/** A temporary folder removed after the file's tests. */
export async function tempDir(prefix = 'sscs-scan-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export type Tree = Record<string, string | Buffer>;

/**
 * Packs a small file tree as npm does (everything under `package/`, gzipped) with the tar library, from a
 * scratch folder inside `work`. Returns the tarball path.
 */
export async function packTree(work: string, name: string, manifest: Record<string, unknown>, files: Tree = {}): Promise<string> {
  const root = join(work, `${name}-tree`);
  const all: Tree = { 'package.json': `${JSON.stringify({ name, version: '1.0.0', ...manifest }, null, 2)}\n`, ...files };
  for (const [path, body] of Object.entries(all)) {
    await mkdir(dirname(join(root, 'package', path)), { recursive: true });
    await writeFile(join(root, 'package', path), body);
  }
  const out = join(work, `${name}.tgz`);
  await createTar({ gzip: true, cwd: root, file: out, portable: true }, ['package']);
  await rm(root, { recursive: true, force: true });
  return out;
}

// The raw archive writers serve the Python distributions and the benchmarks too: one copy, in test/support.
export { rawTar, rawTgz, type RawEntry } from '../support/archives.js';

export const manifestEntry = (manifest: Record<string, unknown> = {}): RawEntry => ({
  path: 'package/package.json',
  body: JSON.stringify({ name: 'crafted', version: '1.0.0', ...manifest }),
});

/** A zip archive of the given files, deflated (or stored), as osv.dev's all.zip is laid out. */
export function makeZip(files: Record<string, string | Buffer>, opts: { store?: boolean } = {}): Buffer {
  return rawZip(Object.entries(files).map(([name, body]) => ({ name, body, store: opts.store })));
}
