import type { Finding, Severity } from '../types.js';
import { at, codeFiles, EVAL_SINK, find, JS_FILE, NETWORK_SEND, type Rule } from './common.js';

/** A string literal long enough to hide a payload: base64 or hex. */
const LONG_ENCODED = /['"`](?:[A-Za-z0-9+/]{200,}={0,2}|(?:[0-9a-fA-F]{2}){120,})['"`]/;
/** Decoding calls that turn such a literal back into code. */
const DECODER = /\bBuffer\.from\s*\([^)]{0,400}['"](?:base64|hex)['"]|\batob\s*\(|\bString\.fromCharCode\s*\(\s*(?:\d+\s*,\s*){20,}|\bdecodeURIComponent\s*\(\s*escape\s*\(/;
/** How far around an eval sink a decoder may sit to count as feeding it. */
const SINK_WINDOW = 600;
const OBFUSCATOR_IDS = /\b_0x[0-9a-f]{4,6}\b/g;
const OBFUSCATOR_MIN_IDS = 100;
const OBFUSCATOR_MIN_DISTINCT = 10;
const ESCAPES = /\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}/;
const ESCAPES_MIN = 500;
/** Share of a file's characters taken by escapes above which the file is mostly escaped text. */
const ESCAPES_MIN_DENSITY = 0.3;
const MAX_SINKS_CHECKED = 200;
/**
 * Counting stops here: the thresholds are far below, and a 16 MiB file of escapes or `_0x` names would
 * otherwise cost millions of matches (issue 10: a 262 KB package took 15 s and 1.8 GB).
 */
const MAX_COUNTED = 100_000;

/** `_0x…` identifiers, counted without building an array of matches; distinct ones up to what the rule needs. */
function obfuscatorIds(text: string): { count: number; distinct: number } {
  const seen = new Set<string>();
  let count = 0;
  const re = new RegExp(OBFUSCATOR_IDS.source, 'g');
  for (let m = re.exec(text); m && count < MAX_COUNTED; m = re.exec(text)) {
    count++;
    if (seen.size < OBFUSCATOR_MIN_DISTINCT) seen.add(m[0]);
  }
  return { count, distinct: seen.size };
}

/** Characters over which escape density is measured: obfuscated files are escaped throughout. */
const ESCAPE_SAMPLE = 1024 * 1024;

/**
 * Hex and unicode escapes in the file's first ESCAPE_SAMPLE characters, counted with indexOf (no match
 * arrays), and the share of that sample they take.
 */
function countEscapes(text: string): { count: number; density: number } {
  const end = Math.min(text.length, ESCAPE_SAMPLE);
  let count = 0;
  for (let i = text.indexOf('\\'); i !== -1 && i < end; i = text.indexOf('\\', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c === 120 /* x */ ? isHex(text, i + 2, 2) : c === 117 /* u */ && isHex(text, i + 2, 4)) count++;
  }
  return { count, density: end === 0 ? 0 : (count * 4) / end };
}

function isHex(text: string, from: number, n: number): boolean {
  for (let k = from; k < from + n; k++) {
    const c = text.charCodeAt(k) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * obfuscated-eval (high; critical at install time): an encoded payload decoded and evaluated; medium when the
 *   decoder feeds the sink but the payload is not in the file (event-stream kept it in another file).
 * obfuscator-signature (medium; high at install time, or with network calls: the 2025 chalk/debug compromise
 *   hooked fetch and XMLHttpRequest from obfuscated code): javascript-obfuscator's `_0x` identifiers en masse.
 * escape-density (low; medium with an eval sink; high with one at install time): a file made mostly of escapes.
 */
export const obfuscation: Rule = (pkg) => {
  const out: Finding[] = [];
  for (const file of codeFiles(pkg)) {
    if (!JS_FILE.test(file.path) && !file.text.startsWith('#!')) continue;
    const { text, path } = file;
    const install = pkg.installFiles.has(path);
    const bump = (s: Severity, t: Severity): Severity => (install ? t : s);

    const sink = decodedEval(text);
    if (sink?.payload) out.push(at('obfuscated-eval', bump('high', 'critical'), path, text, sink, 'an encoded string is decoded and evaluated as code'));
    else if (sink) out.push(at('obfuscated-eval', bump('medium', 'high'), path, text, sink, 'decoded data is evaluated as code'));

    if (text.includes('_0x')) {
      const ids = obfuscatorIds(text);
      if (ids.count >= OBFUSCATOR_MIN_IDS && ids.distinct >= OBFUSCATOR_MIN_DISTINCT) {
        const net = find(text, NETWORK_SEND);
        const severity: Severity = install || net ? 'high' : 'medium';
        out.push(at('obfuscator-signature', severity, path, text, find(text, /\b_0x[0-9a-f]{4,6}\b/)!, `${ids.count}${ids.count >= MAX_COUNTED ? '+' : ''} javascript-obfuscator style identifiers (_0x…)${net ? ' in code that makes network calls' : ''}`));
      }
    }

    if (text.includes('\\x') || text.includes('\\u')) {
      const { count, density } = countEscapes(text);
      if (count >= ESCAPES_MIN && density >= ESCAPES_MIN_DENSITY) {
        const evalHit = find(text, EVAL_SINK);
        const severity: Severity = evalHit ? bump('medium', 'high') : 'low';
        out.push(at('escape-density', severity, path, text, evalHit ?? find(text, ESCAPES)!, `${count} hex/unicode escapes make up most of the file${text.length > ESCAPE_SAMPLE ? ` (first ${ESCAPE_SAMPLE} characters)` : ''}${evalHit ? ', which also evaluates strings as code' : ''}`));
      }
    }
  }
  return out;
};

/** An eval-like sink fed by a decoder, in a file that holds a long encoded literal. */
const SINK_HINTS = ['eval', 'Function', 'runIn', '_compile', 'module.constructor'];
/** Literals every DECODER match contains: most files have none, and includes() is cheaper than the regex. */
const DECODER_HINTS = ['base64', 'hex', 'atob', 'fromCharCode', 'escape'];
const EVAL_OF_LITERAL = /\beval\s*\(\s*['"`][A-Za-z0-9+/=]{200,}/;

function decodedEval(text: string): { index: number; text: string; payload: boolean } | undefined {
  if (!SINK_HINTS.some((h) => text.includes(h))) return undefined;
  // eval("<long base64>") without a visible decoder still hides its code.
  const literal = find(text, EVAL_OF_LITERAL);
  if (literal) return { ...literal, payload: true };
  if (!DECODER_HINTS.some((h) => text.includes(h))) return undefined;
  const sinks = new RegExp(EVAL_SINK.source, 'g');
  let checked = 0;
  for (let m = sinks.exec(text); m && checked < MAX_SINKS_CHECKED; m = sinks.exec(text), checked++) {
    const window = text.slice(Math.max(0, m.index - SINK_WINDOW), m.index + SINK_WINDOW);
    if (DECODER.test(window)) return { index: m.index, text: m[0], payload: LONG_ENCODED.test(text) };
  }
  return undefined;
}
