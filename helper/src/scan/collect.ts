import type { Finding, ScanLimits } from './types.js';
import { HEAD_BYTES, evidence, isTextCandidate, type PackageFile } from './files.js';

/**
 * Gathers a package's files under the scan limits, whatever they are read from. Reading stops at the first
 * limit crossed (`stopped`), and each crossing is a finding: a package that hits a bound was not fully scanned.
 */
export class Collector {
  readonly files: PackageFile[] = [];
  readonly findings: Finding[] = [];
  entries = 0;
  bytes = 0;
  stopped = false;
  /** Why part of the package went unread (a limit crossed, a file too large): such a scan is never clean. */
  readonly unread: string[] = [];
  private readBytes = 0;

  constructor(readonly limits: ScanLimits) {}

  /** Counts one entry; false (and a finding) once there are too many. */
  countEntry(path: string): boolean {
    this.entries++;
    if (this.entries > this.limits.maxEntries) {
      this.stop({ rule: 'limit-entries', severity: 'medium', file: evidence(path), evidence: `${this.entries} entries`, message: `more than ${this.limits.maxEntries} entries: scan stopped, the rest of the package was not inspected` });
      return false;
    }
    return true;
  }

  /** Counts uncompressed bytes; false (and a finding) once over the total limit. */
  countBytes(n: number, path: string): boolean {
    this.bytes += n;
    if (this.bytes > this.limits.maxTotalBytes) {
      this.stop({ rule: 'limit-total-bytes', severity: 'medium', file: evidence(path), evidence: `over ${this.limits.maxTotalBytes} bytes uncompressed`, message: `package expands to more than ${this.limits.maxTotalBytes} bytes (decompression bomb?): scan stopped` });
      return false;
    }
    return true;
  }

  /** Whether a path is acceptable; a finding otherwise. */
  checkPath(path: string): boolean {
    if (path.length > this.limits.maxPathLength) {
      this.add({ rule: 'limit-path-length', severity: 'medium', file: evidence(path, 0, 80), evidence: `${path.length} characters`, message: `entry path longer than ${this.limits.maxPathLength} characters: skipped` });
      return false;
    }
    return true;
  }

  /** Whether the text of a file of this size should be read into memory; reserves the bytes if so. */
  wantsText(path: string, size: number): boolean {
    if (!isTextCandidate(path)) return false;
    if (size > this.limits.maxFileBytes || this.readBytes + size > this.limits.maxReadBytes) {
      this.add({ rule: 'file-not-scanned', severity: 'low', file: path, evidence: `${size} bytes`, message: `file too large to scan (per-file limit ${this.limits.maxFileBytes}, total ${this.limits.maxReadBytes} bytes)` });
      this.unread.push(`${evidence(path, 0, 80)} (${size} bytes) not read`);
      return false;
    }
    this.readBytes += size;
    return true;
  }

  addFile(file: PackageFile): void {
    this.files.push(file);
  }

  add(finding: Finding): void {
    this.findings.push(finding);
  }

  private stop(finding: Finding): void {
    if (!this.stopped) {
      this.add(finding);
      this.unread.push(finding.message);
    }
    this.stopped = true;
  }
}

/** Accumulates a file's content: always its head, and the whole text when asked to. */
export class FileBuffer {
  private chunks: Buffer[] = [];
  private length = 0;
  private head: Buffer | undefined;

  constructor(private readonly keepText: boolean) {}

  push(chunk: Buffer): void {
    if (this.keepText) {
      this.chunks.push(chunk);
    } else if (this.length < HEAD_BYTES) {
      this.chunks.push(chunk.subarray(0, HEAD_BYTES - this.length));
    }
    this.length += chunk.length;
  }

  finish(path: string, size: number, mode: number | undefined): PackageFile {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    // A copy: a view would keep the whole file's buffer alive beside its text.
    this.head = Buffer.from(all.subarray(0, HEAD_BYTES));
    const file: PackageFile = { path, size, head: this.head };
    if (mode !== undefined) file.mode = mode;
    if (this.keepText) file.text = all.toString('latin1');
    return file;
  }
}
