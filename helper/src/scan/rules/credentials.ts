import type { Finding, Severity } from '../types.js';
import { at, codeFiles, find, NETWORK_SEND, type Hit, type Rule } from './common.js';
import { evidence } from '../files.js';
import { firstOf, search, thenOnLine } from '../js/linear.js';

/** What a credential stealer reads, by kind: two kinds in one file is a harvest, not a config loader. */
const CREDENTIALS: readonly [kind: string, re: RegExp][] = [
  ['npm', /\.npmrc\b|\bNPM_TOKEN\b|\bNODE_AUTH_TOKEN\b|_authToken\b/],
  ['ssh', /\.ssh[/\\'"]|\bid_(?:rsa|ed25519|ecdsa)\b/],
  ['aws', /\.aws[/\\]credentials|\bAWS_SECRET_ACCESS_KEY\b/],
  ['cloud-metadata', /169\.254\.169\.254|metadata\.google\.internal/],
  ['ci-token', /\bCI_JOB_TOKEN\b|\bGITHUB_TOKEN\b|\bGITLAB_TOKEN\b|\bACTIONS_RUNTIME_TOKEN\b/],
];
/**
 * One pass that every credential read and environment dump below also matches: most files hold none, and one
 * alternation is much cheaper than a pass per kind.
 */
const ANY_READ = /npmrc|_TOKEN|_authToken|\.ssh|id_(?:rsa|ed25519|ecdsa)|\.aws|AWS_SECRET|169\.254\.169\.254|metadata\.google|stringify\s*\(\s*process\.env|printenv|\benv\s*\|/;
const READ_HINTS = ['npmrc', '_TOKEN', '_authToken', '.ssh', 'id_', '.aws', 'AWS_SECRET', '169.254.169.254', 'metadata.google', 'process.env', 'printenv', 'env'];
/** The whole environment serialised or enumerated: every secret variable at once. */
export const ENV_DUMP = firstOf(search(/JSON\.stringify\s*\(\s*process\.env\s*[,)]|\benv\s*\|\s*(?:curl|base64)/), thenOnLine(/\bprintenv\b/, '|'));

/** How close (characters) a send must be to a credential read for the pair to count as one act in a bundle. */
const PROXIMITY = 4096;
const MAX_SENDS_CHECKED = 1000;

interface Reads {
  kinds: string[];
  first: Hit;
  envDump: boolean;
  /** Offsets of the first read of each kind. */
  offsets: number[];
}

/** Whether a network send sits near one of the reads (bundles hold unrelated SDK code far apart). */
function sendNear(text: string, reads: Reads): boolean {
  const sends = new RegExp(NETWORK_SEND.source, 'g');
  let n = 0;
  for (let m = sends.exec(text); m && n < MAX_SENDS_CHECKED; m = sends.exec(text), n++) {
    if (reads.offsets.some((o) => Math.abs(o - m!.index) <= PROXIMITY)) return true;
  }
  return false;
}

function credentialReads(text: string): Reads | undefined {
  const kinds: string[] = [];
  const offsets: number[] = [];
  let first: Hit | undefined;
  // Literal pieces every ANY_READ match holds: includes() skips most files (and hostile ones) far faster.
  if (!READ_HINTS.some((h) => text.includes(h)) || !ANY_READ.test(text)) return undefined;
  for (const [kind, re] of CREDENTIALS) {
    const hit = find(text, re);
    if (!hit) continue;
    kinds.push(kind);
    offsets.push(hit.index);
    if (!first || hit.index < first.index) first = hit;
  }
  const dump = find(text, ENV_DUMP);
  if (dump) {
    kinds.push('environment');
    offsets.push(dump.index);
    if (!first || dump.index < first.index) first = dump;
  }
  return first ? { kinds, first, envDump: dump !== undefined, offsets } : undefined;
}

/**
 * credential-exfil: credentials read and a network send in the same file, or anywhere on the install path.
 * Critical at install time; high for the whole environment or two kinds of credentials with a send nearby;
 * low otherwise (code-exfiltration follows the data): SDKs and bundles legitimately do one (the AWS SDK reads ~/.aws and the metadata endpoint, npm clients read .npmrc).
 */
export const credentials: Rule = (pkg) => {
  const out: Finding[] = [];
  let installReads: { path: string; text: string; reads: Reads } | undefined;
  let installSends = false;
  for (const { path, text } of codeFiles(pkg)) {
    const reads = credentialReads(text);
    const install = pkg.installFiles.has(path);
    const send = reads || install ? find(text, NETWORK_SEND) : undefined;
    if (install && reads) installReads ??= { path, text, reads };
    if (install && send) installSends = true;
    if (!reads || !send) continue;
    const harvest = (reads.envDump || reads.kinds.length >= 2) && sendNear(text, reads);
    // A credential name and a send merely sharing a file (bundles of SDKs and package managers) is low: the
    // code analysis (code-exfiltration) reports when the credential actually reaches the send.
    const severity: Severity = install ? 'critical' : harvest ? 'high' : 'low';
    out.push(at('credential-exfil', severity, path, text, reads.first, `reads ${reads.kinds.join(', ')} credentials and sends data over the network${install ? ' at install time' : ''}`));
  }
  for (const script of pkg.installScripts) {
    const reads = credentialReads(script.command);
    if (reads && (find(script.command, NETWORK_SEND) || installSends)) {
      out.push({ rule: 'credential-exfil', severity: 'critical', file: 'package.json', line: script.line, evidence: evidence(`${script.hook}: ${script.command}`), message: `${script.hook} script reads ${reads.kinds.join(', ')} credentials and sends data over the network` });
    }
  }
  if (installReads && installSends && !out.some((f) => f.file === installReads!.path)) {
    const { path, text, reads } = installReads;
    out.push(at('credential-exfil', 'critical', path, text, reads.first, `reads ${reads.kinds.join(', ')} credentials on the install path, which also sends data over the network`));
  }
  return out;
};
