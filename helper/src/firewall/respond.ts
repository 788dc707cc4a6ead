/** Small response helpers shared by the handlers. npm prints a 4xx body's `error` field to the user. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Outcome } from './context.js';
import type { Cached } from './tarball-cache.js';
import type { PackageRef, Decision } from '../policy/types.js';
import { blockMessage } from './evaluator.js';

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

export function sendBlocked(res: ServerResponse, pkg: PackageRef, d: Decision): void {
  sendError(res, 403, blockMessage(pkg, d), { [DECISION_HEADER]: decisionHeader(d) });
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
