import { closeSync, createReadStream, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { InputError, systemErrorCode } from '../errors.js';
import { parseJson, readFileBounded } from '../io/files.js';
import { ecosystemOfOsv } from '../ecosystems/index.js';
import { SEMVER } from '../ecosystems/semver.js';
import { zipEntries } from './zip.js';
import { affects, parseOsvRecord, type AffectedPackage } from './osv.js';
import { osvSeverity } from './severity.js';
import type { Severity } from '../policy/types.js';

/** A known vulnerability (an OSV record that is not MAL-) covering a version, with its severity when known. */
export interface VulnerabilityHit {
  id: string;
  severity?: Severity;
  /** Where the severity came from: `CVSS_V3 9.8`, `database_specific HIGH`. */
  severitySource?: string;
}

/**
 * Known-malicious package versions, from OSV records (ossf/malicious-packages), indexed by ecosystem and name:
 * records for npm and for PyPI (`affected[].package.ecosystem` "PyPI") alike, each name in its ecosystem's normal
 * form (PyPI: PEP 503) and each version compared by its scheme (ecosystems/).
 */
export interface MaliciousFeed {
  /** OSV ids of the records covering this version; empty when none. `ecosystem`: our id (`npm`, `pypi`) or OSV's name. */
  lookup(ecosystem: string, name: string, version: string): string[];
  /** Records loaded (withdrawn ones excluded). */
  readonly records: number;
  /**
   * Known vulnerabilities (OSV records that are not MAL-) covering this version; empty when none; undefined when
   * the feed holds no vulnerability record of this ecosystem at all (a malicious-packages-only feed), so that a
   * `vulnerable` rule reads "unknown" and follows on_unknown instead of passing everything.
   */
  vulnerabilities(ecosystem: string, name: string, version: string): VulnerabilityHit[] | undefined;
  /** Vulnerability records loaded (withdrawn ones excluded). */
  readonly vulnerabilityRecords: number;
  /** Vulnerability records left out because they were malformed (a malicious-package record never is: it fails the load). */
  readonly skippedVulnerabilities: number;
  /** sha256 over the loaded records, whatever order they were read in: changes when the feed's contents do. */
  digest(): string;
}

export interface FeedLimits {
  maxRecords: number;
  maxRecordBytes: number;
  /** Bytes of a feed archive read (compressed). */
  maxArchiveBytes: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = {
  maxRecords: 500_000,
  maxRecordBytes: 1024 * 1024,
  maxArchiveBytes: 4 * 1024 * 1024 * 1024,
};

/** OSV ids of malicious-package reports (ossf/malicious-packages, and their copies on osv.dev). */
const MALICIOUS_ID = /^MAL-/;
const ARCHIVE = /\.(?:tar\.gz|tgz|tar)$/i;
const ZIP = /\.zip$/i;
/**
 * Records parsed between two turns of the event loop: a running firewall reloads a feed of some 100,000 records
 * (seconds of parsing) while it serves, and must keep answering meanwhile.
 */
const YIELD_EVERY = 256;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** A zip is read whole into memory (its directory is at the end): at most this much. */
const MAX_ZIP_BYTES = 1024 * 1024 * 1024;

type VulnerableEntry = AffectedPackage & Omit<VulnerabilityHit, 'id'>;

class FeedIndex implements MaliciousFeed {
  private readonly byName = new Map<string, AffectedPackage[]>();
  private readonly vulnsByName = new Map<string, VulnerableEntry[]>();
  /** Ecosystems (lower case) with at least one vulnerability record loaded. */
  private readonly vulnEcosystems = new Set<string>();
  private readonly recordDigests: string[] = [];
  records = 0;
  vulnerabilityRecords = 0;
  skippedVulnerabilities = 0;

  constructor(private readonly limits: FeedLimits) {}

  add(text: string, file: string): void {
    if (Buffer.byteLength(text) > this.limits.maxRecordBytes) {
      throw new InputError('FILE_TOO_LARGE', `OSV record is over ${this.limits.maxRecordBytes} bytes`, { where: { file } });
    }
    const doc = parseJson(text, { file }, 'OSV record');
    // Only malicious-package records: osv.dev's all.zip mixes in ordinary vulnerabilities (GHSA-, CVE-), which
    // must not turn every vulnerable version into "known malicious". They are dropped before the strict parse,
    // so that one of them in an unexpected shape never fails the feed.
    const id = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { id?: unknown }).id : undefined;
    if (typeof id === 'string' && !MALICIOUS_ID.test(id)) return this.addVulnerability(doc as Record<string, unknown>, text, file);
    const affected = parseOsvRecord(doc, { file });
    if (!affected) return;
    if (++this.records > this.limits.maxRecords) {
      throw new InputError('LIMIT', `feed has more than ${this.limits.maxRecords} records`, { where: { file } });
    }
    this.recordDigests.push(createHash('sha256').update(text).digest('hex'));
    for (const a of affected) {
      const key = feedKey(a.ecosystem, a.name);
      const list = this.byName.get(key);
      if (list) list.push(a);
      else this.byName.set(key, [a]);
    }
  }

  /**
   * An ordinary vulnerability: kept for the `vulnerable` condition. One in a shape we cannot read is skipped
   * and counted (reported by `sscs feed sync`), never fatal: it must not take the malicious-package records down with it.
   */
  private addVulnerability(doc: Record<string, unknown>, text: string, file: string): void {
    let affected: AffectedPackage[] | undefined;
    try {
      affected = parseOsvRecord(doc, { file });
    } catch {
      this.skippedVulnerabilities++;
      return;
    }
    if (!affected) return;
    if (++this.vulnerabilityRecords + this.records > this.limits.maxRecords) {
      throw new InputError('LIMIT', `feed has more than ${this.limits.maxRecords} records`, { where: { file } });
    }
    this.recordDigests.push(createHash('sha256').update(text).digest('hex'));
    const rawAffected = Array.isArray(doc.affected) ? (doc.affected as Record<string, unknown>[]) : [];
    for (const a of affected) {
      const raw = rawAffected.find((r) => (r?.package as { name?: unknown } | undefined)?.name === a.name);
      const sev = osvSeverity(doc, raw);
      const entry: VulnerableEntry = { ...a, ...(sev ? { severity: sev.severity, severitySource: sev.source } : {}) };
      const key = feedKey(a.ecosystem, a.name);
      this.vulnEcosystems.add(a.ecosystem.toLowerCase());
      const list = this.vulnsByName.get(key);
      if (list) list.push(entry);
      else this.vulnsByName.set(key, [entry]);
    }
  }

  vulnerabilities(ecosystem: string, name: string, version: string): VulnerabilityHit[] | undefined {
    if (!this.vulnEcosystems.has(ecosystem.toLowerCase())) return undefined;
    const list = this.vulnsByName.get(feedKey(ecosystem, name));
    if (!list) return [];
    const versioning = ecosystemOfOsv(ecosystem)?.versioning ?? SEMVER;
    const hits = new Map<string, VulnerabilityHit>();
    for (const a of list) {
      if (hits.has(a.id) || !affects(a, version, versioning)) continue;
      hits.set(a.id, { id: a.id, ...(a.severity ? { severity: a.severity, severitySource: a.severitySource! } : {}) });
    }
    return [...hits.values()].sort((x, y) => x.id.localeCompare(y.id));
  }

  digest(): string {
    const h = createHash('sha256');
    for (const d of [...this.recordDigests].sort()) h.update(d);
    return h.digest('hex');
  }

  lookup(ecosystem: string, name: string, version: string): string[] {
    const list = this.byName.get(feedKey(ecosystem, name));
    if (!list) return [];
    const versioning = ecosystemOfOsv(ecosystem)?.versioning ?? SEMVER;
    return [...new Set(list.filter((a) => affects(a, version, versioning)).map((a) => a.id))].sort();
  }
}

/** `pypi\0requests`: the ecosystem lower-cased (our ids are OSV's names lower-cased) and the name in its normal form. */
function feedKey(ecosystem: string, name: string): string {
  const adapter = ecosystemOfOsv(ecosystem);
  return `${ecosystem.toLowerCase()}\0${adapter ? adapter.normalizeName(name) : name}`;
}

/**
 * Loads a feed from a directory tree of OSV JSON files (a checkout of ossf/malicious-packages, or its `osv/`
 * folder) or from a .tar.gz of one. A malformed record fails the load, naming the file: a feed that silently
 * dropped records would let their packages through.
 */
export async function loadMaliciousFeed(path: string, opts: Partial<FeedLimits> = {}): Promise<MaliciousFeed> {
  const limits = { ...DEFAULT_FEED_LIMITS, ...opts };
  const index = new FeedIndex(limits);
  let isDir: boolean;
  try {
    isDir = (await lstat(path)).isDirectory();
  } catch (e) {
    const code = systemErrorCode(e);
    throw new InputError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'INPUT', code === 'ENOENT' ? 'malicious package feed not found' : (e as Error).message, { where: { file: path }, cause: e });
  }
  if (isDir) await loadDirectory(path, index, limits);
  else if (ARCHIVE.test(path)) await loadArchive(path, index, limits);
  else if (ZIP.test(path)) await loadZip(path, index, limits);
  else throw new InputError('INPUT', 'malicious package feed must be a folder of OSV JSON files, or a .tar.gz or .zip of one', { where: { file: path } });
  return index;
}

/**
 * Reads the tree synchronously: a feed is thousands of tiny files, and going through the libuv thread pool one
 * file at a time costs several times more than the reads themselves (bench/scan.mjs). A feed loads once, at start.
 */
async function loadDirectory(root: string, index: FeedIndex, limits: FeedLimits): Promise<void> {
  const files: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, d.name);
      // Symbolic links are not followed: the tree must hold its records itself.
      if (d.isDirectory() && !d.name.startsWith('.')) pending.push(abs);
      else if (d.isFile() && d.name.endsWith('.json')) files.push(abs);
      if (files.length > limits.maxRecords) throw new InputError('LIMIT', `feed has more than ${limits.maxRecords} records`, { where: { file: root } });
    }
  }
  // Sorted so that the first malformed record reported is the same on every run.
  files.sort();
  for (const [i, abs] of files.entries()) {
    index.add(readBoundedSync(abs, limits.maxRecordBytes), relative(root, abs) || abs);
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
  }
}

function readBoundedSync(path: string, maxBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    // One byte more than allowed tells an oversized record from one exactly at the limit.
    const buf = Buffer.alloc(Math.min(fstatSync(fd).size, maxBytes) + 1);
    let total = 0;
    for (let n = 1; n > 0 && total < buf.length; total += n) n = readSync(fd, buf, total, buf.length - total, total);
    if (total > maxBytes) throw new InputError('FILE_TOO_LARGE', `OSV record is over ${maxBytes} bytes`, { where: { file: path } });
    return buf.toString('utf8', 0, total);
  } finally {
    closeSync(fd);
  }
}

async function loadZip(file: string, index: FeedIndex, limits: FeedLimits): Promise<void> {
  const zip = await readFileBounded(file, Math.min(limits.maxArchiveBytes, MAX_ZIP_BYTES), 'feed archive');
  let n = 0;
  for (const entry of zipEntries(zip, file, limits.maxRecordBytes)) {
    if (entry.name.endsWith('.json')) index.add(entry.data().toString('utf8'), `${file}:${entry.name}`);
    if (++n % YIELD_EVERY === 0) await yieldToLoop();
  }
}

async function loadArchive(file: string, index: FeedIndex, limits: FeedLimits): Promise<void> {
  const { Parser } = await import('tar');
  let failure: unknown;
  let bytes = 0;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      const wanted = entry.type === 'File' && entry.path.endsWith('.json') && !failure;
      if (!wanted) return void entry.resume();
      if (entry.size > limits.maxRecordBytes) {
        failure ??= new InputError('FILE_TOO_LARGE', `OSV record is over ${limits.maxRecordBytes} bytes`, { where: { file: `${file}:${entry.path}` } });
        return void entry.resume();
      }
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        try {
          if (!failure) index.add(Buffer.concat(chunks).toString('utf8'), `${file}:${entry.path}`);
        } catch (e) {
          failure = e;
        }
      });
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (e: Error) => reject(new InputError('MALFORMED', `not a readable tar.gz: ${e.message}`, { where: { file }, cause: e })));
  });
  const input = createReadStream(file);
  input.on('data', (chunk) => {
    bytes += chunk.length;
    if (bytes > limits.maxArchiveBytes) {
      failure ??= new InputError('LIMIT', `feed archive over ${limits.maxArchiveBytes} bytes`, { where: { file } });
      input.destroy();
      parser.end();
    } else {
      parser.write(chunk as Buffer);
    }
  });
  input.on('end', () => parser.end());
  input.on('error', (e) => parser.emit('error', e));
  await done;
  if (failure) throw failure;
}
