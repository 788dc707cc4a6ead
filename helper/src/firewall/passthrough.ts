/**
 * Registry endpoints the firewall relays without judging: ping, search and the audit advisories (npm audit
 * posts the lockfile's names and versions and gets advisories back). The path is fixed here; only the
 * query string or a bounded body comes from the client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HandlerContext } from './context.js';
import { sendError } from './respond.js';
import { readBody } from './upstream.js';

export async function relay(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, method: 'GET' | 'POST', path: string): Promise<number> {
  let body: Buffer | undefined;
  if (method === 'POST') {
    try {
      body = await readBody(req, ctx.maxBodyBytes);
    } catch (e) {
      sendError(res, 413, `sscs firewall: ${(e as Error).message}`);
      return 413;
    }
  }
  const up = await ctx.upstream.request(method, path, req.headers, body).catch((e: Error) => e);
  if (up instanceof Error) {
    sendError(res, 503, `sscs firewall: upstream registry unavailable: ${up.message}`);
    return 503;
  }
  const type = up.headers['content-type'];
  res.writeHead(up.status, { ...(type ? { 'content-type': type } : {}), ...(up.headers['content-length'] ? { 'content-length': up.headers['content-length'] } : {}) });
  await pipeline(up.body, res).catch(() => res.destroy());
  return up.status;
}
