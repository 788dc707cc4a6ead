/**
 * Links no library's code has a use for (the kind GuardDog's `shady-links` rule looks for, written here from its
 * description): hosts that hide where a link goes (URL shorteners, IP loggers), hand out payloads (raw paste
 * sites, anonymous file drops), receive what is sent to them (tunnels, request catchers, out-of-band probes),
 * answer "what is my IP" (recon), domains under TLDs that are mostly abuse, and literal IP addresses other than
 * private, loopback, documentation and well-known resolver ones. Read from string literals only (comments and
 * docstrings are prose, analyse.ts skips them).
 */

const SHORTENER = 'a URL shortener';
/** A URL shortener hides where a link goes, but honest messages use them too (`See https://bit.ly/...`). */
export const isShortener = (finding: string): boolean => finding.startsWith(SHORTENER);

/** Hosts matched on the host itself or any parent domain (`x.ngrok.io` is ngrok.io). */
const SHADY_HOSTS: Record<string, string> = Object.fromEntries([
  ...['bit.ly', 'tinyurl.com', 'goo.gl', 'is.gd', 'v.gd', 'cutt.ly', 'ow.ly', 'rb.gy', 'shorturl.at', 'rebrand.ly', 'tiny.cc', 'shorte.st', 'adf.ly', 'bl.ink', 't.ly', 'clck.ru', 'u.to']
    .map((h) => [h, SHORTENER]),
  ...['grabify.link', 'iplogger.org', 'iplogger.com', 'iplogger.ru', '2no.co', 'yip.su', 'blasze.com', 'ps3cfw.com']
    .map((h) => [h, 'an IP logger']),
  ...['pastebin.com', 'paste.ee', 'hastebin.com', 'ghostbin.co', 'rentry.co', 'paste.rs', 'dpaste.org', 'controlc.com', 'justpaste.it', 'privatebin.net']
    .map((h) => [h, 'a paste site']),
  ...['transfer.sh', 'file.io', 'gofile.io', 'anonfiles.com', 'temp.sh', '0x0.st', 'catbox.moe', 'filebin.net', 'bashupload.com', 'oshi.at']
    .map((h) => [h, 'an anonymous file drop']),
  ...['ngrok.io', 'ngrok-free.app', 'ngrok.app', 'trycloudflare.com', 'workers.dev', 'serveo.net', 'localhost.run', 'loca.lt', 'pipedream.net', 'webhook.site',
    'requestbin.net', 'requestcatcher.com', 'beeceptor.com', 'oast.fun', 'oast.pro', 'oast.live', 'oast.site', 'oast.online', 'oast.me', 'interact.sh',
    'burpcollaborator.net', 'oastify.com', 'canarytokens.com', 'dnslog.cn', 'ceye.io', 'requestrepo.com']
    .map((h) => [h, 'a tunnel or request catcher']),
  ...['ip.me', 'ipinfo.io', 'ifconfig.me', 'ipify.org', 'icanhazip.com', 'ip-api.com', 'ipapi.co', 'myexternalip.com', 'ident.me', 'wtfismyip.com', 'checkip.amazonaws.com']
    .map((h) => [h, 'a what-is-my-IP service']),
]);

/** Top-level domains given away free or cheaply, where most names seen in malware live (Spamhaus, Interisle). */
const SHADY_TLDS = new Set(['pw', 'tk', 'ml', 'ga', 'cf', 'gq', 'top', 'su', 'icu', 'cyou', 'buzz', 'rest', 'monster', 'zip', 'mov', 'kim', 'country', 'gdn', 'bid', 'loan']);

/** IPv4 addresses a link may name: private, loopback, link-local, unspecified, documentation, public resolvers. */
function harmlessV4(a: number[]): boolean {
  const [x, y] = a as [number, number];
  if (x === 10 || x === 127 || x === 0 || (x === 169 && y === 254) || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127)) return true;
  const s = a.join('.');
  if (/^(?:192\.0\.2|198\.51\.100|203\.0\.113)\./.test(s) || s === '255.255.255.255') return true;
  return ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4', '9.9.9.9', '149.112.112.112', '208.67.222.222', '208.67.220.220'].includes(s);
}

/** With a scheme: `scheme://[userinfo@]host[:port]`; the authority ends at `/`, `?`, `#`, a quote or white space. */
const WITH_SCHEME = /\b(?:https?|ftps?|wss?):\/\/([^\s'"<>`/?#\\]+)/gi;
/** Without one, a string that starts with a dotted host name followed by a path (`x.oast.fun/track`). */
const BARE_HOST = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)\//i;
const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function hostVerdict(host: string, withScheme: boolean): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[')) return h === '[::]' ? undefined : 'a literal IPv6 address';
  const v4 = V4.exec(h);
  if (v4) {
    const a = v4.slice(1).map(Number);
    return a.some((o) => o > 255) || harmlessV4(a) ? undefined : 'a literal public IP address';
  }
  const labels = h.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const why = SHADY_HOSTS[labels.slice(i).join('.')];
    if (why) return why;
  }
  // A bare `name.zip/...` is as likely a file path as a host: TLDs are judged only in links with a scheme.
  if (withScheme && labels.length >= 2 && SHADY_TLDS.has(labels.at(-1)!)) return `a domain under .${labels.at(-1)}`;
  return undefined;
}

/** The first shady link in a string (`why: link`), or undefined. */
export function shadyLink(s: string): string | undefined {
  return shadyLinks(s)[0];
}

function shadyLinks(s: string): string[] {
  WITH_SCHEME.lastIndex = 0;
  for (let m = WITH_SCHEME.exec(s); m; m = WITH_SCHEME.exec(s)) {
    const authority = m[1]!;
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    const host = hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : hostPort.replace(/:\d*$/, '');
    const why = host && hostVerdict(host, true);
    if (why) return [`${why}: ${m[0]}`];
  }
  const bare = BARE_HOST.exec(s);
  const why = bare && hostVerdict(bare[1]!, false);
  return why ? [`${why}: ${bare![0]}`] : [];
}
