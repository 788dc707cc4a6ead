import { inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';

/**
 * A minimal reader for the zip archives osv.dev publishes (`<ecosystem>/all.zip`): stored and deflated entries,
 * no ZIP64, no encryption. Bounded: each entry inflates to at most `maxEntryBytes`, checked by zlib as it goes.
 */
const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const CENTRAL_HEADER = 46;
const LOCAL_HEADER = 30;
const STORED = 0;
const DEFLATED = 8;
const ZIP64_MARKER = 0xffffffff;

export interface ZipEntry {
  name: string;
  data(): Buffer;
}

export function* zipEntries(zip: Buffer, file: string, maxEntryBytes: number): Generator<ZipEntry> {
  const bad = (why: string): never => {
    throw new InputError('MALFORMED', `not a readable zip archive: ${why}`, { where: { file } });
  };
  let eocd = -1;
  for (let i = zip.length - EOCD_MIN; i >= Math.max(0, zip.length - EOCD_MIN - MAX_COMMENT); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (at === ZIP64_MARKER) bad('ZIP64 archives are not supported');
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER > zip.length || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) bad(`central directory entry ${i} is damaged`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + CENTRAL_HEADER, at + CENTRAL_HEADER + nameLength);
    at += CENTRAL_HEADER + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    yield {
      name,
      data: () => {
        const where = { file: `${file}:${name}` };
        if (size > maxEntryBytes) throw new InputError('FILE_TOO_LARGE', `zip entry is over ${maxEntryBytes} bytes`, { where });
        if (local + LOCAL_HEADER > zip.length || zip.readUInt32LE(local) !== LOCAL_SIGNATURE) bad(`local header of ${name} is damaged`);
        const start = local + LOCAL_HEADER + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        if (start + compressed > zip.length) bad(`${name} runs past the end of the archive`);
        const raw = zip.subarray(start, start + compressed);
        if (method === STORED) return raw;
        if (method !== DEFLATED) bad(`${name} uses compression method ${method}`);
        try {
          // The declared size may lie: zlib stops at the bound whatever the header says.
          return inflateRawSync(raw, { maxOutputLength: maxEntryBytes });
        } catch (e) {
          if (e instanceof RangeError) throw new InputError('FILE_TOO_LARGE', `zip entry inflates past ${maxEntryBytes} bytes`, { where, cause: e });
          throw new InputError('MALFORMED', `zip entry cannot be inflated: ${(e as Error).message}`, { where, cause: e });
        }
      },
    };
  }
}
