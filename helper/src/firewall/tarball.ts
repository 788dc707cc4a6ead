/**
 * GET of a tarball. The version is found through the (filtered) packument, never guessed from the URL, and
 * only a path the upstream's own packument names is fetched. Denied and quarantined versions get a 403 that
 * names the rule and the way out; allowed ones stream through an integrity check.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { contentCoding, decodeBody } from './content-encoding.js';
import type { Decision, PackageFacts, PackageRef } from '../policy/types.js';
import type { HandlerContext, Outcome } from './context.js';
import { aborted, clientClosed, downloadFailed, integrityFailed, whoFailedFirst } from './download-failure.js';
import { decideNow, serves } from './evaluator.js';
import { checkRemembered, expectedDigest, listedDigests, VerifyingStream, type ExpectedDigest } from './integrity.js';
import { serveOffline, versionFromFile } from './offline.js';
import { DECISION_HEADER, decisionHeader, sendBlocked, sendCached, sendError } from './respond.js';
import type { TarballEntry } from './packument.js';

export async function serveTarball(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, path: string, out: Outcome): Promise<number> {
  out.name = name;
  const peeked = ctx.packuments.peek(name, req.headers);
  const lookup = peeked?.tarballs.has(path) && peeked.policyVersion === ctx.policy.version && peeked.generation === ctx.store.generation() && Date.now() < peeked.freshUntil
    ? { entry: peeked, source: 'hit' as const }
    : await ctx.packuments.get(name, 'abbreviated', req.headers);
  if (!('entry' in lookup)) {
    if (lookup.retryAfter) {
      // At the in-flight bound: not the upstream down, so no offline answer either.
      out.decision = 'busy';
      sendError(res, 503, `sscs firewall: ${lookup.message}`, { 'retry-after': String(lookup.retryAfter) });
      return 503;
    }
    if (lookup.status === 503) return await serveOffline(ctx, req, res, name, versionFromFile(name, path), out, lookup.message);
    sendError(res, lookup.status, lookup.message);
    return lookup.status;
  }
  const te = lookup.entry.tarballs.get(path);
  if (!te) {
    sendError(res, 404, `no version of ${name} in the upstream registry has the tarball ${path}`);
    return 404;
  }
  out.version = te.version;
  // A stale packument holds the decisions of its day: offline, the version goes through the same checks as without one.
  if (lookup.source === 'stale') return await serveOffline(ctx, req, res, name, te.version, out, 'upstream registry unavailable; the firewall does not serve packages it has not checked', lookup.entry.facts.get(te.version));
  const pkg: PackageRef = { ecosystem: 'npm', name, version: te.version };
  const decision = lookup.entry.decisions.get(te.version)!;
  return await serveDecided(ctx, req, res, pkg, te, decision, out, lookup.entry.facts.get(te.version));
}

async function serveDecided(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, te: TarballEntry, decision: Decision, out: Outcome, facts?: PackageFacts): Promise<number> {
  out.decision = decision.action;
  out.rule = decision.rule;
  if (!serves(decision)) {
    await record(ctx, req, pkg, decision);
    ctx.onDecision?.(pkg, decision, false);
    sendBlocked(ctx, res, pkg, decision);
    return 403;
  }
  const digest = expectedDigest(te.integrity, te.shasum);
  if (!digest) {
    out.decision = 'deny';
    out.rule = 'firewall:no-integrity';
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version} has no integrity in the upstream packument, so its tarball cannot be checked`);
    return 502;
  }
  // npm versions are immutable: the digests listed now must agree with the one remembered from the first serve.
  const known = await ctx.store.decision(pkg.name, pkg.version);
  const check = checkRemembered(known?.integrity, listedDigests(te.integrity, te.shasum), digest);
  if (!check.ok) {
    integrityFailed(ctx, out, 'firewall:integrity-changed');
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version} ${check.reason}; npm versions are immutable, so the registry was tampered with or the version republished`);
    return 502;
  }
  // A cached file is used only when nothing about it is new: its digest is the remembered one (not yet checked
  // against it: fetched and checked against both), and with --scan it was served under today's inputs (scan,
  // scanner, feed, policy), so scanned by this scanner; otherwise it is fetched and scanned again first.
  const decidedNow = !ctx.scanner || (known?.servedUnder === ctx.policy.version && known.integrity === digest.sri);
  const cached = check.alsoCheck || !decidedNow ? undefined : await ctx.tarballs.open(digest);
  if (cached) {
    ctx.metrics.cache('tarball', 'hit');
    out.cache = 'hit';
    const first = await record(ctx, req, pkg, decision, digest.sri);
    if (first) return answerFirst(ctx, res, pkg, first, out);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(decision) });
    await sendCached(req, res, cached, out);
    ctx.onDecision?.(pkg, decision, true);
    return 200;
  }
  ctx.metrics.cache('tarball', 'miss');
  out.cache = 'miss';
  const started = process.hrtime.bigint();
  const up = await ctx.upstream.forPackage(pkg.name).request('GET', te.upstreamPath, req.headers).catch((e: Error) => e);
  ctx.metrics.upstreamLatency(Number(process.hrtime.bigint() - started) / 1e9);
  if (up instanceof Error || up.status !== 200) {
    if (!(up instanceof Error)) up.body.resume();
    const why = up instanceof Error ? up.message : `upstream answered ${up.status}`;
    sendError(res, 502, `sscs firewall: cannot fetch ${pkg.name}@${pkg.version} from the upstream registry: ${why}`);
    return 502;
  }
  const declared = Number(up.headers['content-length'] ?? -1);
  if (declared > ctx.maxTarballBytes) {
    up.body.destroy();
    aborted(ctx, out, 'too-large', `declared ${declared} bytes`);
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version}: the tarball of ${declared} bytes is over the limit of ${ctx.maxTarballBytes} bytes (--max-tarball-mb)`);
    return 502;
  }
  // A CDN may gzip even a .tgz whatever was asked: the integrity is over the tarball, so check and serve it decoded.
  let body: Readable;
  try {
    body = decodeBody(up.body);
  } catch (e) {
    sendError(res, 502, `sscs firewall: cannot fetch ${pkg.name}@${pkg.version} from the upstream registry: ${(e as Error).message}`);
    return 502;
  }
  const writer = ctx.tarballs.writer(digest);
  // Whatever path ends this request (a store write that throws included), no half-written file stays behind:
  // abort() is a no-op once the writer is committed or aborted.
  try {
    if (ctx.scanner) return await scanThenServe(ctx, req, res, pkg, te, decision, digest, body, writer, out, facts ?? { metadataAvailable: true }, check.alsoCheck);

    const length = contentCoding(up.body) === 'identity' ? up.headers['content-length'] : undefined;
    // HTTP/1.0 has no chunked encoding: without a length, a cut connection reads as a normal end of body, so
    // holding back the last chunk protects nothing. Such a client gets the tarball only verified whole.
    if (!length && req.httpVersion === '1.0') return await verifyThenServe(ctx, req, res, pkg, decision, digest, body, writer, out, check.alsoCheck);

    // Acknowledge only what is durably recorded: the decision is committed before the first byte goes out. A
    // stronger digest replaces the remembered one only once the bytes matched both.
    const first = await record(ctx, req, pkg, decision, check.alsoCheck?.sri ?? digest.sri);
    if (first) {
      body.destroy();
      await writer.abort();
      return answerFirst(ctx, res, pkg, first, out);
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(length ? { 'content-length': length } : {}), [DECISION_HEADER]: decisionHeader(decision) });
    const verify = new VerifyingStream(digest, ctx.maxTarballBytes, check.alsoCheck);
    verify.on('data', (c: Buffer) => writer.write(c));
    // The bytes matched both digests: the stronger one is remembered from now on, before the client can ask again.
    const upgrade = check.alsoCheck;
    if (upgrade) verify.once('end', () => {
      record(ctx, req, pkg, decision, digest.sri).catch((e: Error) => {
        out.error = `recording ${digest.sri}: ${e.message}`;
      });
    });
    const clientFirst = whoFailedFirst(res, [up.body, body, verify]);
    try {
      await pipeline(body, verify, res);
    } catch (e) {
      // Counted before anything is awaited: the client may already see the cut and ask /metrics.
      out.error = (e as Error).message;
      if (clientFirst()) clientClosed(ctx);
      else downloadFailed(ctx, out, e);
      // Cut the connection: with the last chunk held back the client cannot take the tarball for complete.
      res.destroy();
      await writer.abort();
      return 502;
    }
    // The client has the verified tarball; a cache file that could not be written is only fetched again next time.
    await writer.commit().catch((e: Error) => (out.error = `tarball cache: ${e.message}`));
    ctx.onDecision?.(pkg, decision, true);
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
 * Reads the whole upstream body into the cache writer through the integrity check, committing it when `commit`
 * says so. On a failure the writer is aborted, the client gets 502, and the answer is false.
 */
async function downloadVerified(
  ctx: HandlerContext, res: ServerResponse, pkg: PackageRef, digest: ExpectedDigest, body: Readable,
  writer: ReturnType<HandlerContext['tarballs']['writer']>, out: Outcome, remembered: ExpectedDigest | undefined, commit = false,
): Promise<boolean> {
  try {
    await pipeline(body, new VerifyingStream(digest, ctx.maxTarballBytes, remembered), writer.stream);
    if (commit) await writer.commit();
    return true;
  } catch (e) {
    downloadFailed(ctx, out, e);
    await writer.abort();
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version}: ${(e as Error).message}`);
    return false;
  }
}

/** Downloads and verifies the whole tarball into the cache, then serves it from there with its length. */
async function verifyThenServe(
  ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, decision: Decision,
  digest: ExpectedDigest, body: Readable, writer: ReturnType<HandlerContext['tarballs']['writer']>, out: Outcome, remembered?: ExpectedDigest,
): Promise<number> {
  if (!(await downloadVerified(ctx, res, pkg, digest, body, writer, out, remembered, true))) return 502;
  const cached = await ctx.tarballs.open(digest);
  if (!cached) {
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version}: the verified tarball could not be read back from the cache`);
    return 502;
  }
  const first = await record(ctx, req, pkg, decision, digest.sri);
  if (first) return answerFirst(ctx, res, pkg, first, out);
  out.cache = 'verified-whole';
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(decision) });
  await sendCached(req, res, cached, out);
  ctx.onDecision?.(pkg, decision, true);
  return 200;
}

async function scanThenServe(
  ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, te: TarballEntry, decision: Decision,
  digest: ExpectedDigest, body: Readable, writer: ReturnType<HandlerContext['tarballs']['writer']>, out: Outcome, facts: PackageFacts,
  remembered?: ExpectedDigest,
): Promise<number> {
  if (!(await downloadVerified(ctx, res, pkg, digest, body, writer, out, remembered))) return 502;
  let suspicious: NonNullable<PackageFacts['suspicious']>;
  try {
    // The scan worker reads the verified file itself: its bytes never cross this process.
    suspicious = await ctx.scanner!(writer.tmpPath);
  } catch (e) {
    // A tarball the scanner cannot read is not served: that is what a malicious one would aim for.
    suspicious = [{ rule: 'unscannable', severity: 'high', evidence: (e as Error).message.slice(0, 200) }];
  }
  // Re-decide with the findings: the policy says whether they quarantine, deny or only warn.
  const final = await decideNow(ctx.policy, ctx.store, pkg, { ...facts, suspicious }, new Date());
  await ctx.store.recordScan(pkg.name, pkg.version, suspicious, !serves(final));
  out.decision = final.action;
  out.rule = final.rule;
  if (!serves(final)) {
    await writer.abort();
    await record(ctx, req, pkg, final);
    ctx.onDecision?.(pkg, final, false);
    sendBlocked(ctx, res, pkg, final);
    return 403;
  }
  await writer.commit();
  const first = await record(ctx, req, pkg, final, digest.sri);
  if (first) return answerFirst(ctx, res, pkg, first, out);
  return await serveDecided(ctx, req, res, pkg, te, final, out);
}

/** Decisions this process already committed, so a hot tarball is not re-written on every request. */
const committed = new WeakMap<object, Map<string, string>>();
/** Bound on that memo; past it, it starts over (a re-write is only a wasted commit). */
const MAX_MEMO = 100_000;

/**
 * Commits the decision; with `integrity` (the bytes were served) also the credential they were served under,
 * so that offline they go only to that credential.
 */
async function record(ctx: HandlerContext, req: IncomingMessage, pkg: PackageRef, d: Decision, integrity?: string): Promise<Decision | undefined> {
  let memo = committed.get(ctx.store);
  if (!memo) committed.set(ctx.store, (memo = new Map()));
  const key = `${pkg.name}@${pkg.version}`;
  const credential = integrity ? ctx.upstream.forPackage(pkg.name).credentialOf(req.headers) : undefined;
  const value = `${d.action}\0${d.rule}\0${d.until?.getTime() ?? ''}\0${integrity ?? ''}\0${credential ?? ''}\0${ctx.policy.version}`;
  if (memo.get(key) === value) return undefined;
  if (memo.size >= MAX_MEMO) memo.clear();
  const [stored] = await ctx.store.recordDecisions([{ name: pkg.name, version: pkg.version, action: d.action, rule: d.rule, reason: d.reason, ...(d.until ? { until: d.until } : {}), ...(integrity ? { integrity } : {}), ...(credential ? { credential } : {}), policyVersion: ctx.policy.version, decidedAt: new Date() }]);
  memo.set(key, value);
  // Replicas sharing a database: another one decided this version first under the same inputs, and blocks it
  // (a scan that ran out of budget there, an age gate ending between the two): its decision is the answer.
  // A block of ours is never turned into a serve by another's allow: that stays fail-closed.
  if (stored && serves(d) && !serves(stored)) {
    memo.delete(key);
    return { action: stored.action, rule: stored.rule, reason: stored.reason, ...(stored.until ? { until: stored.until } : {}) };
  }
  return undefined;
}

/** Answers from the decision another replica recorded first (see record). */
function answerFirst(ctx: HandlerContext, res: ServerResponse, pkg: PackageRef, d: Decision, out: Outcome): number {
  out.decision = d.action;
  out.rule = d.rule;
  out.cache = 'decided-elsewhere';
  ctx.onDecision?.(pkg, d, false);
  sendBlocked(ctx, res, pkg, d);
  return 403;
}
