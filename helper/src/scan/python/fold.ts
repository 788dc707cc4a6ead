import { spend } from '../budget.js';
import { inflateSync, inflateRawSync, gunzipSync } from 'node:zlib';
import { callArguments, type PyNode } from './parse.js';

/**
 * Constant folding for Python expressions, so that names and payloads built at run time are seen as the code
 * would build them: string and bytes literals (escapes, implicit concatenation, f-strings of constants), `+`,
 * `*`, `%`-free joins, `chr`, `bytes.fromhex`, base64/base32/base16/base85, `binascii`, `codecs.decode` (rot13,
 * hex, base64, zlib), `zlib.decompress`, `gzip.decompress`, slices with step -1, `.decode()`/`.encode()`,
 * `.replace`, `.lower`/`.upper`, `bytes([..])` and `''.join(chr(c) for c in [..])`. Nothing is ever run: each
 * step is our own decoder over literal data. Bytes are held as latin1 strings.
 */
export type Value = string | number | Value[];

export interface Folded {
  value: Value;
  /** The value went through a decoder (base64, hex, rot13, zlib, chr codes): a hidden payload. */
  decoded: boolean;
}

/** Longest string folded; a bigger one stops folding (and is not a name anyone hides). */
const MAX_FOLD_CHARS = 1 << 20;
const MAX_DEPTH = 40;
/** Longest list folded (chr-code payloads run to some thousands). */
const MAX_FOLD_ITEMS = 1 << 18;

/** How the folder sees the rest of the file: a name's constant value and a call's qualified name. */
export interface FoldScope {
  constant(name: string): PyNode | undefined;
  qualified(node: PyNode): string | undefined;
  text: string;
  /**
   * Results by node: `x2 = x1 + x1; x3 = x2 + x2; ...` would otherwise fold 2^n times. A node being folded
   * holds null, so a cycle through names folds to nothing.
   */
  folds: Map<PyNode, Folded | null>;
}

export function fold(node: PyNode | undefined, scope: FoldScope, depth = 0): Folded | undefined {
  if (!node || depth > MAX_DEPTH) return undefined;
  const cached = scope.folds.get(node);
  if (cached !== undefined) return cached ?? undefined;
  scope.folds.set(node, null);
  // Each node is folded once (memoised): one unit, and the characters of the string it built (budget.ts).
  let r = spend(1) ? foldInner(node, scope, depth + 1) : undefined;
  if (r && typeof r.value === 'string' && (r.value.length > MAX_FOLD_CHARS || !spend(r.value.length))) r = undefined;
  if (r && Array.isArray(r.value) && r.value.length > MAX_FOLD_ITEMS) r = undefined;
  // Kept even when the depth bound cut it short: recomputing such nodes from each parent is what explodes.
  scope.folds.set(node, r ?? null);
  return r;
}

export function foldString(node: PyNode | undefined, scope: FoldScope): string | undefined {
  const f = fold(node, scope);
  return typeof f?.value === 'string' ? f.value : undefined;
}

function foldInner(n: PyNode, s: FoldScope, d: number): Folded | undefined {
  switch (n.type) {
    case 'string':
      return stringLiteral(n, s, d);
    case 'concatenated_string':
      return join(n.children.map((c) => fold(c, s, d)), '');
    case 'integer': {
      const v = Number((n.text ?? '').replace(/_/g, ''));
      return Number.isSafeInteger(v) ? { value: v, decoded: false } : undefined;
    }
    case 'parenthesized_expression':
      return fold(n.children[0], s, d);
    case 'identifier': {
      const c = s.constant(n.text ?? '');
      return c ? fold(c, s, d) : undefined;
    }
    case 'list':
    case 'tuple': {
      const items = n.children.map((c) => fold(c, s, d));
      if (items.some((i) => i === undefined)) return undefined;
      return { value: items.map((i) => i!.value), decoded: items.some((i) => i!.decoded) };
    }
    case 'binary_operator':
      return binary(n, s, d);
    case 'subscript':
      return slice(n, s, d);
    case 'call':
      return call(n, s, d);
    default:
      return undefined;
  }
}

function stringLiteral(n: PyNode, s: FoldScope, d: number): Folded | undefined {
  const prefix = (n.children.find((c) => c.type === 'string_start')?.text ?? s.text.slice(n.start, n.start + 1)).toLowerCase();
  const raw = /^[a-z]*r/.test(prefix.replace(/(?<!['"])['"]+$/, ''));
  let out = '';
  let decoded = false;
  for (const c of n.children) {
    // string_content's text includes its escape sequences (its children); older grammars put them beside it.
    if (c.type === 'string_content') out += raw ? (c.text ?? '') : unescape(c.text ?? '');
    else if (c.type === 'escape_sequence') out += raw ? (c.text ?? '') : unescape(c.text ?? '');
    else if (c.type === 'interpolation') {
      const v = fold(c.fields.expression ?? c.children[0], s, d);
      if (v === undefined || Array.isArray(v.value)) return undefined;
      out += String(v.value);
      decoded ||= v.decoded;
    }
  }
  return { value: out, decoded };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

function unescape(t: string): string {
  return t.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|[\s\S])/g, (m, e: string) => {
    if (e[0] === 'x' || e[0] === 'u' || e[0] === 'U') {
      const cp = parseInt(e.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return SIMPLE_ESCAPES[e] ?? m;
  });
}

function join(parts: (Folded | undefined)[], sep: string): Folded | undefined {
  if (parts.some((p) => p === undefined || typeof p.value !== 'string' && typeof p.value !== 'number')) return undefined;
  return { value: parts.map((p) => String(p!.value)).join(sep), decoded: parts.some((p) => p!.decoded) };
}

function binary(n: PyNode, s: FoldScope, d: number): Folded | undefined {
  const op = n.fields.operator?.text;
  const a = fold(n.fields.left, s, d);
  const b = fold(n.fields.right, s, d);
  if (!a || !b) return undefined;
  const decoded = a.decoded || b.decoded;
  const [x, y] = [a.value, b.value];
  if (typeof x === 'number' && typeof y === 'number') {
    const v = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '^' ? x ^ y : op === '//' && y !== 0 ? Math.floor(x / y) : op === '%' && y !== 0 ? x % y : undefined;
    return v === undefined || !Number.isSafeInteger(v) ? undefined : { value: v, decoded };
  }
  if (op === '+' && typeof x === 'string' && typeof y === 'string') return { value: x + y, decoded };
  if (op === '+' && Array.isArray(x) && Array.isArray(y)) return { value: [...x, ...y], decoded };
  // pathlib: Path.home() / '.ssh' folds as a path.
  if (op === '/' && typeof x === 'string' && typeof y === 'string') return { value: `${x}/${y}`, decoded };
  if (op === '*' && typeof x === 'string' && typeof y === 'number' && x.length * y <= MAX_FOLD_CHARS) return { value: x.repeat(Math.max(0, y)), decoded };
  return undefined;
}

function slice(n: PyNode, s: FoldScope, d: number): Folded | undefined {
  const v = fold(n.fields.value, s, d);
  const sub = n.fields.subscript;
  if (!v || !sub) return undefined;
  const text = s.text.slice(sub.start, sub.end).replace(/\s+/g, '');
  if (text === '::-1') {
    if (typeof v.value === 'string') return { value: [...v.value].reverse().join(''), decoded: true };
    if (Array.isArray(v.value)) return { value: [...v.value].reverse(), decoded: true };
  }
  const i = fold(sub, s, d);
  if (typeof i?.value === 'number' && (typeof v.value === 'string' || Array.isArray(v.value))) {
    const at = i.value < 0 ? v.value.length + i.value : i.value;
    const item = v.value[at];
    return item === undefined ? undefined : { value: item, decoded: v.decoded };
  }
  return undefined;
}

/** Decoders by qualified name: bytes in (latin1), bytes out, or undefined when the input is not valid. */
const DECODERS: Record<string, (x: string, extra?: Value) => string | undefined> = {
  'base64.b64decode': b64,
  'base64.standard_b64decode': b64,
  'base64.urlsafe_b64decode': (x) => b64(x.replace(/-/g, '+').replace(/_/g, '/')),
  'base64.decodebytes': b64,
  'base64.decodestring': b64,
  'base64.b32decode': b32,
  'base64.b16decode': hex,
  'base64.b85decode': b85,
  'binascii.a2b_base64': b64,
  'binascii.unhexlify': hex,
  'binascii.a2b_hex': hex,
  'bytes.fromhex': hex,
  'bytearray.fromhex': hex,
  'zlib.decompress': inflate,
  'gzip.decompress': (x) => safe(() => gunzipSync(Buffer.from(x, 'latin1'), { maxOutputLength: MAX_FOLD_CHARS }).toString('latin1')),
  'codecs.decode': (x, enc) => codec(x, typeof enc === 'string' ? enc : 'utf-8'),
};

function call(n: PyNode, s: FoldScope, d: number): Folded | undefined {
  const fn = n.fields.function;
  const args = callArguments(n).filter((a) => a.type !== 'keyword_argument');
  if (!fn) return undefined;
  // Method calls on a folded value: ''.join(..), s.decode(), s[::-1].replace('a', 'b')...
  if (fn.type === 'attribute') {
    const method = fn.fields.attribute?.text ?? '';
    const qualified = s.qualified(fn);
    const decoder = qualified ? DECODERS[qualified] : undefined;
    if (decoder) {
      const x = fold(args[0], s, d);
      if (typeof x?.value !== 'string') return undefined;
      const extra = fold(args[1], s, d)?.value;
      const out = decoder(x.value, extra);
      return out === undefined ? undefined : { value: out, decoded: true };
    }
    const self = fold(fn.fields.object, s, d);
    if (self && typeof self.value === 'string') {
      if (method === 'join') return joinCall(self.value, args[0], s, d, self.decoded);
      if (method === 'decode' || method === 'encode') {
        const enc = fold(args[0], s, d)?.value;
        if (typeof enc === 'string' && method === 'decode') {
          const out = codec(self.value, enc);
          return out === undefined ? undefined : { value: out, decoded: self.decoded || !/^utf-?8$|^ascii$|^latin-?1$/i.test(enc) };
        }
        return self;
      }
      if (method === 'lower' || method === 'upper' || method === 'strip') return { value: method === 'lower' ? self.value.toLowerCase() : method === 'upper' ? self.value.toUpperCase() : self.value.trim(), decoded: self.decoded };
      if (method === 'replace') {
        const [a, b] = [fold(args[0], s, d)?.value, fold(args[1], s, d)?.value];
        if (typeof a === 'string' && typeof b === 'string' && a !== '') return { value: self.value.split(a).join(b), decoded: true };
      }
    }
    return undefined;
  }
  if (fn.type !== 'identifier') return undefined;
  const name = s.qualified(fn);
  if (name === 'builtins.chr') {
    const c = fold(args[0], s, d);
    return typeof c?.value === 'number' && c.value >= 0 && c.value <= 0x10ffff ? { value: String.fromCodePoint(c.value), decoded: true } : undefined;
  }
  if (name === 'builtins.str' || name === 'builtins.bytes' || name === 'builtins.bytearray') {
    const x = fold(args[0], s, d);
    if (!x) return undefined;
    if (typeof x.value === 'string') return x;
    if (Array.isArray(x.value) && x.value.every((v) => typeof v === 'number' && v >= 0 && v < 256)) return { value: String.fromCharCode(...(x.value as number[])), decoded: true };
  }
  const decoder = name ? DECODERS[name] : undefined;
  if (decoder) {
    const x = fold(args[0], s, d);
    if (typeof x?.value !== 'string') return undefined;
    const out = decoder(x.value, fold(args[1], s, d)?.value);
    return out === undefined ? undefined : { value: out, decoded: true };
  }
  return undefined;
}

/** `sep.join(x)` where x is a list of strings, `map(chr, [..])`, or `chr(c) for c in [..]`. */
function joinCall(sep: string, arg: PyNode | undefined, s: FoldScope, d: number, decoded: boolean): Folded | undefined {
  if (!arg) return undefined;
  if (arg.type === 'generator_expression' || arg.type === 'list_comprehension') {
    const body = arg.fields.body;
    const clause = arg.children.find((c) => c.type === 'for_in_clause');
    const variable = clause?.fields.left?.text;
    const source = fold(clause?.fields.right, s, d);
    if (!body || !variable || !source || !Array.isArray(source.value) && typeof source.value !== 'string') return undefined;
    if (body.type !== 'call' || s.qualified(body.fields.function!) !== 'builtins.chr') return undefined;
    const inner = body.fields.arguments?.children[0];
    const items = typeof source.value === 'string' ? [...source.value] : source.value;
    const out: string[] = [];
    for (const item of items) {
      const v = evalChrArg(inner, variable, item, s);
      if (v === undefined) return undefined;
      out.push(String.fromCodePoint(v));
    }
    return { value: out.join(sep), decoded: true };
  }
  if (arg.type === 'call' && arg.fields.function?.type === 'identifier' && arg.fields.function.text === 'map') {
    const [f, list] = arg.fields.arguments?.children ?? [];
    const items = fold(list, s, d);
    if (f?.type === 'identifier' && s.qualified(f) === 'builtins.chr' && Array.isArray(items?.value) && items.value.every((v) => typeof v === 'number' && v >= 0 && v <= 0x10ffff)) {
      return { value: (items.value as number[]).map((c) => String.fromCodePoint(c)).join(sep), decoded: true };
    }
    return undefined;
  }
  const list = fold(arg, s, d);
  if (!list) return undefined;
  if (typeof list.value === 'string') return { value: [...list.value].join(sep), decoded: decoded || list.decoded };
  if (Array.isArray(list.value) && list.value.every((v) => typeof v === 'string')) return { value: list.value.join(sep), decoded: decoded || list.decoded };
  return undefined;
}

/** chr(c), chr(c ^ k), chr(c - k), chr(ord(c) ^ k) for one item of the loop. */
function evalChrArg(inner: PyNode | undefined, variable: string, item: Value, s: FoldScope): number | undefined {
  if (!inner) return undefined;
  if (inner.type === 'identifier' && inner.text === variable) return typeof item === 'number' ? item : undefined;
  if (inner.type === 'call' && inner.fields.function?.text === 'ord' && inner.fields.arguments?.children[0]?.text === variable) return typeof item === 'string' ? item.codePointAt(0) : undefined;
  if (inner.type === 'binary_operator') {
    const l = evalChrArg(inner.fields.left, variable, item, s) ?? fold(inner.fields.left, s)?.value;
    const r = evalChrArg(inner.fields.right, variable, item, s) ?? fold(inner.fields.right, s)?.value;
    if (typeof l !== 'number' || typeof r !== 'number') return undefined;
    const op = inner.fields.operator?.text;
    const v = op === '^' ? l ^ r : op === '+' ? l + r : op === '-' ? l - r : undefined;
    return v !== undefined && v >= 0 && v <= 0x10ffff ? v : undefined;
  }
  return undefined;
}

function safe(f: () => string): string | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function b64(x: string): string | undefined {
  const clean = x.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64').toString('latin1');
}

function hex(x: string): string | undefined {
  const clean = x.replace(/\s+/g, '');
  return /^(?:[0-9a-fA-F]{2})*$/.test(clean) ? Buffer.from(clean, 'hex').toString('latin1') : undefined;
}

function b32(x: string): string | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = x.replace(/(?<!=)=+$/, '');
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}

function b85(x: string): string | undefined {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';
  let out = '';
  for (let i = 0; i < x.length; i += 5) {
    const chunk = x.slice(i, i + 5);
    const padded = chunk.padEnd(5, '~');
    let acc = 0;
    for (const ch of padded) {
      const v = alphabet.indexOf(ch);
      if (v < 0) return undefined;
      acc = acc * 85 + v;
    }
    const bytes = [(acc >>> 24) & 0xff, (acc >>> 16) & 0xff, (acc >>> 8) & 0xff, acc & 0xff];
    out += String.fromCharCode(...bytes.slice(0, chunk.length - 1));
  }
  return out;
}

function inflate(x: string): string | undefined {
  const buf = Buffer.from(x, 'latin1');
  return safe(() => inflateSync(buf, { maxOutputLength: MAX_FOLD_CHARS }).toString('latin1')) ?? safe(() => inflateRawSync(buf, { maxOutputLength: MAX_FOLD_CHARS }).toString('latin1'));
}

function codec(x: string, encoding: string): string | undefined {
  const e = encoding.toLowerCase().replace(/[-_]/g, '');
  if (e === 'rot13') return x.replace(/[a-zA-Z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) & 31) + 12) % 26 + (c <= 'Z' ? 65 : 97)));
  if (e === 'base64') return b64(x);
  if (e === 'hex') return hex(x);
  if (e === 'zlib') return inflate(x);
  if (e === 'utf8' || e === 'ascii' || e === 'latin1' || e === 'utf') return e === 'utf8' ? safe(() => Buffer.from(x, 'latin1').toString('utf8')) : x;
  return undefined;
}
