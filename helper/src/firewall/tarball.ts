/**
 * GET of a tarball. The version is found through the (filtered) packument, never guessed from the URL, and
 * only a path the upstream's own packument names is fetched. Denied and quarantined versions get a 403 that
 * names the rule and the way out; allowed ones stream through an integrity check.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Decision, PackageFacts, PackageRef } from '../policy/types.js';
import type { HandlerContext, Outcome } from './context.js';
import { decide, serves } from './evaluator.js';
import { expectedDigest, VerifyingStream, type ExpectedDigest } from './integrity.js';
import { DECISION_HEADER, decisionHeader, sendBlocked, sendError } from './respond.js';
import type { TarballEntry } from './packument.js';
import type { Cached } from './tarball-cache.js';

/** `name-1.2.3.tgz` -> `1.2.3`: used only offline, to look up a decision already recorded. */
function versionFromFile(name: string, path: string): string | undefined {
  const base = name.split('/').pop()!;
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.startsWith(`${base}-`) && file.endsWith('.tgz') ? file.slice(base.length + 1, -4) : undefined;
}

export async function serveTarball(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, path: string, out: Outcome): Promise<number> {
  out.name = name;
  const peeked = ctx.packuments.peek(name, req.headers);
  const lookup = peeked?.tarballs.has(path) && peeked.policyVersion === ctx.policy.version && peeked.generation === ctx.store.generation() && Date.now() < peeked.freshUntil
    ? { entry: peeked }
    : await ctx.packuments.get(name, 'abbreviated', req.headers);
  if (!('entry' in lookup)) {
    if (lookup.status === 503) return await serveOffline(ctx, req, res, name, path, out, lookup.message);
    sendError(res, lookup.status, lookup.message);
    return lookup.status;
  }
  const te = lookup.entry.tarballs.get(path);
  if (!te) {
    sendError(res, 404, `no version of ${name} in the upstream registry has the tarball ${path}`);
    return 404;
  }
  out.version = te.version;
  const pkg: PackageRef = { ecosystem: 'npm', name, version: te.version };
  const decision = lookup.entry.decisions.get(te.version)!;
  return await serveDecided(ctx, req, res, pkg, te, decision, out, lookup.entry.facts.get(te.version));
}

async function serveDecided(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, te: TarballEntry, decision: Decision, out: Outcome, facts?: PackageFacts): Promise<number> {
  out.decision = decision.action;
  out.rule = decision.rule;
  if (!serves(decision)) {
    record(ctx, pkg, decision);
    ctx.onDecision?.(pkg, decision, false);
    sendBlocked(res, pkg, decision);
    return 403;
  }
  const digest = expectedDigest(te.integrity, te.shasum);
  if (!digest) {
    out.decision = 'deny';
    out.rule = 'firewall:no-integrity';
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version} has no integrity in the upstream packument, so its tarball cannot be checked`);
    return 502;
  }
  const changed = integrityChanged(ctx, pkg, digest);
  if (changed) {
    out.decision = 'deny';
    out.rule = 'firewall:integrity-changed';
    ctx.metrics.inc('sscs_firewall_integrity_failures_total', 'Tarballs whose bytes did not match the packument integrity.');
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version} now has integrity ${digest.sri} upstream, but was ${changed} when the firewall first served it; npm versions are immutable, so the registry was tampered with or the version republished`);
    return 502;
  }
  const cached = await ctx.tarballs.open(digest);
  if (cached) {
    ctx.metrics.cache('tarball', 'hit');
    out.cache = 'hit';
    record(ctx, pkg, decision, digest.sri);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(decision) });
    await sendCached(req, res, cached, out);
    ctx.onDecision?.(pkg, decision, true);
    return 200;
  }
  ctx.metrics.cache('tarball', 'miss');
  out.cache = 'miss';
  const started = process.hrtime.bigint();
  const up = await ctx.upstream.request('GET', te.upstreamPath, req.headers).catch((e: Error) => e);
  ctx.metrics.upstreamLatency(Number(process.hrtime.bigint() - started) / 1e9);
  if (up instanceof Error || up.status !== 200) {
    if (!(up instanceof Error)) up.body.resume();
    const why = up instanceof Error ? up.message : `upstream answered ${up.status}`;
    sendError(res, 502, `sscs firewall: cannot fetch ${pkg.name}@${pkg.version} from the upstream registry: ${why}`);
    return 502;
  }
  const writer = ctx.tarballs.writer(digest);
  if (ctx.scanner) return await scanThenServe(ctx, req, res, pkg, te, decision, digest, up.body, writer, out, facts ?? { metadataAvailable: true });

  // Acknowledge only what is durably recorded: the decision is committed before the first byte goes out.
  record(ctx, pkg, decision, digest.sri);
  const length = up.headers['content-length'];
  res.writeHead(200, { 'content-type': 'application/octet-stream', ...(length ? { 'content-length': length } : {}), [DECISION_HEADER]: decisionHeader(decision) });
  const verify = new VerifyingStream(digest);
  verify.on('data', (c: Buffer) => writer.stream.write(c));
  try {
    await pipeline(up.body, verify, res);
    writer.stream.end();
    await writer.commit();
    ctx.onDecision?.(pkg, decision, true);
    return 200;
  } catch (e) {
    await writer.abort();
    // Cut the connection: with the last chunk held back the client cannot take the tarball for complete.
    res.destroy();
    out.error = (e as Error).message;
    if ((e as { code?: string }).code === 'INTEGRITY_MISMATCH') {
      out.decision = 'deny';
      out.rule = 'firewall:integrity';
      ctx.metrics.inc('sscs_firewall_integrity_failures_total', 'Tarballs whose bytes did not match the packument integrity.');
    }
    return 502;
  }
}

async function scanThenServe(
  ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, pkg: PackageRef, te: TarballEntry, decision: Decision,
  digest: ExpectedDigest, body: IncomingMessage, writer: ReturnType<HandlerContext['tarballs']['writer']>, out: Outcome, facts: PackageFacts,
): Promise<number> {
  try {
    await pipeline(body, new VerifyingStream(digest), writer.stream);
  } catch (e) {
    await writer.abort();
    out.decision = 'deny';
    out.rule = 'firewall:integrity';
    out.error = (e as Error).message;
    ctx.metrics.inc('sscs_firewall_integrity_failures_total', 'Tarballs whose bytes did not match the packument integrity.');
    sendError(res, 502, `sscs firewall: ${pkg.name}@${pkg.version}: ${(e as Error).message}`);
    return 502;
  }
  let suspicious: NonNullable<PackageFacts['suspicious']>;
  try {
    suspicious = await ctx.scanner!(createReadStream(writer.tmpPath));
  } catch (e) {
    // A tarball the scanner cannot read is not served: that is what a malicious one would aim for.
    suspicious = [{ rule: 'unscannable', severity: 'high', evidence: (e as Error).message.slice(0, 200) }];
  }
  // Re-decide with the findings: the policy says whether they quarantine, deny or only warn.
  const final = decide(ctx.policy, ctx.store, pkg, { ...facts, suspicious }, new Date());
  ctx.store.recordScan(pkg.name, pkg.version, suspicious, !serves(final));
  out.decision = final.action;
  out.rule = final.rule;
  if (!serves(final)) {
    await rm(writer.tmpPath, { force: true });
    record(ctx, pkg, final);
    ctx.onDecision?.(pkg, final, false);
    sendBlocked(res, pkg, final);
    return 403;
  }
  await writer.commit();
  record(ctx, pkg, final, digest.sri);
  return await serveDecided(ctx, req, res, pkg, te, final, out);
}

async function serveOffline(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, path: string, out: Outcome, message: string): Promise<number> {
  const version = versionFromFile(name, path);
  const known = version !== undefined && ctx.serveCachedOffline ? ctx.store.decision(name, version) : undefined;
  const digest = known?.integrity ? expectedDigest(known.integrity, undefined) : undefined;
  const cached = digest && known && serves(known) ? await ctx.tarballs.open(digest) : undefined;
  if (!cached || !known) {
    out.decision = 'unavailable';
    sendError(res, 503, `sscs firewall: ${message}`);
    return 503;
  }
  out.version = version;
  out.decision = known.action;
  out.rule = known.rule;
  out.cache = 'offline';
  ctx.metrics.cache('tarball', 'stale');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(known) });
  await sendCached(req, res, cached, out);
  return 200;
}

async function sendCached(req: IncomingMessage, res: ServerResponse, cached: Cached, out: Outcome): Promise<void> {
  if ('body' in cached) {
    res.end(req.method === 'HEAD' ? undefined : cached.body);
    return;
  }
  if (req.method === 'HEAD') {
    cached.stream.destroy();
    res.end();
    return;
  }
  await pipeline(cached.stream, res).catch((e: Error) => (out.error = e.message));
}

/**
 * The integrity recorded when this version was first served, if the upstream now says another one (same
 * algorithm): a version's bytes never change on npm, so a new digest means a tampered or republished version.
 */
function integrityChanged(ctx: HandlerContext, pkg: PackageRef, digest: ExpectedDigest): string | undefined {
  const before = ctx.store.decision(pkg.name, pkg.version)?.integrity;
  if (!before || before === digest.sri || !before.startsWith(`${digest.algorithm}-`)) return undefined;
  return before;
}

/** Decisions this process already committed, so a hot tarball is not re-written on every request. */
const committed = new WeakMap<object, Map<string, string>>();
/** Bound on that memo; past it, it starts over (a re-write is only a wasted commit). */
const MAX_MEMO = 100_000;

function record(ctx: HandlerContext, pkg: PackageRef, d: Decision, integrity?: string): void {
  let memo = committed.get(ctx.store);
  if (!memo) committed.set(ctx.store, (memo = new Map()));
  const key = `${pkg.name}@${pkg.version}`;
  const value = `${d.action}\0${d.rule}\0${d.until?.getTime() ?? ''}\0${integrity ?? ''}\0${ctx.policy.version}`;
  if (memo.get(key) === value) return;
  if (memo.size >= MAX_MEMO) memo.clear();
  ctx.store.recordDecisions([{ name: pkg.name, version: pkg.version, action: d.action, rule: d.rule, reason: d.reason, ...(d.until ? { until: d.until } : {}), ...(integrity ? { integrity } : {}), policyVersion: ctx.policy.version, decidedAt: new Date() }]);
  memo.set(key, value);
}

export function clientOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
