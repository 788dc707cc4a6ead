import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSscsError, ServiceError } from '../errors.js';
import { PYPI_DEFAULT_INDEX, readProjectPage, SIMPLE_ACCEPT } from '../registry/pypi-client.js';
import { readResponseBody } from '../registry/response-body.js';
import type { ResolvedPackage } from '../deps/model.js';

/** Files of one release scanned (a release may list dozens of platform wheels; the sdist comes first). */
const MAX_FILES = 4;
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
const MAX_FILE_BYTES = 128 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

export interface ScanItem {
  rule: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  evidence: string;
}

/**
 * `policy check --scan` for a PyPI package: the release's files from the index's project page (PEP 503/691, the
 * one facts reader's page parser), each downloaded under a size and time bound, checked against the index's
 * sha256 (and the lockfile's hashes when it records any), and scanned with scanPythonDistribution. The sdist
 * first (its setup.py runs at install), then wheels, at most MAX_FILES. A file that cannot be fetched or
 * verified is a finding, never a clean result.
 */
export async function scanPypiRelease(pkg: Pick<ResolvedPackage, 'name' | 'version' | 'hashes'>, index = PYPI_DEFAULT_INDEX): Promise<ScanItem[]> {
  const { scanPythonDistribution } = await import('../scan/index.js');
  const pageUrl = `${index}${encodeURIComponent(pkg.name)}/`;
  const page = await get(pageUrl, SIMPLE_ACCEPT, MAX_PAGE_BYTES);
  const project = readProjectPage(page.body.toString('utf8'), page.contentType, pkg.name, page.url);
  const files = project.files.filter((f) => f.version === pkg.version).sort((a, b) => (a.kind === b.kind ? a.filename.localeCompare(b.filename) : a.kind === 'sdist' ? -1 : 1));
  if (files.length === 0) return [{ rule: 'scan-incomplete', severity: 'medium', evidence: `the index lists no file of ${pkg.name} ${pkg.version}` }];
  const out: ScanItem[] = [];
  if (files.length > MAX_FILES) out.push({ rule: 'scan-incomplete', severity: 'medium', evidence: `${files.length} files in the release, ${MAX_FILES} scanned` });
  const dir = await mkdtemp(join(tmpdir(), 'sscs-pyscan-'));
  try {
    for (const f of files.slice(0, MAX_FILES)) {
      try {
        const { body } = await get(f.url, '*/*', MAX_FILE_BYTES);
        const digest = createHash('sha256').update(body).digest('hex');
        if (!f.sha256) out.push({ rule: 'unverified-download', severity: 'medium', evidence: `${f.filename}: the index gives no sha256 for it` });
        else if (digest !== f.sha256) throw new ServiceError('SERVICE', `${f.filename} does not match the index's sha256`);
        if (pkg.hashes?.length && !pkg.hashes.includes(`sha256:${digest}`)) out.push({ rule: 'unverified-download', severity: 'medium', evidence: `${f.filename}: not one of the lockfile's hashes` });
        const path = join(dir, f.filename.replace(/[^\w.+-]/g, '_'));
        await writeFile(path, body);
        const report = await scanPythonDistribution(path, f.kind === 'wheel' ? 'wheel' : 'sdist');
        for (const x of report.findings) out.push({ rule: x.rule, severity: x.severity, evidence: `${f.filename}: ${x.file}${x.line ? `:${x.line}` : ''}: ${x.evidence}` });
      } catch (e) {
        if (!isSscsError(e)) throw e;
        out.push({ rule: `scan-failed:${e.code}`, severity: 'high', evidence: `${f.filename}: ${e.message}` });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

async function get(url: string, accept: string, max: number): Promise<{ body: Buffer; contentType: string | undefined; url: string }> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new ServiceError('NETWORK', `cannot download ${new URL(url).origin}${new URL(url).pathname}`, { cause: e });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ServiceError('HTTP_STATUS', `${new URL(url).pathname} answered ${res.status}`);
  }
  const body = await readResponseBody(res, max, new URL(url).pathname);
  return { body, contentType: res.headers.get('content-type') ?? undefined, url: res.url || url };
}
