/**
 * `sscs feed sync`: keeps a local copy of an OSV archive current, the way the osv.dev bucket serves it
 * (https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip, a Google Cloud Storage object):
 *  - conditional GET: If-None-Match with the stored ETag and If-Modified-Since with the stored Last-Modified;
 *    a 304 leaves the copy alone;
 *  - a 200 streams into a temporary file beside the copy (bounded in bytes and time), checked against GCS's
 *    `x-goog-hash: md5=<base64>` when the object is not transcoded, fsynced, then loaded whole by the same
 *    reader the firewall and the policy check use: a copy that does not load is never installed;
 *  - a record-count sanity check, per kind (malicious-package `MAL-` records and vulnerability records): an empty
 *    archive, or one where either kind lost more than `maxShrink` of the records the copy on disk holds (counted
 *    from the copy itself, not from the state file), is refused and the old copy kept;
 *  - then rename over the copy (atomic on one file system) and fsync of the folder.
 * The ETag, Last-Modified, sha256 and record counts are kept in `<output>.sync.json` beside the copy; the
 * validators are only sent while the copy's sha256 still matches (a copy replaced by hand is fetched again).
 * The source is named by origin and path only (`sync-source.ts`: its query may be a signature).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError, isSscsError, ServiceError, UsageError } from '../errors.js';
import { ensureDir, readFileIfExists, writeFileAtomic } from '../io/files.js';
import { loadMaliciousFeed, type MaliciousFeed } from './malicious.js';
import { checkSource, fetchFollowing, sourceName } from './sync-source.js';

export const OSV_BUCKET = 'https://osv-vulnerabilities.storage.googleapis.com';
/** The npm archive is some hundreds of MB; the zip reader holds at most 1 GiB. */
export const DEFAULT_MAX_FEED_BYTES = 1024 * 1024 * 1024;
/** Whole download; the npm archive takes a minute or two on a slow link. */
export const DEFAULT_SYNC_DEADLINE_MS = 15 * 60_000;
/** Bounds of --deadline-seconds: a second (tests, a local mirror) to two hours (a very slow link). */
export const MIN_SYNC_DEADLINE_MS = 1_000;
export const MAX_SYNC_DEADLINE_MS = 2 * 60 * 60_000;
/** No byte for this long: the source has stalled. */
export const DEFAULT_SYNC_IDLE_MS = 60_000;
/** Refuse a new copy that lost more than this share of the records the old one had. */
export const DEFAULT_MAX_SHRINK = 0.5;
const MAX_STATE_BYTES = 64 * 1024;
const FEED_EXTENSION = /\.(?:zip|tar\.gz|tgz|tar)$/i;

export const osvArchiveUrl = (ecosystem: string): string => `${OSV_BUCKET}/${encodeURIComponent(ecosystem)}/all.zip`;

export interface FeedSyncOptions {
  source: string;
  output: string;
  maxBytes?: number;
  deadlineMs?: number;
  idleMs?: number;
  /** Share of records (0-1) a new copy may lose against the old one. */
  maxShrink?: number;
}

/** What `<output>.sync.json` holds. */
export interface FeedSyncState {
  /** Origin + path of the source (never its query). */
  source: string;
  etag?: string;
  lastModified?: string;
  sha256?: string;
  records: number;
  vulnerabilityRecords: number;
  syncedAt: string;
  checkedAt: string;
}

export interface FeedSyncResult {
  status: 'updated' | 'unchanged';
  output: string;
  /** The output's folder, when this sync created it (a mistyped path shows here instead of going unnoticed). */
  createdFolder?: string;
  records: number;
  vulnerabilityRecords: number;
  skippedVulnerabilities?: number;
  previousRecords?: number;
  bytes?: number;
}

export const stateFileOf = (output: string): string => `${output}.sync.json`;

export async function syncFeed(o: FeedSyncOptions): Promise<FeedSyncResult> {
  const ext = FEED_EXTENSION.exec(o.output)?.[0];
  if (!ext) throw new UsageError('USAGE', `--output must end in .zip, .tar.gz, .tgz or .tar (the format the firewall reads it as), not '${basename(o.output)}'`);
  const url = checkSource(o.source);
  const name = sourceName(url);
  const stateFile = stateFileOf(o.output);
  const existing = await stat(o.output).catch(() => undefined);
  // The copy is replaced by a rename: a device, FIFO or folder at that path would itself be replaced.
  if (existing && !existing.isFile()) throw new InputError('INPUT', 'the feed copy must be a regular file (it is replaced by a rename)', { where: { file: o.output } });
  const hasCopy = existing !== undefined;
  const recorded = hasCopy ? await readState(stateFile, name) : undefined;
  // Validators describe the copy that was synced: a copy replaced since then is fetched again.
  const state = recorded?.sha256 && recorded.sha256 === (await sha256Of(o.output, o.maxBytes ?? DEFAULT_MAX_FEED_BYTES)) ? recorded : undefined;
  const headers: Record<string, string> = { 'user-agent': 'sscs-feed-sync', 'accept-encoding': 'identity' };
  if (state?.etag) headers['if-none-match'] = state.etag;
  if (state?.lastModified) headers['if-modified-since'] = state.lastModified;

  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(new Error(`no complete answer within ${(o.deadlineMs ?? DEFAULT_SYNC_DEADLINE_MS) / 1000} s`)), o.deadlineMs ?? DEFAULT_SYNC_DEADLINE_MS);
  let idle = setTimeout(() => undefined, 0);
  const touch = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(new Error(`no data for ${(o.idleMs ?? DEFAULT_SYNC_IDLE_MS) / 1000} s`)), o.idleMs ?? DEFAULT_SYNC_IDLE_MS);
  };
  touch();
  const tmp = join(dirname(o.output), `.${basename(o.output)}.${randomBytes(6).toString('hex')}.partial${ext}`);
  try {
    let res: Response;
    let from: string;
    try {
      ({ res, from } = await fetchFollowing(url, { headers, signal: abort.signal }));
    } catch (e) {
      if (isSscsError(e)) throw e;
      const via = (e as { redirectedTo?: string }).redirectedTo;
      throw new ServiceError('NETWORK', `feed source unreachable${via ? ` (redirected to ${via})` : ''}: ${reasonOf(e, abort)}`, { where: { file: name }, cause: e });
    }
    const at = from === url.origin ? '' : ` (redirected to ${from})`;
    touch();
    const now = new Date().toISOString();
    if (res.status === 304 && state) {
      await res.body?.cancel();
      await writeFileAtomic(stateFile, `${JSON.stringify({ ...state, checkedAt: now }, null, 2)}\n`);
      return { status: 'unchanged', output: o.output, records: state.records, vulnerabilityRecords: state.vulnerabilityRecords };
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new ServiceError('HTTP_STATUS', `feed source answered HTTP ${res.status}${at}; the local copy is unchanged`, { where: { file: name } });
    }
    // Created like every --output of this CLI (a CI job writes into a folder no step made), and said so.
    const createdFolder = (await stat(dirname(o.output)).then(() => false, () => true)) ? dirname(o.output) : undefined;
    await ensureDir(dirname(o.output));
    const { bytes, md5, sha256 } = await download(res, tmp, o.maxBytes ?? DEFAULT_MAX_FEED_BYTES, touch, abort);
    const expectedMd5 = res.headers.get('content-encoding') ? undefined : googMd5(res.headers.get('x-goog-hash'));
    if (expectedMd5 && expectedMd5 !== md5) {
      throw new ServiceError('SERVICE', `feed download is corrupt: md5 ${md5} but x-goog-hash says ${expectedMd5}; the local copy is unchanged`, { where: { file: name } });
    }
    let feed: MaliciousFeed;
    try {
      feed = await loadMaliciousFeed(tmp);
    } catch (e) {
      throw new InputError('MALFORMED', `the downloaded feed does not load (${isSscsError(e) ? e.describe() : (e as Error).message}); the local copy is unchanged`, { where: { file: name }, cause: e });
    }
    // The baseline is the copy on disk, counted (bounded by the reader's limits), never the state file's say-so.
    const previous = hasCopy ? await countsOf(o.output) : undefined;
    checkCounts(feed, previous, o.maxShrink ?? DEFAULT_MAX_SHRINK, name);
    await rename(tmp, o.output);
    await fsyncDir(dirname(o.output));
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    const next: FeedSyncState = {
      source: name, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}), sha256,
      records: feed.records, vulnerabilityRecords: feed.vulnerabilityRecords, syncedAt: now, checkedAt: now,
    };
    await writeFileAtomic(stateFile, `${JSON.stringify(next, null, 2)}\n`);
    return {
      status: 'updated', output: o.output, ...(createdFolder ? { createdFolder } : {}), records: feed.records, vulnerabilityRecords: feed.vulnerabilityRecords, bytes,
      ...(feed.skippedVulnerabilities ? { skippedVulnerabilities: feed.skippedVulnerabilities } : {}),
      ...(previous !== undefined ? { previousRecords: previous.records + previous.vulnerabilityRecords } : {}),
    };
  } finally {
    clearTimeout(deadline);
    clearTimeout(idle);
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

function reasonOf(e: unknown, abort: AbortController): string {
  if (abort.signal.aborted) return (abort.signal.reason as Error)?.message ?? 'aborted';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

/** Streams the body to `tmp` (bounded), hashing as it goes, and fsyncs it. */
async function download(res: Response, tmp: string, maxBytes: number, touch: () => void, abort: AbortController): Promise<{ bytes: number; md5: string; sha256: string }> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) throw new ServiceError('SERVICE', `feed is ${declared} bytes, over the ${maxBytes}-byte bound; the local copy is unchanged`);
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const fh = await open(tmp, 'wx', 0o644);
  let bytes = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new ServiceError('NETWORK', `feed download cut: ${reasonOf(e, abort)}; the local copy is unchanged`, { cause: e });
      }
      if (chunk.done) break;
      touch();
      bytes += chunk.value.length;
      if (bytes > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new ServiceError('SERVICE', `feed is over the ${maxBytes}-byte bound; the local copy is unchanged`);
      }
      md5.update(chunk.value);
      sha.update(chunk.value);
      await fh.write(chunk.value);
    }
    if (Number.isFinite(declared) && res.headers.has('content-length') && !res.headers.get('content-encoding') && declared !== bytes) {
      throw new ServiceError('NETWORK', `feed download cut at ${bytes} of ${declared} bytes; the local copy is unchanged`);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes, md5: md5.digest('base64'), sha256: sha.digest('hex') };
}

/** The md5 of GCS's `x-goog-hash: crc32c=...,md5=...` header (base64), when given. */
function googMd5(header: string | null): string | undefined {
  return header?.split(',').map((p) => p.trim()).find((p) => p.startsWith('md5='))?.slice(4);
}

interface Counts {
  records: number;
  vulnerabilityRecords: number;
}

/** Each kind on its own: a source that drops every advisory must not pass because MAL- records dominate. */
function checkCounts(feed: Counts, previous: Counts | undefined, maxShrink: number, where: string): void {
  if (feed.records + feed.vulnerabilityRecords === 0) throw new ServiceError('SERVICE', 'the downloaded feed holds no OSV records; refusing it, the local copy is unchanged', { where: { file: where } });
  if (!previous) return;
  for (const [key, kind] of [['records', 'malicious-package'], ['vulnerabilityRecords', 'vulnerability']] as const) {
    const was = previous[key];
    const now = feed[key];
    if (was > 0 && now < was * (1 - maxShrink)) {
      throw new ServiceError('SERVICE', `the downloaded feed holds ${now} ${kind} records against ${was} in the local copy (more than ${Math.round(maxShrink * 100)}% gone); refusing it, the local copy is unchanged. If the source really shrank, run again with --max-shrink 100`, { where: { file: where } });
    }
  }
}

async function readState(file: string, source: string): Promise<FeedSyncState | undefined> {
  const buf = await readFileIfExists(file, MAX_STATE_BYTES, 'feed sync state').catch(() => undefined);
  if (!buf) return undefined;
  try {
    const s = JSON.parse(buf.toString('utf8')) as FeedSyncState;
    // Validators from another source say nothing about this one.
    return s.source === source && typeof s.records === 'number' ? { ...s, vulnerabilityRecords: s.vulnerabilityRecords ?? 0 } : undefined;
  } catch {
    return undefined;
  }
}

/** The copy's counts; undefined when it does not load (then there is nothing to keep it for). */
async function countsOf(path: string): Promise<Counts | undefined> {
  try {
    const f = await loadMaliciousFeed(path);
    return { records: f.records, vulnerabilityRecords: f.vulnerabilityRecords };
  } catch {
    return undefined;
  }
}

/** sha256 (hex) of a file of at most `maxBytes`; undefined when it is larger or unreadable. */
async function sha256Of(path: string, maxBytes: number): Promise<string | undefined> {
  const sha = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      bytes += (chunk as Buffer).length;
      if (bytes > maxBytes) return undefined;
      sha.update(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return sha.digest('hex');
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
