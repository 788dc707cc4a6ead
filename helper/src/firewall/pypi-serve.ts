/**
 * The PyPI routes: a project page filtered by the policy (HTML or JSON as the client asks), and a file, found
 * through that page (never guessed from the URL), refused with a 403 naming the rule, or streamed through a
 * sha256 check against the index's hash. As for npm tarballs (integrity.ts), the last chunk is held back until
 * the digest matches, so a client never receives a tampered file whole: on a mismatch the connection is cut.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Decision, PackageFacts, PackageRef } from '../policy/types.js';
import { PEP440 } from '../ecosystems/pep440.js';
import { documentKey } from '../registry/metadata.js';
import type { SimpleFile } from '../registry/pypi-simple.js';
import { contentCoding, decodeBody } from './content-encoding.js';
import { aborted, clientClosed, downloadFailed, whoFailedFirst } from './download-failure.js';
import type { HandlerContext, Outcome } from './context.js';
import { decideNow, serves } from './evaluator.js';
import { VerifyingStream, type ExpectedDigest } from './integrity.js';
import { RETRY_AFTER_S } from './packument-cache.js';
import { digestChanged, pypiRef, sha256Digest } from './pypi-cache.js';
import { recordServedFile, servePypiFileOffline, servePypiPageOffline } from './pypi-offline.js';
import { decidePypiFile } from './pypi-file.js';
import { pageForm } from './pypi-page.js';
import { DECISION_HEADER, decisionHeader, sendBlocked, sendCached, sendError, sendNoneAllowed } from './respond.js';

/** Bound on the releases one 403 names. */
const MAX_NAMED = 5;
const NO_PYPI = 'the firewall has no PyPI index configured (--pypi-upstream)';

export { sha256Digest };

export async function servePypiProject(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, out: Outcome): Promise<number> {
  out.name = documentKey({ ecosystem: 'pypi', name });
  if (!ctx.pypi) {
    sendError(res, 404, `sscs firewall: ${NO_PYPI}`);
    return 404;
  }
  const lookup = await ctx.pypi.get(name, req.headers);
  if (!('entry' in lookup)) {
    // The index down and no page in memory: the files served before, from their stored decisions.
    if (lookup.status === 503 && !lookup.retryAfter) return await servePypiPageOffline(ctx, req, res, name, out, lookup.message);
    out.decision = lookup.status === 503 ? 'unavailable' : undefined;
    sendError(res, lookup.status, `sscs firewall: ${lookup.message}`, retryAfter(lookup));
    return lookup.status;
  }
  const { entry, source } = lookup;
  out.cache = source;
  // A release is reported as filtered when none of its files is left: one refused sdist beside a served wheel is not.
  // Releases by their PEP 440 normal form: `1.0.0.RC1.tar.gz` and `1.0.0rc1-py3-none-any.whl` are one release.
  const servedVersions = new Set(entry.served.map((f) => PEP440.normalize(f.version)));
  const filtered = new Map<string, Decision>();
  for (const [filename, d] of entry.decisions) {
    const v = PEP440.normalize(entry.files.get(filename)!.version);
    if (!serves(d) && !servedVersions.has(v) && !filtered.has(v)) filtered.set(v, d);
  }
  out.decision = filtered.size ? `filtered:${filtered.size}` : 'allow';
  if (filtered.size) ctx.onFiltered?.(name, [...filtered], 'pypi');
  if (!entry.served.length && filtered.size) {
    // Nothing left to install: a 403 with the reasons tells the user more than pip's "No matching distribution".
    // It names the releases the project needs when known, else the newest refused (the page lists oldest first).
    const wanted = ctx.wanted?.(name)?.map((v) => PEP440.normalize(v));
    const all = [...filtered];
    const needed = wanted ? all.filter(([v]) => wanted.includes(v)) : [];
    const named = (needed.length ? needed : all.slice(-1)).slice(0, MAX_NAMED);
    return sendNoneAllowed(ctx, res, out, name, 'file', named, (version) => pypiRef(name, version));
  }
  const form = pageForm(req.headers.accept);
  if (!form) {
    sendError(res, 406, 'sscs firewall: the Accept header accepts none of text/html, application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json');
    return 406;
  }
  const body = form === 'application/vnd.pypi.simple.v1+json' ? entry.json : entry.html;
  const etag = `${entry.etag.slice(0, -1)}-${form === 'application/vnd.pypi.simple.v1+json' ? 'j' : 'h'}"`;
  const headers = { etag, vary: 'Accept', 'cache-control': 'no-cache', [DECISION_HEADER]: out.decision };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return 304;
  }
  res.writeHead(200, { ...headers, 'content-type': form === 'text/html' ? 'text/html; charset=utf-8' : form, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
  return 200;
}

export async function servePypiFile(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, filename: string, out: Outcome): Promise<number> {
  out.name = documentKey({ ecosystem: 'pypi', name });
  if (!ctx.pypi) {
    sendError(res, 404, `sscs firewall: ${NO_PYPI}`);
    return 404;
  }
  const lookup = await ctx.pypi.get(name, req.headers);
  if (!('entry' in lookup)) {
    if (lookup.status === 503 && !lookup.retryAfter) return await servePypiFileOffline(ctx, req, res, name, filename, out, lookup.message);
    sendError(res, lookup.status, `sscs firewall: ${lookup.message}`, retryAfter(lookup));
    return lookup.status;
  }
  const decided = decidePypiFile(ctx, res, lookup.entry, name, filename, out);
  if (typeof decided === 'number') return decided;
  const { file, pkg, decision: d } = decided;
  const digest = sha256Digest(file.sha256!);
  // With --scan, a cached file is served only when these very bytes were served under today's inputs (policy,
  // scanner, feed), so scanned by this scanner; otherwise it is fetched and scanned again, as for npm tarballs.
  const scan = ctx.scanner?.file ? { scanFile: ctx.scanner.file, facts: lookup.entry.facts.get(filename) ?? { metadataAvailable: true } } : undefined;
  const known = scan ? await ctx.store.decision(documentKey(pkg), pkg.version) : undefined;
  const decidedNow = !scan || (known?.servedUnder === ctx.policy.version && known.integrity === digest.sri);
  const cached = decidedNow ? await ctx.tarballs.open(digest) : undefined;
  if (cached) {
    ctx.metrics.cache('tarball', 'hit');
    out.cache = lookup.source === 'stale' ? 'offline' : 'hit';
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(d) });
    await sendCached(req, res, cached, out);
    await recordServedFile(ctx, req, pkg.name, file, d, out);
    ctx.onDecision?.(pkg, d, true);
    return 200;
  }
  if (lookup.source === 'stale') {
    out.decision = 'unavailable';
    sendError(res, 503, 'sscs firewall: upstream index unavailable; the firewall does not serve files it has not checked');
    return 503;
  }
  // File names are immutable on PyPI: the sha256 is remembered before the first fetch, and one listed later that
  // differs is refused here too (a page built before another replica remembered it).
  const first = await ctx.store.rememberFileDigest(documentKey(pkg), filename, file.sha256!);
  if (first !== file.sha256) {
    const changed = digestChanged(filename, first, file.sha256!);
    out.decision = changed.action;
    out.rule = changed.rule;
    ctx.onDecision?.(pkg, changed, false);
    sendBlocked(ctx, res, pkg, changed);
    return 403;
  }
  // The file fetch takes one of the upstream slots the project pages take, as npm's fetches share one bound.
  const release = ctx.pypi.slot();
  if (!release) {
    out.decision = 'unavailable';
    sendError(res, 503, 'sscs firewall: the firewall is fetching as many PyPI pages and files as it may at once; try again shortly', { 'retry-after': String(RETRY_AFTER_S) });
    return 503;
  }
  ctx.metrics.cache('tarball', 'miss');
  out.cache = 'miss';
  try {
    return await fetchVerified(ctx, req, res, pkg, file, digest, d, out, scan && { ...scan, filename });
  } finally {
    release();
  }
}

const retryAfter = (l: { retryAfter?: number }): Record<string, string> => (l.retryAfter ? { 'retry-after': String(l.retryAfter) } : {});

interface ScanStep {
  scanFile: NonNullable<NonNullable<HandlerContext['scanner']>['file']>;
  facts: PackageFacts;
  filename: string;
}

async function fetchVerified(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, file: SimpleFile, digest: ExpectedDigest, d: Decision, out: Outcome, scan?: ScanStep): Promise<number> {
  const id = `${pkg.name}@${pkg.version}`;
  const source = ctx.pypi!.fileSource(file.url)!;
  const started = process.hrtime.bigint();
  const up = await source.upstream.request('GET', source.path, req.headers).catch((e: Error) => e);
  ctx.metrics.upstreamLatency(Number(process.hrtime.bigint() - started) / 1e9);
  if (up instanceof Error || up.status !== 200) {
    if (!(up instanceof Error)) up.body.resume();
    sendError(res, 502, `sscs firewall: cannot fetch ${id} from the upstream: ${up instanceof Error ? up.message : `upstream answered ${up.status}`}`);
    return 502;
  }
  const declared = Number(up.headers['content-length'] ?? -1);
  if (declared > ctx.maxTarballBytes) {
    up.body.destroy();
    aborted(ctx, out, 'too-large', `declared ${declared} bytes`);
    sendError(res, 502, `sscs firewall: ${id}: the file of ${declared} bytes is over the limit of ${ctx.maxTarballBytes} bytes (--max-tarball-mb)`);
    return 502;
  }
  let body: Readable;
  try {
    body = decodeBody(up.body);
  } catch (e) {
    sendError(res, 502, `sscs firewall: cannot fetch ${id}: ${(e as Error).message}`);
    return 502;
  }
  const writer = ctx.tarballs.writer(digest);
  // Whatever path ends this request (a store write that throws included), no half-written file stays behind:
  // abort() is a no-op once the writer is committed or aborted.
  try {
    const verify = new VerifyingStream(digest, ctx.maxTarballBytes);
    if (scan) return await scanThenServe(ctx, req, res, pkg, file, digest, body, writer, out, scan);
    const length = contentCoding(up.body) === 'identity' ? up.headers['content-length'] : undefined;
    if (!length && req.httpVersion === '1.0') {
      // No chunked encoding in HTTP/1.0: a cut connection would read as a whole file, so verify it whole first.
      try {
        await pipeline(body, verify, writer.stream);
        await writer.commit();
      } catch (e) {
        const status = mismatch(ctx, res, out, id, e);
        await writer.abort();
        return status;
      }
      const cached = await ctx.tarballs.open(digest);
      if (!cached) {
        sendError(res, 502, `sscs firewall: ${id}: the verified file could not be read back from the cache`);
        return 502;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(d) });
      await sendCached(req, res, cached, out);
      await recordServedFile(ctx, req, pkg.name, file, d, out);
      ctx.onDecision?.(pkg, d, true);
      return 200;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(length ? { 'content-length': length } : {}), [DECISION_HEADER]: decisionHeader(d) });
    verify.on('data', (c: Buffer) => writer.write(c));
    const clientFirst = whoFailedFirst(res, [up.body, body, verify]);
    try {
      await pipeline(body, verify, res);
    } catch (e) {
      // Counted before anything is awaited: the client may already see the cut and ask /metrics.
      out.error = (e as Error).message;
      if (clientFirst()) clientClosed(ctx);
      else mismatch(ctx, undefined, out, id, e);
      // Cut: with the last chunk held back, the client cannot take the file for complete.
      res.destroy();
      await writer.abort();
      return 502;
    }
    await writer.commit().catch((e: Error) => (out.error = `file cache: ${e.message}`));
    await recordServedFile(ctx, req, pkg.name, file, d, out);
    ctx.onDecision?.(pkg, d, true);
    return 200;
  } catch (e) {
    // Nor an upstream download left open.
    up.body.destroy();
    throw e;
  } finally {
    await writer.abort();
  }
}

/**
 * --scan: the whole file is downloaded through the sha256 check, scanned in place (a wheel is read from its zip
 * central directory), and decided again with the findings, exactly as scanThenServe in tarball.ts does for npm:
 * the findings are recorded for the release (a release is one package version, whichever of its files was
 * scanned, so earlier findings are kept), the decision too, and only a file the policy still serves is cached.
 */
async function scanThenServe(
  ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, file: SimpleFile, digest: ExpectedDigest, body: Readable,
  writer: ReturnType<HandlerContext['tarballs']['writer']>, out: Outcome, scan: ScanStep,
): Promise<number> {
  const id = `${pkg.name}@${pkg.version}`;
  try {
    await pipeline(body, new VerifyingStream(digest, ctx.maxTarballBytes), writer.stream);
  } catch (e) {
    const status = mismatch(ctx, res, out, id, e);
    await writer.abort();
    return status;
  }
  const key = documentKey(pkg);
  let found: NonNullable<PackageFacts['suspicious']>;
  try {
    found = await scan.scanFile(writer.tmpPath, scan.filename.endsWith('.whl') ? 'wheel' : 'sdist');
  } catch (e) {
    // A file the scanner cannot read is not served: that is what a malicious one would aim for.
    found = [{ rule: 'unscannable', severity: 'high', evidence: (e as Error).message.slice(0, 200) }];
  }
  const earlier = (await ctx.store.records(key, new Date())).scans.get(pkg.version) ?? [];
  const ofThisFile = found.map((f) => ({ ...f, evidence: `${scan.filename}: ${f.evidence}` }));
  const seen = new Set(earlier.map((f) => JSON.stringify(f)));
  const suspicious = [...earlier, ...ofThisFile.filter((f) => !seen.has(JSON.stringify(f)))];
  const final = await decideNow(ctx.policy, ctx.store, pkg, { ...scan.facts, suspicious }, new Date());
  await ctx.store.recordScan(key, pkg.version, suspicious, !serves(final));
  out.decision = final.action;
  out.rule = final.rule;
  const now = new Date();
  if (!serves(final)) {
    await writer.abort();
    await ctx.store.recordDecisions([{ name: key, version: pkg.version, action: final.action, rule: final.rule, reason: final.reason, ...(final.until ? { until: final.until } : {}), policyVersion: ctx.policy.version, decidedAt: now }]);
    ctx.onDecision?.(pkg, final, false);
    sendBlocked(ctx, res, pkg, final);
    return 403;
  }
  await writer.commit();
  // The bytes served under today's inputs are remembered: the next request for them is a cache hit, not a rescan.
  await ctx.store.recordDecisions([{ name: key, version: pkg.version, action: final.action, rule: final.rule, reason: final.reason, integrity: digest.sri, policyVersion: ctx.policy.version, decidedAt: now }]);
  const cached = await ctx.tarballs.open(digest);
  if (!cached) {
    sendError(res, 502, `sscs firewall: ${id}: the scanned file could not be read back from the cache`);
    return 502;
  }
  out.cache = 'scanned';
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(final) });
  await sendCached(req, res, cached, out);
  await recordServedFile(ctx, req, pkg.name, file, final, out);
  ctx.onDecision?.(pkg, final, true);
  return 200;
}

/** A failed verified download: logged and counted (download-failure.ts), and a 502 when the answer has not begun. */
function mismatch(ctx: HandlerContext, res: ServerResponse | undefined, out: Outcome, id: string, e: unknown): number {
  downloadFailed(ctx, out, e);
  if (res && !res.headersSent) sendError(res, 502, `sscs firewall: ${id}: ${(e as Error).message}`);
  return 502;
}
