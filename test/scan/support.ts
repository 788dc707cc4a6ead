import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { c as createTar, Header } from 'tar';

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

export interface RawEntry {
  path: string;
  type?: 'File' | 'SymbolicLink' | 'Link' | 'Directory' | 'FIFO';
  body?: string | Buffer;
  linkpath?: string;
}

const BLOCK = 512;

/**
 * A tar stream with exactly the entries given, paths untouched: tar's packer refuses `..` and absolute paths,
 * which is the point of these archives.
 */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const type = e.type ?? 'File';
    const header = new Header({ path: e.path, type, size: type === 'File' ? body.length : 0, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    const block = Buffer.alloc(BLOCK);
    header.encode(block, 0);
    blocks.push(block);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(blocks);
}

export function rawTgz(entries: RawEntry[]): Buffer {
  return gzipSync(rawTar(entries));
}

export const manifestEntry = (manifest: Record<string, unknown> = {}): RawEntry => ({
  path: 'package/package.json',
  body: JSON.stringify({ name: 'crafted', version: '1.0.0', ...manifest }),
});
