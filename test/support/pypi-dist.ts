/**
 * Builds Python distributions of small local projects for the test index, byte for byte as the specs say, with
 * no build tool: a wheel is a zip (PEP 427 / the binary distribution format spec: `{dist}-{version}.dist-info/`
 * with METADATA, WHEEL and RECORD, RECORD listing every file's urlsafe-base64 sha256 and size), an sdist a
 * gzipped tar with one `{dist}-{version}/` folder holding PKG-INFO and pyproject.toml (the source distribution
 * format spec). Core metadata is version 2.4 so that PEP 639 `License-Expression` can be written.
 */
import { createHash } from 'node:crypto';
import { crc32, gzipSync } from 'node:zlib';

export interface PyProjectSpec {
  /** The project name as its author spells it (`My.Project`); the index normalises it (PEP 503). */
  name: string;
  version: string;
  /** PEP 639 License-Expression. */
  licenseExpression?: string;
  /** The legacy free-text License field. */
  license?: string;
  classifiers?: string[];
  requiresDist?: string[];
  requiresPython?: string;
  /** Modules: path under the wheel root -> source. Default: `{module}/__init__.py` defining `VERSION`. */
  files?: Record<string, string>;
}

export interface BuiltFile {
  filename: string;
  kind: 'wheel' | 'sdist';
  bytes: Buffer;
  /** Core metadata (METADATA / PKG-INFO) served as the PEP 658 `.metadata` file. */
  metadata: Buffer;
}

/** PEP 503 normalised name. */
export const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');
/** The distribution name in file names: normalised with `_` (binary distribution format spec). */
const distName = (name: string): string => normalise(name).replace(/-/g, '_');
const moduleOf = (name: string): string => distName(name);

export function coreMetadata(p: PyProjectSpec): string {
  const lines = ['Metadata-Version: 2.4', `Name: ${p.name}`, `Version: ${p.version}`, `Summary: ${p.name} built for the sscs tests`];
  if (p.license) lines.push(`License: ${p.license}`);
  if (p.licenseExpression) lines.push(`License-Expression: ${p.licenseExpression}`);
  for (const c of p.classifiers ?? []) lines.push(`Classifier: ${c}`);
  if (p.requiresPython) lines.push(`Requires-Python: ${p.requiresPython}`);
  for (const r of p.requiresDist ?? []) lines.push(`Requires-Dist: ${r}`);
  return `${lines.join('\n')}\n\n`;
}

const sourcesOf = (p: PyProjectSpec): Record<string, string> => p.files ?? { [`${moduleOf(p.name)}/__init__.py`]: `VERSION = ${JSON.stringify(p.version)}\n` };

const recordHash = (b: Buffer): string => `sha256=${createHash('sha256').update(b).digest('base64url')}`;

export function buildWheel(p: PyProjectSpec): BuiltFile {
  const info = `${distName(p.name)}-${p.version}.dist-info`;
  const metadata = Buffer.from(coreMetadata(p));
  const entries: [string, Buffer][] = Object.entries(sourcesOf(p)).map(([path, src]) => [path, Buffer.from(src)]);
  entries.push([`${info}/METADATA`, metadata]);
  entries.push([`${info}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: sscs-test-index\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n')]);
  const record = entries.map(([path, b]) => `${path},${recordHash(b)},${b.length}`).concat(`${info}/RECORD,,`).join('\n');
  entries.push([`${info}/RECORD`, Buffer.from(`${record}\n`)]);
  return { filename: `${distName(p.name)}-${p.version}-py3-none-any.whl`, kind: 'wheel', bytes: zip(entries), metadata };
}

export function buildSdist(p: PyProjectSpec): BuiltFile {
  const root = `${distName(p.name)}-${p.version}`;
  const metadata = Buffer.from(coreMetadata(p));
  const pyproject = `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = ${JSON.stringify(p.name)}\nversion = ${JSON.stringify(p.version)}\n`;
  const entries: [string, Buffer][] = [[`${root}/PKG-INFO`, metadata], [`${root}/pyproject.toml`, Buffer.from(pyproject)]];
  for (const [path, src] of Object.entries(sourcesOf(p))) entries.push([`${root}/${path}`, Buffer.from(src)]);
  return { filename: `${root}.tar.gz`, kind: 'sdist', bytes: gzipSync(tar(entries)), metadata };
}

/** A zip of stored (uncompressed) entries: local headers, then the central directory (APPNOTE 4.3). */
function zip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [path, data] of entries) {
    const name = Buffer.from(path);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A ustar archive of regular files (POSIX.1-1988 header, checksum over the header with its field blank). */
function tar(entries: [string, Buffer][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, data] of entries) {
    const h = Buffer.alloc(512);
    h.write(path, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write(`${'0'.padStart(11, '0')}\0`, 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
