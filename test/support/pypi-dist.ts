/**
 * Builds Python distributions of small local projects for the test index, byte for byte as the specs say, with
 * no build tool: a wheel is a zip (PEP 427 / the binary distribution format spec: `{dist}-{version}.dist-info/`
 * with METADATA, WHEEL and RECORD, RECORD listing every file's urlsafe-base64 sha256 and size), an sdist a
 * gzipped tar with one `{dist}-{version}/` folder holding PKG-INFO and pyproject.toml (the source distribution
 * format spec). Core metadata is version 2.4 so that PEP 639 `License-Expression` can be written.
 */
import { createHash } from 'node:crypto';
import { rawTgz, rawZip } from './archives.ts';

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
  /**
   * Files: path under the wheel root (an sdist's project folder) -> content. Default: `{module}/__init__.py`
   * defining `VERSION`. In an sdist they win over the generated PKG-INFO and pyproject.toml of the same name.
   */
  files?: Record<string, string | Buffer>;
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

const sourcesOf = (p: PyProjectSpec): Record<string, string | Buffer> => p.files ?? { [`${moduleOf(p.name)}/__init__.py`]: `VERSION = ${JSON.stringify(p.version)}\n` };

const recordHash = (b: Buffer): string => `sha256=${createHash('sha256').update(b).digest('base64url')}`;

/** A wheel: the files, then `.dist-info/` METADATA, WHEEL and RECORD; deflated, mode 0644. */
export function buildWheel(p: PyProjectSpec): BuiltFile {
  const info = `${distName(p.name)}-${p.version}.dist-info`;
  const metadata = Buffer.from(coreMetadata(p));
  const entries: [string, Buffer][] = Object.entries(sourcesOf(p)).map(([path, src]) => [path, Buffer.from(src)]);
  entries.push([`${info}/METADATA`, metadata]);
  entries.push([`${info}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: sscs-test-index\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n')]);
  const record = entries.map(([path, b]) => `${path},${recordHash(b)},${b.length}`).concat(`${info}/RECORD,,`).join('\n');
  entries.push([`${info}/RECORD`, Buffer.from(`${record}\n`)]);
  const bytes = rawZip(entries.map(([name, body]) => ({ name, body, mode: 0o100644 })));
  return { filename: `${distName(p.name)}-${p.version}-py3-none-any.whl`, kind: 'wheel', bytes, metadata };
}

/**
 * An sdist: one `{dist}-{version}/` folder with PKG-INFO, a setuptools pyproject.toml and the files; a gzipped
 * tar, or with `format: 'zip'` the legacy zip sdist PyPI took before PEP 625.
 */
export function buildSdist(p: PyProjectSpec, format: 'tar.gz' | 'zip' = 'tar.gz'): BuiltFile {
  const root = `${distName(p.name)}-${p.version}`;
  const metadata = Buffer.from(coreMetadata(p));
  const pyproject = `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = ${JSON.stringify(p.name)}\nversion = ${JSON.stringify(p.version)}\n`;
  const files: Record<string, string | Buffer> = { 'PKG-INFO': metadata, 'pyproject.toml': pyproject, ...sourcesOf(p) };
  const entries = Object.entries(files).map(([path, body]) => ({ path: `${root}/${path}`, body }));
  const bytes = format === 'zip' ? rawZip(entries.map((e) => ({ name: e.path, body: e.body }))) : rawTgz(entries);
  return { filename: `${root}.${format}`, kind: 'sdist', bytes, metadata };
}
