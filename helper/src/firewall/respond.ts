/** Small response helpers shared by the handlers. npm prints a 4xx body's `error` field to the user. */
import type { ServerResponse } from 'node:http';
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
