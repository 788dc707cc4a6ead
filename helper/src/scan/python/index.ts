import { open } from 'node:fs/promises';
import { InputError, systemErrorCode } from '../../errors.js';
import { Collector } from '../collect.js';
import { evidence } from '../files.js';
import { readTarball } from '../tarball.js';
import { DEFAULT_SCAN_LIMITS, severityRank, type Finding, type ScanLimits, type ScanReport } from '../types.js';
import { readZip } from '../zip.js';
import { bytecodeFindings } from './bytecode.js';
import { viewPython, type PythonFormat } from './package.js';
import { pythonParser } from './parse.js';
import { pythonCode } from './rule.js';
import { decodeSources, encodingFindings } from './sources.js';

export type { PythonFormat } from './package.js';

const MAX_FINDINGS = 200;
const ZIP_MAGIC = 0x04034b50;
const EMPTY_ZIP_MAGIC = 0x06054b50;

/**
 * Scans a Python distribution file without extracting or running it: a wheel (PEP 427, a zip) or an sdist
 * (PEP 625 `.tar.gz`, or a legacy `.zip`), and returns the report `scanTarball` returns for npm. Bad input (not
 * an archive of that kind, unreadable) throws InputError; everything the package does wrong is a finding.
 * `report.package` is the core metadata's Name and Version (METADATA or PKG-INFO) when present.
 */
export async function scanPythonDistribution(file: string, format: PythonFormat, opts: Partial<ScanLimits> = {}): Promise<ScanReport> {
  const collector = new Collector({ ...DEFAULT_SCAN_LIMITS, ...opts });
  const zip = await isZip(file);
  if (format === 'wheel' && !zip) throw new InputError('MALFORMED', 'not a wheel: a wheel is a zip archive', { where: { file } });
  if (zip) await readZip(file, collector, { stripTop: format === 'sdist' });
  else await readTarball(file, collector);
  const parser = await pythonParser();
  const declared = decodeSources(collector.files);
  const view = viewPython(collector.files, format);
  const findings: Finding[] = [...collector.findings, ...encodingFindings(declared, view.contexts, collector.unread), ...bytecodeFindings(view), ...pythonCode(view, parser)];
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule));
  if (collector.unread.length > 0) {
    findings.unshift({ rule: 'scan-incomplete', severity: 'high', file: '(package)', evidence: evidence(collector.unread.slice(0, 3).join('; ')), message: 'part of the package was not read, so the scan cannot call it clean' });
  }
  const report: ScanReport = { findings: findings.slice(0, MAX_FINDINGS), complete: collector.unread.length === 0, files: collector.entries, bytes: collector.bytes };
  if (view.metadata) report.package = view.metadata;
  return report;
}

/** A distribution's format from its file name (PEP 427 `.whl`; `.tar.gz` and `.zip` sdists; `.tgz` is npm's). */
export function pythonFormatOf(file: string): PythonFormat | undefined {
  if (/\.whl$/i.test(file)) return 'wheel';
  if (/\.(?:tar\.gz|zip)$/i.test(file)) return 'sdist';
  return undefined;
}

async function isZip(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && (head.readUInt32LE(0) === ZIP_MAGIC || head.readUInt32LE(0) === EMPTY_ZIP_MAGIC);
  } catch (e) {
    const code = systemErrorCode(e);
    throw new InputError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'INPUT', code === 'ENOENT' ? 'package not found' : `cannot read package: ${(e as Error).message}`, { where: { file }, cause: e });
  } finally {
    await handle?.close();
  }
}
