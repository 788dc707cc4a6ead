/**
 * Who is asking: the one place the firewall reads a client's address, for audit rows, the served-client log
 * (retroactive hits), the request log and the admin login limiter.
 *
 * Without trusted proxies (the default) it is the TCP peer, and X-Forwarded-For is ignored: any client can
 * write that header. With --trusted-proxy ranges, and only when the peer is inside one, X-Forwarded-For is read
 * from the right, skipping addresses that are themselves trusted proxies; the first one that is not is the
 * client (nginx's realip module with real_ip_recursive on; Express's `trust proxy` with a list of ranges). An
 * entry that is not an IP address ends the walk at the proxy that sent it: an address is never made up of what
 * a client wrote. X-Forwarded-Proto is read on the same condition (the admin page's origin behind TLS).
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { UsageError } from '../errors.js';

/** X-Forwarded-For entries examined, from the right: a chain of proxies is a few hops, not a header's worth. */
export const MAX_FORWARDED_HOPS = 20;

export interface TrustedProxies {
  /** The ranges as given (normalised CIDR), for the start log line and --help. */
  readonly ranges: readonly string[];
  contains(address: string): boolean;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/**
 * Parses CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or single addresses (`10.1.2.3`, `::1`). A value that is neither
 * is a usage error (exit 2) naming it and `what` (the flag or variable it came from).
 */
export function trustedProxies(values: readonly string[], what = '--trusted-proxy'): TrustedProxies {
  const list = new BlockList();
  const ranges: string[] = [];
  for (const raw of values) {
    const value = raw.trim();
    const [addr = '', prefixText, extra] = value.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!family || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
      throw new UsageError('USAGE', `${what} must be an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8, not '${value}'`);
    }
    if (prefix === 0) {
      // Every address a proxy: any client could name any address in X-Forwarded-For (audit rows, the served-client
      // log, the login limiter's count), so the header would prove nothing.
      throw new UsageError('USAGE', `${what} '${value}' would trust every client's X-Forwarded-For (any client could claim any address, and escape the login limit): give the load balancer's own address or range`);
    }
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
    ranges.push(`${addr}/${prefix}`);
  }
  return {
    ranges,
    contains(address: string): boolean {
      const a = normalise(address);
      const family = isIP(a);
      return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`; undefined otherwise. */
function entryAddress(entry: string): string | undefined {
  const e = entry.trim();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/i.exec(e)?.[1];
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(e)?.[1];
  const a = bracketed ?? v4port ?? e;
  return isIP(a) ? normalise(a) : undefined;
}

/** The first value of a header that may have been sent more than once. */
const header = (req: IncomingMessage, name: string): string | undefined => [req.headers[name]].flat()[0];

/** The client's address, as described at the top of this module; 'unknown' when the socket has none left. */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies | undefined): string {
  const peer = req.socket.remoteAddress;
  if (!peer) return 'unknown';
  let client = normalise(peer);
  if (!trusted?.contains(client)) return client;
  // Node joins repeated X-Forwarded-For headers with ', ': the right-most entries are the nearest hops.
  const hops = String(header(req, 'x-forwarded-for') ?? '').split(',').slice(-MAX_FORWARDED_HOPS).reverse();
  for (const hop of hops) {
    if (!hop.trim()) continue;
    const next = entryAddress(hop);
    if (!next) return client;
    client = next;
    if (!trusted.contains(client)) return client;
  }
  return client;
}

/**
 * `https` or `http` as the client used it: X-Forwarded-Proto from a trusted proxy (its last value, the one the
 * nearest proxy wrote), else whether this socket is TLS.
 */
export function clientProtocol(req: IncomingMessage, trusted: TrustedProxies | undefined, tls: boolean): 'https' | 'http' {
  const peer = req.socket.remoteAddress;
  if (peer && trusted?.contains(peer)) {
    const last = String(header(req, 'x-forwarded-proto') ?? '').split(',').pop()?.trim().toLowerCase();
    if (last === 'https' || last === 'http') return last;
  }
  return tls ? 'https' : 'http';
}

const seen = new WeakMap<IncomingMessage, string>();

/**
 * The request's client address (clientAddress with the firewall's trusted proxies), read once per request and
 * remembered: the server reads it first, while the socket still knows its peer, and every later reader (audit,
 * served log, login limiter) gets the same answer.
 */
export function clientOf(ctx: { trustedProxies?: TrustedProxies | undefined }, req: IncomingMessage): string {
  let client = seen.get(req);
  if (client === undefined) seen.set(req, (client = clientAddress(req, ctx.trustedProxies)));
  return client;
}
