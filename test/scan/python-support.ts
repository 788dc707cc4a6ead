import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { rawTgz } from './support.js';

export interface ZipItem {
  name: string;
  body?: string | Buffer;
  /** Unix mode bits (file type included); written with "made by Unix" so readers honour them. */
  mode?: number;
  store?: boolean;
  /** Overrides of the central directory's sizes (lies a zip bomb tells). */
  declaredSize?: number;
  encrypted?: boolean;
}

/** A zip with exactly the entries given, names untouched (zipfile refuses none of the hostile ones either). */
export function rawZip(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const it of items) {
    const data = Buffer.from(it.body ?? '');
    const packed = it.store ? data : deflateRawSync(data);
    const name = Buffer.from(it.name);
    const crc = crc32(data);
    const size = it.declaredSize ?? data.length;
    const flags = (it.encrypted ? 1 : 0) | 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(it.store ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(it.mode !== undefined ? (3 << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(it.store ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(it.mode !== undefined ? (it.mode << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(items.length, 8);
  eocd.writeUInt16LE(items.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const METADATA = (name: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n`;

/** A wheel of `files` (paths as in site-packages) with its dist-info METADATA; returns its path. */
export async function makeWheel(dir: string, name: string, files: Record<string, string | Buffer>): Promise<string> {
  const items: ZipItem[] = [{ name: `${name}-1.0.dist-info/METADATA`, body: METADATA(name) }, ...Object.entries(files).map(([n, body]) => ({ name: n, body }))];
  const path = join(dir, `${name}-1.0-py3-none-any.whl`);
  await writeFile(path, rawZip(items));
  return path;
}

/** An sdist (.tar.gz, everything under `name-1.0/`, PKG-INFO at its top); returns its path. */
export async function makeSdist(dir: string, name: string, files: Record<string, string | Buffer>, format: 'tar.gz' | 'zip' = 'tar.gz'): Promise<string> {
  const all: Record<string, string | Buffer> = { 'PKG-INFO': METADATA(name), ...files };
  const path = join(dir, `${name}-1.0.${format}`);
  const entries = Object.entries(all).map(([n, body]) => ({ path: `${name}-1.0/${n}`, body }));
  await writeFile(path, format === 'zip' ? rawZip(entries.map((e) => ({ name: e.path, body: e.body }))) : rawTgz(entries));
  return path;
}
