import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
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

/** A zip archive of the given files, deflated (or stored), as osv.dev's all.zip is laid out. */
export function makeZip(files: Record<string, string | Buffer>, opts: { store?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, body] of Object.entries(files)) {
    const data = Buffer.from(body);
    const packed = opts.store ? data : deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(opts.store ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(opts.store ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, packed);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
