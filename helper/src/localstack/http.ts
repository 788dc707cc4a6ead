import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Requests to the local services are small JSON documents; refuse anything larger. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface Reply {
  status: number;
  body: string | Uint8Array;
  contentType?: string;
}

export type Route = (req: IncomingMessage, body: Buffer) => Promise<Reply>;

export class HttpFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: 'application/json' });

export function isLoopback(req: IncomingMessage): boolean {
  return LOOPBACK.has(req.socket.remoteAddress ?? '');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new HttpFailure(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A server on 127.0.0.1 with an ephemeral port, routing `METHOD /path` to handlers. */
export async function listen(routes: Record<string, Route>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[`${req.method} ${path}`];
    const send = (r: Reply) => {
      res.writeHead(r.status, { 'content-type': r.contentType ?? 'text/plain', connection: 'close' });
      res.end(r.body);
    };
    if (!route) return send(json(404, { code: 5, message: `no route for ${req.method} ${path}` }));
    readBody(req)
      .then((body) => route(req, body))
      .then(send, (e: unknown) => {
        const status = e instanceof HttpFailure ? e.status : 400;
        send(json(status, { code: status, message: (e as Error).message }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
