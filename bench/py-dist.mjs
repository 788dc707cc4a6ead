// Packs Python distributions for the scanner benchmarks: wheels (zip, PEP 427 layout) and sdists (.tar.gz
// under name-version/, PKG-INFO at the top). Bench support only: the tests have their own writer.
import { writeFileSync } from 'node:fs';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { Header } from 'tar';

/** A zip archive of `files` (path → content), deflated. */
export function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [path, body] of Object.entries(files)) {
    const data = Buffer.from(body);
    const packed = deflateRawSync(data);
    const name = Buffer.from(path);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  const count = Object.keys(files).length;
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(count, 8);
  eocd.writeUInt16LE(count, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A gzipped tar of `files` with every path under `top/`. */
export function tgz(top, files) {
  const blocks = [];
  for (const [path, body] of Object.entries(files)) {
    const data = Buffer.from(body);
    const block = Buffer.alloc(512);
    new Header({ path: `${top}/${path}`, type: 'File', size: data.length, mode: 0o644, mtime: new Date(0) }).encode(block, 0);
    blocks.push(block, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const metadata = (name, version) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`;

/** Writes a wheel of `files` (site-packages paths) to `path`. */
export function writeWheel(path, name, version, files) {
  writeFileSync(path, zip({ [`${name}-${version}.dist-info/METADATA`]: metadata(name, version), ...files }));
}

/** Writes an sdist of `files` (project paths) to `path`. */
export function writeSdist(path, name, version, files) {
  writeFileSync(path, tgz(`${name}-${version}`, { 'PKG-INFO': metadata(name, version), ...files }));
}
