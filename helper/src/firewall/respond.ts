/** Small response helpers shared by the handlers. npm and pip print a 4xx body's `error` field to the user. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HandlerContext, Outcome } from './context.js';
import type { Cached } from './tarball-cache.js';
import type { PackageRef, Decision } from '../policy/types.js';
import { blockMessage } from './evaluator.js';
import { printable } from '../io/printable.js';

export const DECISION_HEADER = 'x-sscs-decision';

export function decisionHeader(d: Decision): string {
  // Header values must stay on one line and in latin-1.
  return `${d.action}; rule=${d.rule.replace(/[^\x20-\x7e]/g, '?')}`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message }, headers);
}

/** The 403 for one refused version, naming the rule and the way out (the context's, else firewall serve's). */
export function sendBlocked(ctx: Pick<HandlerContext, 'wayOut'>, res: ServerResponse, pkg: PackageRef, d: Decision): void {
  sendError(res, 403, blockMessage(pkg, d, ctx.wayOut), { [DECISION_HEADER]: decisionHeader(d) });
}

/**
 * The 403 for a package the policy leaves nothing of to install (no version of an npm package, no file of a PyPI
 * project), which tells the user more than npm's ETARGET or pip's "No matching distribution": it names the refused
 * releases given (`named`, at least one), each with its rule and way out, tells onDecision of each, and records
 * the first in the outcome.
 */
export function sendNoneAllowed(
  ctx: Pick<HandlerContext, 'onDecision' | 'wayOut'>, res: ServerResponse, out: Outcome, name: string, what: 'version' | 'file',
  named: readonly [version: string, decision: Decision][], refOf: (version: string) => PackageRef,
): number {
  const messages = named.map(([version, d]) => {
    const pkg = refOf(version);
    ctx.onDecision?.(pkg, d, false);
    return blockMessage(pkg, d, ctx.wayOut).replace(/^sscs firewall: /, '');
  });
  const [version, d] = named[0]!;
  out.version = version;
  out.decision = d.action;
  out.rule = d.rule;
  sendError(res, 403, printable(`sscs firewall: no ${what} of ${name} is allowed. ${messages.join(' ')}`), { [DECISION_HEADER]: decisionHeader(d) });
  return 403;
}

export async function sendCached(req: IncomingMessage, res: ServerResponse, cached: Cached, out: Outcome): Promise<void> {
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
