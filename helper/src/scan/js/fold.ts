import { spend } from '../budget.js';
import type { Node } from './parse.js';

/** Longest string constant folding builds: bounds memory whatever the package concatenates. */
export const MAX_FOLDED = 64 * 1024;
/** How deep folding follows expressions and constant bindings. */
const MAX_DEPTH = 24;

export type Folded = string | number | Folded[];

/**
 * What folding needs from the file: constants bound to names (first `const`/`var` initialiser or a plain
 * assignment), and whether a folded value came through a decoder (base64, char codes, byte arrays).
 */
export interface FoldScope {
  constant(name: string): Node | undefined;
  /** Marks that the value being folded was decoded, not written out. */
  decoded(): void;
  /** Folds a constant's initialiser once per file (the scope remembers it), or undefined to fold it here. */
  foldConstant?(init: Node, depth: number): Folded | undefined;
  /** A local decoder function recognised by its body, applied statically. */
  callDecoder?(name: string): ((s: string) => string | undefined) | undefined;
}

const str = (v: Folded | undefined): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
/** A built string, if within MAX_FOLDED and the file's work budget (budget.ts: its characters are spent). */
const cap = (s: string): string | undefined => (s.length > MAX_FOLDED || !spend(s.length) ? undefined : s);

function prop(node: Node): string | undefined {
  const p = node.property as Node;
  if (!node.computed && p.type === 'Identifier') return p.name as string;
  return undefined;
}

/** The string compared in a `.find(x => x === 'name')` or `.filter(([k]) => k === 'name')` callback. */
export function comparedLiteral(fn: Node | undefined): string | undefined {
  if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression')) return undefined;
  let body = fn.body as Node;
  if (body.type === 'BlockStatement') {
    const ret = (body.body as Node[]).find((s) => s.type === 'ReturnStatement');
    if (!ret?.argument) return undefined;
    body = ret.argument as Node;
  }
  if (body.type !== 'BinaryExpression' || !['===', '=='].includes(body.operator as string)) return undefined;
  for (const side of [body.left as Node, body.right as Node]) if (side.type === 'Literal' && typeof side.value === 'string') return side.value;
  return undefined;
}

/**
 * Folds an expression to the constant it always evaluates to, statically (package code is never run):
 * literals, templates, `+`, constant bindings and array elements, `String.fromCharCode`, `Buffer.from(...)`
 * with base64/hex/byte arrays, `atob`, `split/reverse/join`, `Object.keys(o).find(k => k === 'x')`.
 * Returns undefined when the value is not a constant or grows past MAX_FOLDED.
 */
export function fold(node: Node | undefined, scope: FoldScope, depth = 0): Folded | undefined {
  if (!node || depth > MAX_DEPTH || !spend(1)) return undefined;
  const d = depth + 1;
  switch (node.type) {
    case 'Literal':
      return typeof node.value === 'string' || typeof node.value === 'number' ? node.value : undefined;
    case 'TemplateLiteral': {
      const quasis = node.quasis as Node[];
      let out = '';
      for (let i = 0; i < quasis.length; i++) {
        out += ((quasis[i]!.value as { cooked?: string }).cooked ?? '');
        const exprs = node.expressions as Node[];
        if (i < exprs.length) {
          const v = str(fold(exprs[i], scope, d));
          if (v === undefined) return undefined;
          out += v;
        }
        if (out.length > MAX_FOLDED) return undefined;
      }
      return cap(out);
    }
    case 'BinaryExpression': {
      const l = fold(node.left as Node, scope, d);
      const r = l === undefined ? undefined : fold(node.right as Node, scope, d);
      if (l === undefined || r === undefined) return undefined;
      if (node.operator === '+') {
        if (typeof l === 'number' && typeof r === 'number') return l + r;
        const ls = str(l);
        const rs = str(r);
        return ls !== undefined && rs !== undefined ? cap(ls + rs) : undefined;
      }
      if (typeof l !== 'number' || typeof r !== 'number') return undefined;
      switch (node.operator) {
        case '-': return l - r;
        case '*': return l * r;
        case '^': return l ^ r;
        default: return undefined;
      }
    }
    case 'UnaryExpression':
      if (node.operator === '-') {
        const v = fold(node.argument as Node, scope, d);
        return typeof v === 'number' ? -v : undefined;
      }
      return undefined;
    case 'Identifier': {
      const init = scope.constant(node.name as string);
      if (!init) return undefined;
      return scope.foldConstant ? scope.foldConstant(init, d) : fold(init, scope, d);
    }
    case 'ArrayExpression': {
      const out: Folded[] = [];
      for (const el of node.elements as (Node | null)[]) {
        const v = el ? fold(el, scope, d) : undefined;
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'MemberExpression': {
      // The key first: most keys are variables, and then the object (a big constant table) is never folded.
      const key = node.computed ? fold(node.property as Node, scope, d) : prop(node);
      if (key === undefined) return undefined;
      const obj = fold(node.object as Node, scope, d);
      if (Array.isArray(obj) && typeof key === 'number') return obj[key];
      if (typeof obj === 'string' && key === 'length') return obj.length;
      return undefined;
    }
    case 'ChainExpression':
    case 'ParenthesizedExpression':
      return fold(node.expression as Node, scope, d);
    case 'CallExpression':
      return foldCall(node, scope, d);
    case 'NewExpression':
      // new Buffer([...]) / new Buffer('..', 'base64'), the deprecated spelling of Buffer.from
      return (node.callee as Node).type === 'Identifier' && (node.callee as Node).name === 'Buffer' ? bufferFrom(node.arguments as Node[], scope, d) : undefined;
    default:
      return undefined;
  }
}

function bufferFrom(args: Node[], scope: FoldScope, d: number): Folded | undefined {
  const data = fold(args[0], scope, d);
  const enc = args[1] ? str(fold(args[1], scope, d)) : 'utf8';
  if (Array.isArray(data)) {
    if (!data.every((b) => typeof b === 'number')) return undefined;
    scope.decoded();
    return Buffer.from(data as number[]).toString('latin1');
  }
  if (typeof data !== 'string' || enc === undefined) return undefined;
  if (enc === 'base64' || enc === 'hex' || enc === 'base64url') {
    scope.decoded();
    return Buffer.from(data, enc).toString('latin1');
  }
  return data;
}

function foldCall(node: Node, scope: FoldScope, d: number): Folded | undefined {
  const callee = node.callee as Node;
  const args = node.arguments as Node[];
  if (callee.type === 'Identifier') {
    const local = scope.callDecoder?.(callee.name as string);
    if (local) {
      const v = str(fold(args[0], scope, d));
      const out = v === undefined ? undefined : local(v);
      if (out !== undefined) scope.decoded();
      return out;
    }
    if (callee.name === 'atob' || callee.name === 'unescape' || callee.name === 'decodeURIComponent') {
      const v = str(fold(args[0], scope, d));
      if (v === undefined) return undefined;
      scope.decoded();
      try {
        return callee.name === 'atob' ? Buffer.from(v, 'base64').toString('latin1') : decodeURIComponent(v);
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  if (callee.type !== 'MemberExpression') return undefined;
  const method = prop(callee) ?? str(fold(callee.property as Node, scope, d));
  const target = callee.object as Node;
  if (target.type === 'Identifier' && target.name === 'String' && method === 'fromCharCode') {
    const codes = args.map((a) => fold(a, scope, d));
    if (codes.length === 0 || !codes.every((c) => typeof c === 'number')) return undefined;
    scope.decoded();
    return String.fromCharCode(...(codes as number[]));
  }
  if (target.type === 'Identifier' && target.name === 'Buffer' && method === 'from') return bufferFrom(args, scope, d);
  if (target.type === 'CallExpression' && ['find', 'filter'].includes(method ?? '')) {
    // Object.keys(o).find(k => k === 'spawn') is 'spawn' whatever o holds.
    const inner = target.callee as Node;
    if (inner.type === 'MemberExpression' && (inner.object as Node).type === 'Identifier' && (inner.object as Node).name === 'Object' && ['keys', 'getOwnPropertyNames'].includes(prop(inner) ?? '')) {
      return comparedLiteral(args[0]);
    }
  }
  const self = fold(target, scope, d);
  if (self === undefined) return undefined;
  switch (method) {
    case 'toString': {
      const enc = args[0] ? str(fold(args[0], scope, d)) : undefined;
      if (typeof self !== 'string') return undefined;
      // A Buffer folded as latin1 bytes: base64/hex here encode, which a payload decoder never needs.
      return enc === 'base64' ? Buffer.from(self, 'latin1').toString('base64') : enc === 'hex' ? Buffer.from(self, 'latin1').toString('hex') : self;
    }
    case 'split': {
      const sep = str(fold(args[0], scope, d));
      return typeof self === 'string' && sep !== undefined ? self.split(sep) : undefined;
    }
    case 'reverse':
      return Array.isArray(self) ? [...self].reverse() : undefined;
    case 'join': {
      const sep = args[0] ? str(fold(args[0], scope, d)) : ',';
      if (!Array.isArray(self) || sep === undefined) return undefined;
      const parts = self.map(str);
      return parts.every((p) => p !== undefined) ? cap(parts.join(sep)) : undefined;
    }
    case 'concat': {
      const parts = args.map((a) => str(fold(a, scope, d)));
      return typeof self === 'string' && parts.every((p) => p !== undefined) ? cap(self + parts.join('')) : undefined;
    }
    case 'toLowerCase':
      return typeof self === 'string' ? self.toLowerCase() : undefined;
    default:
      return undefined;
  }
}
