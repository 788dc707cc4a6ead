/**
 * A tarball while the upstream is unreachable. Only bytes already verified and served are candidates, and
 * only when nothing that let them through has changed since: the decision was made under the current policy,
 * the engine still serves the version now (a waiver expires, a release is withdrawn, a feed names it), and
 * the request carries the credential the bytes were fetched with, as online responses are kept per credential.
 * Anything else gets the fail-closed 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PackageFacts, PackageRef } from '../policy/types.js';
import type { HandlerContext, Outcome } from './context.js';
import { decide, serves } from './evaluator.js';
import { expectedDigest } from './integrity.js';
import { DECISION_HEADER, decisionHeader, sendCached, sendError } from './respond.js';

/** `name-1.2.3.tgz` -> `1.2.3`: used only offline, to look up a decision already recorded. */
export function versionFromFile(name: string, path: string): string | undefined {
  const base = name.split('/').pop()!;
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.startsWith(`${base}-`) && file.endsWith('.tgz') ? file.slice(base.length + 1, -4) : undefined;
}

/** Why a cached tarball may not be served offline, or undefined when it may. Logged, never sent. */
async function refusal(ctx: HandlerContext, req: IncomingMessage, name: string, version: string): Promise<string | undefined> {
  const known = await ctx.store.decision(name, version);
  if (!known?.integrity || !serves(known)) return 'no cached allow decision';
  if (known.servedUnder !== ctx.policy.version) return 'the cached tarball was served under another policy, scan setting, scanner or feed';
  if (known.credential !== ctx.upstream.forPackage(name).credentialOf(req.headers)) return 'the tarball was fetched with another credential';
  return undefined;
}

/**
 * `version` is undefined when nothing names one (no packument, and a tarball path not in npm's form).
 * `known` are the facts of a stale packument still in memory; without one, the registry's metadata is unknown.
 */
export async function serveOffline(
  ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, version: string | undefined, out: Outcome, message: string, known?: PackageFacts,
): Promise<number> {
  const refuse = (why: string): number => {
    out.decision = 'unavailable';
    out.error = why;
    sendError(res, 503, `sscs firewall: ${message}`);
    return 503;
  };
  if (version === undefined || !ctx.serveCachedOffline) return refuse('offline serving is off or the path names no version');
  out.version = version;
  const why = await refusal(ctx, req, name, version);
  if (why) return refuse(why);
  // Decided again now, on what is known without the registry (conditions on metadata it lacks are unknown,
  // and the policy's on_unknown decides them).
  const pkg: PackageRef = { ecosystem: 'npm', name, version };
  let facts: PackageFacts = known ?? { metadataAvailable: false, metadataError: 'upstream registry unavailable' };
  if (ctx.enrich) facts = ctx.enrich(name, version, facts);
  const at = new Date();
  const records = await ctx.store.records(name, at);
  const findings = ctx.scanner ? records.scans.get(version) : undefined;
  const now = decide(ctx.policy, records, pkg, findings ? { ...facts, suspicious: findings } : facts, at);
  if (!serves(now)) return refuse(`the policy now says ${now.action} by ${now.rule}`);
  const digest = expectedDigest((await ctx.store.decision(name, version))?.integrity, undefined);
  const cached = digest ? await ctx.tarballs.open(digest) : undefined;
  if (!cached) return refuse('the tarball is not in the cache');
  out.decision = now.action;
  out.rule = now.rule;
  out.cache = 'offline';
  ctx.metrics.cache('tarball', 'stale');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(now) });
  await sendCached(req, res, cached, out);
  return 200;
}
