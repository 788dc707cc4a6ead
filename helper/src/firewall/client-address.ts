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
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors.js';

/** X-Forwarded-For entries examined, from the right: a chain of proxies is a few hops, not a header's worth. */
export const MAX_FORWARDED_HOPS = 20;

export interface TrustedProxies {
  /** The ranges as given (normalised CIDR), for the start log line and --help. */
  readonly ranges: readonly string[];
  contains(address: string): boolean;
}

/**
 * An address in one spelling, so that audit rows and the login limiter see one client as one: an IPv4-mapped IPv6
 * address as IPv4 (`::ffff:0102:0304` and `::ffff:1.2.3.4` are 1.2.3.4, an IPv4 peer on a dual-stack socket), IPv6
 * lower-case and zero-compressed as RFC 5952 writes it (`2001:DB8:0:0::1` is 2001:db8::1), without a zone
 * (`fe80::1%eth0` is fe80::1: a zone names an interface of the host that wrote it). Node's isIP decides what is an
 * address (ipaddr.js alone would take `0x7f.1` and other inet_aton forms); ipaddr.js writes it. Undefined otherwise.
 */
export function canonicalAddress(text: string): string | undefined {
  if (!isIP(text)) return undefined;
  try {
    // The zone goes first: Node takes any zone text, ipaddr.js only letters and digits.
    return ipaddr.process(text.split('%', 1)[0]!).toString();
  } catch {
    return undefined;
  }
}

/** IPv6 prefix length the login limiter counts as one client: a /64 is one LAN, the least a subscriber is given (RFC 6177, RFC 7421). */
export const IPV6_CLIENT_PREFIX = 64;

/**
 * The login limiter's client for an address: an IPv4 address itself, an IPv6 address's /64 (`2001:db8:1:2::/64`),
 * since one subscriber holds a whole /64 and could take a new address for every guess. Anything else as given.
 */
export function limiterKey(address: string): string {
  const a = canonicalAddress(address);
  if (a === undefined || isIP(a) === 4) return a ?? address;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${a}/${IPV6_CLIENT_PREFIX}`).toString()}/${IPV6_CLIENT_PREFIX}`;
}

/**
 * IPv6 prefix length the login limiter also bounds as a whole: a /48 is the most one site is commonly given (RFC
 * 6177), 65,536 /64s, so that one holder cannot guess 65,536 times as often as a /64 by moving between them.
 */
export const IPV6_SITE_PREFIX = 48;

/** The login limiter's site for an IPv6 address: its /48 (`2001:db8:1::/48`). Undefined for IPv4 and anything else. */
export function limiterSiteKey(address: string): string | undefined {
  const a = canonicalAddress(address);
  if (a === undefined || isIP(a) === 4) return undefined;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${a}/${IPV6_SITE_PREFIX}`).toString()}/${IPV6_SITE_PREFIX}`;
}

const normalise = (address: string): string => canonicalAddress(address) ?? address;

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
  return canonicalAddress(bracketed ?? v4port ?? e);
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
