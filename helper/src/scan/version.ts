/**
 * The version of the scanner's judgement: its rules, their thresholds and its read limits. The firewall keys
 * every cached decision made with --scan on it, so a tarball scanned by an older scanner is scanned again
 * before it is served. Bump it with any change that can change a finding.
 * 5: the lexical pre-screen (js/prescreen.ts) no longer skips files whose module name is built by
 * concatenation, or that hold only unescape/inflate decoders, PowerShell downloads or upper-case rundll32.
 */
export const SCANNER_VERSION = '5';
