import { NETWORK_PACKAGES } from './indicators.js';

/**
 * The lexical pre-screen: text a file must hold for the analysis (analyse.ts) to yield a signal that a grade in
 * rules/code.ts can turn into a finding. A file with none of these atoms is not parsed (most library files),
 * with the same findings as if it had been.
 *
 * The atoms are read off the analysis, not the corpus. Every graded signal needs one of:
 * - a module reference (bindings.ts `resolve`): a sensitive or network module named in a string, or a name the
 *   analysis folds (a `require`/`import()` argument other than a plain string, `module[…]`, a quoted `'require'`
 *   key, `process.mainModule`) — child processes, file writes, reads of secret files, vm, prototype patches and
 *   hidden members all start there;
 * - a network global (fetch, XMLHttpRequest, WebSocket, EventSource; also what a clipper hooks, with ethereum);
 * - `process.env` (or `process[…]`): the environment flows and dumps;
 * - a decoder or an escape (fold.ts and `isDecodeCall`: fromCharCode, charCodeAt, Buffer, atob, unescape,
 *   decodeURIComponent, deciphers and inflates, `\x`/`\u`), or a computed member of a global object;
 * - `eval` (the packer);
 * - an obfuscator shape (a `'push'](` rotation loop, checksum-prefixed string arrays);
 * - a string graded on its own (LD_PRELOAD, rundll32/regsvr32 or a `.dll` argument, AI CLI flags,
 *   curl/wget/PowerShell downloads, nslookup and `$(hostname)`-style substitution), case-insensitive where the
 *   rule is.
 * Names that only matter beside one of these are not atoms: an eval sink (`Function`, timers) grades nothing
 * without a decoded, downloaded or file source; Reflect, property descriptors and Object.entries hide nothing
 * without a module or global; workflow paths, secret scanners, publish, literal IPs and shared-library paths
 * need a child process, a network call or a file write.
 * Boundary: a graded string or a global's name spelled only by concatenation, template pieces or escapes other
 * than `\x`/`\u` (`'LD\_PRELOAD='`), with no other atom in the file, is not seen. `bench/scan-eval.mjs
 * --check-prescreen` compares the findings with and without the pre-screen on GuardDog's cases and the corpus.
 */
const CASE_SENSITIVE = new RegExp([
  /['"`](?:node:)?(?:child_process|https?|http2|net|dns|dns\/promises|tls|dgram|os|fs|fs\/promises|vm|module|worker_threads)['"`]/.source,
  /(?:\brequire|__non_webpack_require__|\bimport)\s*\(\s*(?!(['"])[^'"\\\n]*\1\s*\))|\brequire\s*['"`\]]|\bmodule\s*\[|mainModule/.source,
  /\bfetch\b|XMLHttpRequest|WebSocket|EventSource|ethereum|\bprocess\s*(?:\?\.|\.)\s*env\b|\bprocess\s*(?:\?\.\s*)?\[/.source,
  /fromCharCode|charCodeAt|\batob\b|Buffer|\bunescape\b|decodeURIComponent|createDecipher|inflateSync|gunzipSync|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\u\{|\b(?:global|globalThis|window|self)\s*\[/.source,
  /\beval\b|'push'\]\(|['"]\d{3,}[A-Za-z]{3,}['"]/.source,
  /LD_PRELOAD|DYLD_INSERT|dangerously|--yolo|trust-all-tools|allow-all-tools|full-auto|nslookup|\$\(\s*(?:hostname|whoami|id|uname|pwd|cat\s)|`\s*(?:hostname|whoami)/.source,
  [...NETWORK_PACKAGES].map((p) => `['"\`]${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"\`]`).join('|'),
].join('|'));

/** Atoms of the rules that match case-insensitively (dll, download-exec, the `.exe` + `.dll` call check). */
const CASE_INSENSITIVE = /rundll32|regsvr32|\.dll\b|\b(?:curl|wget|iwr|invoke-webrequest|downloadstring|downloadfile)\b/i;

let enabled = true;

/**
 * Turns the pre-screen off (every JavaScript candidate is parsed) or back on. For the bench and tests that
 * check it changes no finding; not a user option.
 */
export function setPrescreen(on: boolean): void {
  enabled = on;
}

/** Whether a file's text holds anything the analysis could turn into a signal (see above). */
export function mayYieldSignal(text: string): boolean {
  return !enabled || CASE_SENSITIVE.test(text) || CASE_INSENSITIVE.test(text);
}
