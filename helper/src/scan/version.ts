/**
 * The version of the scanner's judgement: its rules, their thresholds and its read limits. The firewall keys
 * every cached decision made with --scan on it, so a tarball scanned by an older scanner is scanned again
 * before it is served. Bump it with any change that can change a finding.
 * 5: the lexical pre-screen (js/prescreen.ts) no longer skips files whose module name is built by
 * concatenation, or that hold only unescape/inflate decoders, PowerShell downloads or upper-case rundll32.
 * 6: the download-and-run, command-exfiltration, inline-fetch and pipe-to-shell patterns are linear-time matchers
 * (js/linear.ts): a string of repeated `curl -o x` no longer stalls a scan for hours (same findings otherwise).
 * 7: the lexical pre-screen is removed (every JavaScript candidate is parsed): escapes, template expressions and
 * comments hid payloads from its atoms, so files it skipped could hold findings.
 * 8: code-not-analysed (JavaScript; 9: Python too) is medium for a file that runs at install or startup, or that no
 * parser can read and is
 * loaded on require or import (nesting or padding no longer buys silence).
 * 10: the expressions a package could make super-linear are linear (ReDoS); a `node .` hook may give node any
 * `-` option (`node -r=x .`), and an os.chmod mode is a whole number token (not digits inside a longer word).
 * 11: a JavaScript file nested past the thread's stack is read again with a 64 MiB stack (scan/deep.ts); one that
 * runs at install or on require and still cannot be analysed, or an install-time file too large to parse, is
 * scan-incomplete (high, the scan incomplete), no longer medium code-not-analysed.
 * 12: a per-file work budget (budget.ts): folding that builds more than 16 Mi + 64 per character of the file in
 * strings and re-parsed code stops, and the file is reported as not fully analysed.
 * 13: a command that sends host details (`nslookup $(whoami).x`) is code-host-recon, no longer code-download-exec
 * (same severities), and a JavaScript string finding no longer repeats its description after its message.
 * 14: eval and Function reached through Reflect.apply/construct, Function.prototype.call.call and wrappers, string
 * timers through global objects, alias chains in any order, and templates without substitutions graded as strings.
 */
export const SCANNER_VERSION = '14';
