import { comparedLiteral, fold, type Folded, type FoldScope } from './fold.js';
import { LookupLog } from './lookups.js';
import { ROOT_NAMES } from './roots.js';
import type { Node } from './parse.js';

/** What an expression refers to: a module (`require('x')`, `import`), a member path of one, or a global. */
export interface Ref {
  module: string;
  path: string[];
  /** Reached by a computed key that is not a plain literal, or through Reflect / property descriptors / entries. */
  hidden: boolean;
}

const GLOBAL_OBJECTS = new Set(['global', 'globalThis', 'window', 'self']);
/** Binding rounds at most: a chain of aliases each declared before its target resolves one link a round. */
const MAX_BIND_ROUNDS = 8;
const REQUIRE_NAMES = new Set(['require', '__non_webpack_require__']);

/**
 * Module bindings of one file: `const x = require('m')`, `const { a, b: c } = require('m')`, imports, aliases
 * (`const y = x`, `z = x.get`). Scopes are not modelled: a name bound to a module anywhere counts everywhere,
 * which can only add findings, never hide one.
 */
export class Bindings implements FoldScope {
  readonly refs = new Map<string, Ref>();

  /**
   * `followsCalls`: modules whose calls return more of the module (client SDKs); `mutable`: names written more
   * than once (tree.ts), never folded as constants.
   */
  constructor(
    readonly followsCalls: (module: string) => boolean = () => false,
    readonly mutable: ReadonlySet<string> = new Set(),
  ) {}

  readonly constants = new Map<string, Node>();
  /** Local functions that turn a hex string into text (`h.replace(/../g, m => String.fromCharCode(parseInt(m, 16)))`). */
  readonly hexDecoders = new Set<string>();
  wasDecoded = false;

  callDecoder(name: string): ((s: string) => string | undefined) | undefined {
    if (!this.hexDecoders.has(name)) return undefined;
    return (s) => (/^(?:[0-9a-fA-F]{2})+$/.test(s) ? Buffer.from(s, 'hex').toString('latin1') : undefined);
  }

  constant(name: string): Node | undefined {
    this.log?.lookedUpConstant(name);
    return this.constants.get(name);
  }

  /** Binding rounds the last bind() ran (what the tests and benchmarks count). */
  rounds = 0;

  /** During a binding round: what it looked up and bound. */
  private log: LookupLog | undefined;
  /** During a binding round after the first: what names were bound to when it began. */
  private roundStart: Map<string, Ref> | undefined;

  /**
   * Binds the file's binders (tree.binders: declarators, plain assignments to a name and imports, in source
   * order), then forgets the constants folded meanwhile. Again when needed, so that an alias declared before its
   * target still resolves: a round resolves every binder as the one before did unless some name was bound after
   * that round looked it up to a value other than the one it held when the round began, so another runs only then
   * (most files bind each name before using it), and only while a round binds a name that was unbound (a chain
   * resolving one more link), up to MAX_BIND_ROUNDS: `const a = b; const b = c; const c = eval` takes three.
   */
  bind(binders: readonly Node[], roots: readonly (string | null | undefined)[]): void {
    let log = (this.log = new LookupLog());
    this.bindRound(binders, roots, true);
    this.rounds = 1;
    for (let round = 1; round < MAX_BIND_ROUNDS && log.stale(); round++) {
      this.rounds++;
      this.roundStart = new Map(this.refs);
      const [refs, constants] = [this.refs.size, this.constants.size];
      log = this.log = new LookupLog();
      this.bindRound(binders, roots, false);
      // Names are never unbound: a round that bound no new name only changed what bound names hold (a name bound
      // in turn to two modules, or a cycle of aliases, which would grow its member path each round).
      if (refs === this.refs.size && constants === this.constants.size) break;
    }
    this.log = undefined;
    this.roundStart = undefined;
    this.resetFolds();
  }

  /**
   * One round over the binders; `roots`: each one's value root (tree.ts). A value hanging from no name, or from a
   * name neither bound to a module reference (yet) nor one of ROOT_NAMES, resolves to nothing: it is not
   * followed again, only looked at as a constant.
   */
  private bindRound(binders: readonly Node[], roots: readonly (string | null | undefined)[], first: boolean): void {
    for (let i = 0; i < binders.length; i++) {
      const n = binders[i]!;
      const root = roots[i];
      const resolves = root === undefined || (root !== null && (ROOT_NAMES.has(root) || this.ref(root) !== undefined));
      if (n.type === 'VariableDeclarator') this.bindDeclarator(n.id as Node, n.init as Node | undefined, resolves);
      else if (n.type === 'AssignmentExpression') this.bindDeclarator(n.left as Node, n.right as Node, resolves);
      else if (first) this.bindImport(n);
    }
  }

  private ref(name: string): Ref | undefined {
    this.log?.lookedUpRef(name);
    return this.refs.get(name);
  }

  private setRef(name: string, ref: Ref): void {
    // In a later round, binding a name to what it held when the round began changes nothing a lookup saw.
    const held = this.roundStart?.get(name);
    if (held === undefined || !sameRef(held, ref)) this.log?.boundRef(name);
    this.refs.set(name, ref);
  }

  private readonly folded = new Map<Node, { value: Folded | undefined; decoded: boolean }>();

  /** Forgets folded constants (after the binding passes, which may fold before every constant is known). */
  resetFolds(): void {
    this.folded.clear();
  }

  foldConstant(init: Node, depth: number): Folded | undefined {
    let hit = this.folded.get(init);
    if (!hit) {
      const outer = this.wasDecoded;
      this.wasDecoded = false;
      // Marked before folding: a constant that refers to itself folds to nothing instead of looping.
      this.folded.set(init, { value: undefined, decoded: false });
      const value = fold(init, this, depth);
      hit = { value, decoded: this.wasDecoded };
      this.folded.set(init, hit);
      this.wasDecoded = outer;
    }
    if (hit.decoded) this.wasDecoded = true;
    return hit.value;
  }

  decoded(): void {
    this.wasDecoded = true;
  }

  /** Folds to a string (or number) and says whether a decoder was involved. */
  foldString(node: Node | undefined): { value: string; decoded: boolean } | undefined {
    this.wasDecoded = false;
    let v = fold(node, this);
    // ['get'] as a property key is 'get'
    if (Array.isArray(v) && v.length === 1) v = v[0];
    if (typeof v === 'string' || typeof v === 'number') return { value: String(v), decoded: this.wasDecoded };
    return undefined;
  }

  /** `resolves`: false when `init` is known to resolve to nothing (bindRound). */
  private bindDeclarator(id: Node, init: Node | undefined, resolves: boolean): void {
    if (!init) return;
    if (id.type === 'Identifier') {
      const name = id.name as string;
      const ref = resolves ? this.resolve(init) : undefined;
      if (ref) this.setRef(name, ref);
      else if (!this.constants.has(name) && !this.mutable.has(name) && isFoldable(init)) {
        this.log?.boundConstant(name);
        this.constants.set(name, init);
      }
      return;
    }
    if (id.type === 'ObjectPattern') {
      const base = resolves ? this.resolve(init) : undefined;
      if (!base) return;
      for (const p of id.properties as Node[]) {
        if (p.type !== 'Property') continue;
        const key = (p.key as Node).type === 'Identifier' && !p.computed ? ((p.key as Node).name as string) : this.foldString(p.key as Node)?.value;
        let value = p.value as Node;
        if (value.type === 'AssignmentPattern') value = value.left as Node;
        if (key && value.type === 'Identifier') this.setRef(value.name as string, { ...base, path: [...base.path, key], hidden: base.hidden || Boolean(p.computed) });
      }
    }
  }

  private bindImport(decl: Node): void {
    const module = (decl.source as Node).value;
    if (typeof module !== 'string') return;
    for (const s of decl.specifiers as Node[]) {
      const local = (s.local as Node).name as string;
      if (s.type === 'ImportSpecifier') {
        const imported = s.imported as Node;
        const name = (imported.name ?? imported.value) as string;
        this.setRef(local, { module: bare(module), path: name === 'default' ? [] : [name], hidden: false });
      } else {
        this.setRef(local, { module: bare(module), path: [], hidden: false });
      }
    }
  }

  /** The module or module member an expression refers to, if any. */
  resolve(node: Node | undefined, depth = 0): Ref | undefined {
    if (!node || depth > 16) return undefined;
    const d = depth + 1;
    switch (node.type) {
      case 'Identifier': {
        // An unbound global object or eval is itself a reference, so `const g = globalThis; g[k]()` and
        // `const f = eval; f(x)` (or `(0, eval)(x)`) resolve like `globalThis[k]()` and `eval(x)`.
        const name = node.name as string;
        const bound = this.ref(name);
        if (bound) return bound;
        // A local of the same name is no global (only those names ask whether it is a constant).
        if (!GLOBAL_OBJECTS.has(name) && name !== 'eval' && name !== 'Function') return undefined;
        this.log?.lookedUpConstant(name);
        if (this.constants.has(name) || this.mutable.has(name)) return undefined;
        if (GLOBAL_OBJECTS.has(name)) return { module: '(global)', path: [], hidden: false };
        if (name === 'eval' || name === 'Function') return { module: '(global)', path: [name], hidden: false };
        return undefined;
      }
      case 'AwaitExpression':
      case 'ChainExpression':
      case 'ParenthesizedExpression':
        return this.resolve((node.argument ?? node.expression) as Node, d);
      case 'SequenceExpression': {
        const exprs = node.expressions as Node[];
        return this.resolve(exprs[exprs.length - 1], d);
      }
      case 'LogicalExpression':
        return this.resolve(node.left as Node, d) ?? this.resolve(node.right as Node, d);
      case 'ImportExpression': {
        const m = this.foldString(node.source as Node);
        return m ? { module: bare(m.value), path: [], hidden: m.decoded } : undefined;
      }
      case 'MemberExpression': {
        const obj = node.object as Node;
        // Object.entries(m).find(([k]) => k === 'x')[1] and .filter(...)[0][1]
        if (node.computed) {
          const entry = entryOf(node, this, d);
          if (entry) return entry;
        }
        // The key is folded only where it can matter: on a global object, on process, or once the object resolves.
        let key: string | undefined;
        let keyKnown = false;
        if (obj.type === 'Identifier') {
          const name = obj.name as string;
          if (GLOBAL_OBJECTS.has(name) || name === 'process') {
            key = keyName(node, this);
            keyKnown = true;
            if (key !== undefined && name !== 'process') return key === 'require' ? undefined : this.ref(key) ?? { module: '(global)', path: [key], hidden: keyHidden(node) };
            if (key === 'mainModule') return { module: '(process.mainModule)', path: [], hidden: keyHidden(node) };
          }
        }
        const base = this.resolve(obj, d);
        if (!base) return undefined;
        if (!keyKnown) key = keyName(node, this);
        if (key === undefined) return undefined;
        if (key === 'value' && base.path[base.path.length - 1] === '(descriptor)') return { ...base, path: base.path.slice(0, -1) };
        return { module: base.module, path: [...base.path, key], hidden: base.hidden || keyHidden(node) };
      }
      case 'NewExpression': {
        // new Firebase(url), new net.Socket(): an instance of the module's class is still that module.
        const base = this.resolve(node.callee as Node, d);
        return base ? { ...base, path: [...base.path, '(new)'] } : undefined;
      }
      case 'CallExpression': {
        const callee = node.callee as Node;
        const args = node.arguments as Node[];
        if (callee.type === 'Identifier' && REQUIRE_NAMES.has(callee.name as string)) {
          const m = this.foldString(args[0]);
          return m ? { module: bare(m.value), path: [], hidden: m.decoded || (args[0]!.type !== 'Literal' && args[0]!.type !== 'TemplateLiteral') } : undefined;
        }
        if (callee.type === 'MemberExpression') {
          const obj = callee.object as Node;
          const method = keyName(callee, this);
          // module.require('x') / process.mainModule.require('x')
          if (method === 'require' && (this.resolve(obj, d) || (obj.type === 'Identifier' && obj.name === 'module'))) {
            const m = this.foldString(args[0]);
            return m ? { module: bare(m.value), path: [], hidden: true } : undefined;
          }
          if (obj.type === 'Identifier' && obj.name === 'Reflect' && method === 'get') {
            const base = this.resolve(args[0], d);
            const k = this.foldString(args[1]);
            return base && k ? { module: base.module, path: [...base.path, k.value], hidden: true } : undefined;
          }
          if (obj.type === 'Identifier' && obj.name === 'Object' && method === 'getOwnPropertyDescriptor') {
            const base = this.resolve(args[0], d);
            const k = this.foldString(args[1]);
            return base && k ? { module: base.module, path: [...base.path, k.value, '(descriptor)'], hidden: true } : undefined;
          }
          // f.bind(...) is f; f.call / f.apply are calls of f (the caller unwraps those).
          if (method === 'bind') return this.resolve(obj, d);
        }
        // What a client SDK call returns (ref.child(...), axios.create()) still talks through that client.
        const base = this.resolve(callee, d);
        return base && this.followsCalls(base.module) ? { ...base, path: [...base.path, '()'] } : undefined;
      }
      default:
        return undefined;
    }
  }
}

function sameRef(a: Ref, b: Ref): boolean {
  if (a.module !== b.module || a.hidden !== b.hidden || a.path.length !== b.path.length) return false;
  for (let i = 0; i < a.path.length; i++) if (a.path[i] !== b.path[i]) return false;
  return true;
}

/** A member access's key: `a.b` and `a['b']` are 'b', `a[k]` is what k folds to; undefined when unknown. */
export function keyName(node: Node, scope: Bindings): string | undefined {
  const p = node.property as Node;
  if (!node.computed) return p.type === 'Identifier' ? (p.name as string) : undefined;
  if (p.type === 'Literal' && typeof p.value === 'string') return p.value;
  return scope.foldString(p)?.value;
}

/** Whether a member access whose key is known was computed from something other than a plain string literal. */
function keyHidden(node: Node): boolean {
  const p = node.property as Node;
  return Boolean(node.computed) && !(p.type === 'Literal' && typeof p.value === 'string');
}

function entryOf(node: Node, scope: Bindings, d: number): Ref | undefined {
  // X[1] where X = Object.entries(m).find(cb), or X[0][1] where X = Object.entries(m).filter(cb)
  if (!node.computed) return undefined;
  let call = node.object as Node;
  if (call.type === 'MemberExpression' && call.computed) call = call.object as Node;
  if (call.type !== 'CallExpression' || (call.callee as Node).type !== 'MemberExpression') return undefined;
  const finder = call.callee as Node;
  const inner = finder.object as Node;
  if (inner.type !== 'CallExpression' || (inner.callee as Node).type !== 'MemberExpression') return undefined;
  const entries = inner.callee as Node;
  if ((entries.object as Node).type !== 'Identifier' || (entries.object as Node).name !== 'Object' || keyName(entries, scope) !== 'entries') return undefined;
  const base = scope.resolve((inner.arguments as Node[])[0], d);
  const name = comparedLiteral((call.arguments as Node[])[0]) ?? comparedLiteral(firstParamCompare((call.arguments as Node[])[0]));
  return base && name ? { module: base.module, path: [...base.path, name], hidden: true } : undefined;
}

function firstParamCompare(fn: Node | undefined): Node | undefined {
  return fn;
}

const FOLDABLE = new Set(['Literal', 'TemplateLiteral', 'BinaryExpression', 'ArrayExpression', 'CallExpression', 'NewExpression', 'MemberExpression', 'Identifier']);

function isFoldable(init: Node): boolean {
  return FOLDABLE.has(init.type);
}

/** `node:fs` is `fs`; `fs/promises` stays itself except where members are the same (dns/promises is listed). */
function bare(module: string): string {
  const m = module.startsWith('node:') ? module.slice(5) : module;
  return m === 'fs/promises' ? 'fs' : m;
}
