/**
 * Archive writers for tests and benchmarks, byte by byte, so that an archive can say exactly what a hostile one
 * would: entry names untouched (`..`, absolute paths), links, declared sizes that lie. Zip per APPNOTE 4.3
 * (local headers, then the central directory), tar as ustar through the tar library's header encoder (its
 * packer refuses `..` and absolute paths, which is the point of these archives). Imports only Node and `tar`,
 * so plain `node` runs it too (benchmarks import it through type stripping).
 */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface ZipItem {
  name: string;
  body?: string | Buffer;
  /** Unix mode bits (file type included); written with "made by Unix" so readers honour them. */
  mode?: number;
  /** Stored rather than deflated. */
  store?: boolean;
  /** Overrides of the central directory's sizes (lies a zip bomb tells). */
  declaredSize?: number;
  encrypted?: boolean;
}

/** DOS date and time 1980-01-01 00:00, the earliest a zip can say (the date in the high half). */
const DOS_EPOCH = 0x00210000;

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
    const flags = (it.encrypted ? 1 : 0) | 0x800; // 0x800: UTF-8 names
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(it.store ? 0 : 8, 8);
    local.writeUInt32LE(DOS_EPOCH, 10);
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
    central.writeUInt32LE(DOS_EPOCH, 12);
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

export interface RawEntry {
  path: string;
  type?: 'File' | 'SymbolicLink' | 'Link' | 'Directory' | 'FIFO';
  body?: string | Buffer;
  linkpath?: string;
}

const BLOCK = 512;

/** A tar stream with exactly the entries given, paths untouched. */
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
