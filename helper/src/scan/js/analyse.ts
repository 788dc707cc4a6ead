import { Bindings, keyName, type Ref } from './bindings.js';
import { EXEC_MEMBERS, FS_READS, FS_WRITES, HOST_MEMBERS, NETWORK_GLOBALS, NETWORK_MEMBERS, NETWORK_PACKAGES, SECRET_ENV, SECRET_PATHS, SENSITIVE_MODULES, SHELL_PROGRAM, STRING_HINT, STRING_SIGNALS, VM_MEMBERS, WALLET_REGEX, publicIpUrl } from './indicators.js';
import { callTarget, targetArgs } from './calls.js';
import { callArgs } from './linear.js';
import { pushChildren, walk, type Node } from './parse.js';
import { ROOT_NAMES } from './roots.js';
import { plainTemplateText } from './template.js';
import { gatherTree, isFunction, type Tree } from './tree.js';

/** What a file does, as the rules grade it: one signal per act, located at a source offset. */
export interface Signal {
  kind: string;
  at: number;
  detail: string;
}

/** Where data came from, followed through assignments to the calls it reaches. */
type Taint = 'secret' | 'token' | 'env' | 'host' | 'decoded' | 'remote' | 'file' | 'media';

/** Files that hold no code: code evaluated from one was hidden in it (steganography). */
const MEDIA_FILE = /\.(?:png|jpe?g|gif|bmp|ico|webp|svg|wav|mp3|mp4|ttf|otf|woff2?)$/i;

/** Largest expression (characters) whose sources are collected: keeps taint tracking linear on bundles. */
const MAX_TAINT_SPAN = 2000;
const PACKER = /\beval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[dr]\s*\)/;
/** Where `process.env` appears as a value handed on, rather than tested or read from. */
const ENV_VALUE_PARENTS = new Set(['CallExpression', 'NewExpression', 'Property', 'SpreadElement', 'ArrayExpression', 'VariableDeclarator', 'AssignmentExpression', 'TemplateLiteral']);
const MAX_TAINTS_PER_NAME = 32;
const NO_TAINTS: ReadonlySet<Taint> = new Set();
/** What makes a character decoder a hex decoder; a file without it has none (a decoder's body is its text). */
export const HEX_PARSE = callArgs('parseInt(', (args) => {
  const a = args.trimEnd(); // `parseInt\([^)]*,\s*16\s*\)`, linear (trimEnd strips what `\s` matches)
  return a.endsWith('16') && a.slice(0, -2).trimEnd().endsWith(',');
});
/** Methods of a request object that send its body. */
const SEND_METHODS = new Set(['write', 'end', 'send']);
const GLOBAL_NAMES = new Set(['global', 'globalThis', 'window', 'self']);
/** Timer arguments that are strings (and so evaluated): a literal, a template, a concatenation. */
const STRING_EXPRESSIONS = new Set(['Literal', 'TemplateLiteral', 'BinaryExpression']);
/** Last names of the global network functions and wallet providers a clipper replaces. */
const HOOKED_NAMES = new Set(['fetch', 'ethereum', 'open', 'send', 'setRequestHeader', 'request', 'sendAsync']);
/** What a client SDK call returns (ref.child(...), axios.create()) still talks through that client. */
const followsCalls = (module: string): boolean => NETWORK_PACKAGES.has(module);
/** Wrappers of eval noted per file (each costs a pass over the file's calls; benign files have none or one). */
const MAX_WRAPPERS = 16;
/** Signals kept per kind and file. */
const MAX_PER_KIND = 20;

export interface FileAnalysis {
  signals: Signal[];
}

/**
 * Reads one parsed file: resolves module bindings, folds constants, follows sources (environment, secret
 * files, host facts, decoded and downloaded data) to sinks (network, DNS, child processes, eval-like calls,
 * writes outside the package), and notes obfuscation. Never runs package code.
 */
export function analyseProgram(program: Node, text: string): FileAnalysis {
  const tree = gatherTree(program);
  const b = new Bindings(followsCalls, tree.mutable);
  b.bind(tree.binders, tree.binderRoots);
  const a = new Analysis(b, text, tree);
  // Without the text of a hex decoder, no local decoder changes what a call resolves to, so calls resolve now
  // as they will at the end; then a file with no call a taint could reach (most libraries) has no use for
  // following taints, and only needs its character decoders noted (for hidden globals).
  let sinks = true;
  if (!(a.mayDecode && HEX_PARSE.test(text))) {
    a.settle();
    sinks = false;
    for (let i = 0; i < tree.acts.length && !sinks; i++) sinks = a.graded(i) && a.mayReceiveTaint(tree.acts[i]!, i);
    if (!sinks && a.mayDecode) for (const n of tree.flow) a.noteDecoder(n);
  }
  // Taints: twice, so a callback that fills a variable counts before and after its textual use. A first round
  // that found no taint, request or decoder leaves the second nothing to build on: it would find the same.
  for (let round = 0; round < 2 && sinks; round++) {
    if (round === 1 && !a.flowed) break;
    for (let i = 0; i < tree.flow.length; i++) {
      const n = tree.flow[i]!;
      const at = tree.flowActs[i]!;
      // a call whose callee resolves to nothing passes none of propagate's tests
      if (at < 0 || tree.acts[at] !== n || a.graded(at)) a.propagate(n, tree.flowFns[i], round, at);
    }
    a.settle();
  }
  for (let i = 0; i < tree.acts.length; i++) if (a.graded(i)) a.visit(tree.acts[i]!, tree.actParents[i], i);
  // Dean Edwards' packer: its decoder often breaks parsers, so it is matched on the text.
  const packer = text.includes('function(p,a,c,k,e,') ? PACKER.exec(text) : null;
  if (packer) a.signals.push({ kind: 'packer', at: packer.index, detail: 'packer-style eval(function(p,a,c,k,e,d){…})' });
  return { signals: a.signals };
}

class Analysis {
  readonly signals: Signal[] = [];
  /**
   * Taints by name, each with the function it was set in: a name counts as tainted only inside that function
   * (nested ones included), which keeps minified bundles, where `e` and `n` are reused everywhere, apart.
   */
  private readonly taints = new Map<string, { taint: Taint; scope: Node | undefined }[]>();
  private readonly counts = new Map<string, number>();
  /** Functions whose bodies decode characters (String.fromCharCode with charCodeAt arithmetic). */
  private readonly decoderFns = new Set<string>();
  /** Names of functions declared as `const name = function…`/`=>`, for noteWrapper (made on the first). */
  private fnNames: Map<Node, string> | undefined;
  /** Wrappers of eval or Function found (noteWrapper). */
  private wrappers = 0;
  /** Names given network data by a declaration or an assignment (not as a parameter): what a timer may evaluate. */
  private readonly remoteValues = new Set<string>();
  /** Names bound to a network request object (`const req = https.request(...)`), whose write/end send. */
  private readonly requests = new Set<string>();
  /** What each call among the tree's acts resolves to (null: nothing), by act index, once settled. */
  private readonly actCallees: (Ref | null | undefined)[];
  private settled = false;
  /**
   * Sorted offsets of the nodes where `sources` finds a taint while no name carries one: members of `process`
   * (the environment) and calls that read host facts or files or decode. An expression with none of them in
   * its range has no source to find, without walking it. Made once settled (the calls resolve for good).
   */
  private sourceAts: number[] | undefined;
  /** Work stacks of `sources`, kept between calls to spare an allocation per expression (each call works above the height it found). */
  private readonly stack: Node[] = [];
  private readonly parents: (Node | undefined)[] = [];

  /** Whether any function of the file can be a character decoder (the text names fromCharCode). */
  readonly mayDecode: boolean;

  constructor(private readonly b: Bindings, private readonly text: string, private readonly tree: Tree) {
    this.mayDecode = text.includes('fromCharCode');
    this.actCallees = new Array(tree.acts.length);
  }

  private signal(kind: string, at: number, detail: string): void {
    const n = this.counts.get(kind) ?? 0;
    if (n >= MAX_PER_KIND) return;
    this.counts.set(kind, n + 1);
    this.signals.push({ kind, at, detail });
  }

  /**
   * The function that declares `name`, from `fn` (the innermost function around the use) outwards (var, let,
   * const, parameter, function name); undefined: file scope.
   */
  private scopeOf(name: string, fn: Node | undefined): Node | undefined {
    const declaring = this.tree.declared.get(name);
    if (!declaring) return undefined;
    for (let f = fn; f; f = this.tree.outer.get(f)) if (declaring.has(f)) return f;
    return undefined;
  }

  /** Taints `name` as declared around `fn` (the innermost function around the write). */
  private taintName(name: string, t: ReadonlySet<Taint> | readonly Taint[], fn: Node | undefined): void {
    if ((Array.isArray(t) ? t.length : (t as ReadonlySet<Taint>).size) === 0) return;
    const scope = this.scopeOf(name, fn);
    let list = this.taints.get(name);
    for (const taint of t) {
      if (!list) this.taints.set(name, (list = []));
      if (list.length < MAX_TAINTS_PER_NAME && !list.some((x) => x.taint === taint && x.scope === scope)) list.push({ taint, scope });
    }
  }

  /** Sources inside an expression: direct reads and names that already carry a taint. */
  sources(node: Node | undefined): ReadonlySet<Taint> {
    // Most expressions carry no source: the set is made on the first one found.
    let out: Set<Taint> | undefined;
    if (!node || node.end - node.start > MAX_TAINT_SPAN) return NO_TAINTS;
    if (this.taints.size === 0 && this.settled && !anyWithin((this.sourceAts ??= this.indexSources()), node.start, node.end)) return NO_TAINTS;
    const stack = this.stack;
    const parents = this.parents;
    const base = stack.length;
    stack.push(node);
    parents.push(undefined);
    while (stack.length > base) {
      const n = stack.pop()!;
      const parent = parents.pop();
      // A function's body is not the value of the expression that holds the function.
      if (n !== node && isFunction(n)) continue;
      for (let i = pushChildren(n, stack); i > 0; i--) parents.push(n);
      if (n.type === 'Identifier') {
        const taints = this.taints.get(n.name as string);
        if (taints) for (const { taint, scope } of taints) if (!scope || (n.start >= scope.start && n.end <= scope.end)) (out ??= new Set()).add(taint);
      }
      else if (n.type === 'MemberExpression') {
        const env = this.envRead(n);
        // The whole environment counts where it is handed on as a value (an argument, a property, a spread,
        // the value itself), not in `process.env.X`, `process.env ? … : …` or `process.env && …`.
        if (env === 'token' || (env === 'env' && (n === node || (parent !== undefined && ENV_VALUE_PARENTS.has(parent.type) && parent.object !== n)))) (out ??= new Set()).add(env);
      } else if (n.type === 'CallExpression') {
        const ref = this.callee(n);
        if (isHostRead(ref)) (out ??= new Set()).add('host');
        if (isFileRead(ref)) (out ??= new Set()).add(this.readTaint((n.arguments as Node[])[0]));
        if (this.isDecodeCall(n)) (out ??= new Set()).add('decoded');
      }
    }
    return out ?? NO_TAINTS;
  }

  /** The offsets for `sourceAts`: every node where `sources` can find a taint other than a tainted name. */
  private indexSources(): number[] {
    const at: number[] = [];
    const acts = this.tree.acts;
    for (let i = 0; i < acts.length; i++) {
      const n = acts[i]!;
      const type = n.type;
      if (type === 'MemberExpression') {
        // `process.env` and `process.env.X` (whose object, `process.env`, is itself an act at the same offset)
        const obj = n.object as Node;
        if (obj.type === 'Identifier' && obj.name === 'process') at.push(n.start);
      } else if (type === 'CallExpression') {
        const ref = this.calleeAt(n, i);
        if (isHostRead(ref) || isFileRead(ref) || this.isDecodeCall(n)) at.push(n.start);
      }
    }
    return at.sort((x, y) => x - y);
  }

  /** `process.env` whole (env) or a secret variable of it (token). */
  private envRead(n: Node): 'env' | 'token' | undefined {
    const obj = n.object as Node;
    if (obj.type === 'Identifier' && obj.name === 'process' && keyName(n, this.b) === 'env') return 'env';
    if (obj.type === 'MemberExpression' && (obj.object as Node).type === 'Identifier' && (obj.object as Node).name === 'process' && keyName(obj, this.b) === 'env') {
      const key = keyName(n, this.b);
      return key && SECRET_ENV.test(key) ? 'token' : undefined;
    }
    return undefined;
  }

  private isDecodeCall(n: Node): boolean {
    const callee = n.callee as Node;
    // Character-code helpers are everywhere (UTF-8 encoders): only base64, hex and local hex decoders count.
    if (callee.type === 'Identifier') return callee.name === 'atob' || this.b.hexDecoders.has(callee.name as string);
    if (callee.type !== 'MemberExpression') return false;
    const method = keyName(callee, this.b);
    const obj = callee.object as Node;
    if (obj.type === 'Identifier' && obj.name === 'Buffer' && method === 'from') {
      const enc = this.b.foldString((n.arguments as Node[])[1])?.value;
      return enc === 'base64' || enc === 'hex' || enc === 'base64url';
    }
    return (method === 'createDecipheriv' || method === 'createDecipher' || method === 'inflateSync' || method === 'gunzipSync') ;
  }

  /** What a file read yields: secrets, a media file's bytes, or plain file data. */
  private readTaint(path: Node | undefined): Taint {
    if (this.secretPath(path)) return 'secret';
    const p = this.b.foldString(path)?.value;
    return p !== undefined && MEDIA_FILE.test(p) ? 'media' : 'file';
  }

  private secretPath(node: Node | undefined): string | undefined {
    if (!node || node.end - node.start > MAX_TAINT_SPAN) return undefined;
    let found: string | undefined;
    walk(node, (n) => {
      if (found || (n.type !== 'Literal' && n.type !== 'TemplateLiteral' && n.type !== 'BinaryExpression' && n.type !== 'Identifier')) return;
      const v = this.b.foldString(n)?.value;
      if (v !== undefined) found = secretKind(v);
    });
    return found;
  }

  /** The callee a call reaches, unwrapping `.call`, `.apply`, `.bind(...)()` and `Reflect.apply` (calls.ts). */
  callee(n: Node): Ref | undefined {
    return this.resolveCallee(n);
  }

  /** `callee` of the call that is act number `at` of the tree (-1: not an act), remembered once settled. */
  private calleeAt(n: Node, at: number): Ref | undefined {
    if (!this.settled || at < 0) return this.resolveCallee(n);
    let ref = this.actCallees[at];
    if (ref === undefined) this.actCallees[at] = ref = this.resolveCallee(n) ?? null;
    return ref ?? undefined;
  }

  /**
   * From here on what a call resolves to cannot change (every local decoder is known), so `calleeAt` remembers
   * it: each call is asked about several times across the passes. A wrapper of eval found later (noteWrapper,
   * rare) makes it forget.
   */
  settle(): void {
    this.settled = true;
  }

  /**
   * Whether act number `at` can give anything to grade: any act but a call or `new` whose callee hangs from a name
   * (roots.ts) that is neither bound to a module reference nor one of ROOT_NAMES, or from no name at all. Decided
   * on what the walk noted, without reading the call's nodes again (most calls of most files).
   */
  graded(at: number): boolean {
    const root = this.tree.actRoots[at];
    return root === undefined || (root !== null && (ROOT_NAMES.has(root) || this.b.refs.has(root)));
  }

  /** Whether flow has produced anything a later round could build on. */
  get flowed(): boolean {
    return this.taints.size > 0 || this.requests.size > 0 || this.b.hexDecoders.size > 0 || this.wrappers > 0;
  }

  /**
   * Whether `n` is a call where visitCall reads taints: a network call, an eval-like call (eval, Function,
   * timers, vm, `_compile`, eval or Function through a global or an alias) or a child process; a superset, it
   * may say yes more often.
   */
  mayReceiveTaint(n: Node, at: number): boolean {
    if (n.type !== 'CallExpression' && n.type !== 'NewExpression') return false;
    const callee = n.callee as Node;
    if (callee.type === 'Identifier') {
      const name = callee.name as string;
      if (name === 'eval' || name === 'Function') return true;
      // A timer by name reads taints only of a string expression (a name's network taint needs a network call,
      // which says yes itself): `setTimeout(tick, 10)`, in most files, reaches none.
      if (name === 'setTimeout' || name === 'setInterval') return mayEvaluate((n.arguments as Node[])[0]);
    }
    if (this.isNetworkCall(n, at)) return true;
    const ref = this.calleeAt(n, at);
    if (ref === undefined) return false;
    if (ref.path[0] === '_compile') return true;
    // A global reaches visitCall's taint reads only as eval, Function or a timer given a string (a network global
    // is a network call, above): `window.document.createElement(...)`, in every browser bundle, reaches none.
    if (ref.module === '(global)') {
      if (ref.path.length !== 1) return false;
      const member = ref.path[0];
      if (member === 'eval' || member === 'Function') return true;
      return (member === 'setTimeout' || member === 'setInterval') && mayEvaluate(targetArgs(n, callTarget(n, this.b).form)[0]);
    }
    return ref.module === 'child_process' || ref.module === 'vm';
  }

  private resolveCallee(n: Node): Ref | undefined {
    const callee = callTarget(n, this.b).callee;
    return callee ? this.b.resolve(callee) : undefined;
  }

  /**
   * One step of taint flow at `n`, which sits in function `fn`; decoders are recognised in round 0 only. `at`:
   * where the call `n` (or a declarator's initialiser call) sits among the acts, or -1.
   */
  propagate(n: Node, fn: Node | undefined, round: number, at: number): void {
    if (n.type === 'VariableDeclarator' && (n.id as Node).type === 'Identifier' && n.init) {
      const t = this.sources(n.init as Node);
      this.taintName((n.id as Node).name as string, t, fn);
      if (t.has('remote')) this.remoteValues.add((n.id as Node).name as string);
      if ((n.init as Node).type === 'CallExpression' && this.isNetworkCall(n.init as Node, at)) this.requests.add((n.id as Node).name as string);
      if (isFunction(n.init as Node)) (this.fnNames ??= new Map()).set(n.init as Node, (n.id as Node).name as string);
    } else if (n.type === 'AssignmentExpression') {
      let left = n.left as Node;
      while (left.type === 'MemberExpression') left = left.object as Node;
      // An assignment fills the variable where it was declared (a callback filling its caller's variable).
      if (left.type === 'Identifier') {
        const t = this.sources(n.right as Node);
        this.taintName(left.name as string, t, fn);
        if (t.has('remote') && left === n.left) this.remoteValues.add(left.name as string);
      }
    } else if (n.type === 'Property' && (n.value as Node)?.type !== 'FunctionExpression') {
      // handled through the enclosing object literal's sources
    } else if (n.type === 'CallExpression') {
      const ref = this.calleeAt(n, at);
      const args = n.arguments as Node[];
      // fs.readFile(secret, (err, data) => ...): data is the secret; a request callback's data came from the network.
      let t: Taint | undefined;
      if (isFileRead(ref)) t = this.readTaint(args[0]);
      else if (this.isNetworkCall(n, at)) t = 'remote';
      if (t) for (const arg of args) if (isFunction(arg)) this.taintParams(arg, t);
      if (t === 'remote') for (const arg of args) if (isFunction(arg)) walk(arg, (inner) => { if (isFunction(inner)) this.taintParams(inner, 'remote'); });
      if (fn) this.noteWrapper(n, ref, fn);
    }
    // Functions that decode characters: a computed call through one hides a name (the text alone decides, so
    // the second round would find the same).
    if (round === 0) this.noteDecoder(n);
  }

  /**
   * Notes `fn` as a wrapper of eval or Function when its call `n` evaluates `fn`'s first parameter
   * (`function run(s) { return eval(s); }`, `const run = (s) => e(s)` where e is an alias): `fn`'s name is bound
   * to that global, so that `run(x)` is graded as `eval(x)` wherever it is called, before or after.
   */
  private noteWrapper(n: Node, ref: Ref | undefined, fn: Node): void {
    const callee = n.callee as Node;
    const byName = callee.type === 'Identifier' && (callee.name === 'eval' || callee.name === 'Function') ? (callee.name as string) : undefined;
    const member = byName ?? (ref !== undefined && ref.module === '(global)' && ref.path.length === 1 ? ref.path[0] : undefined);
    if (member !== 'eval' && member !== 'Function') return;
    const param = (fn.params as Node[])[0];
    if (param === undefined || param.type !== 'Identifier') return;
    const given = byName ? (n.arguments as Node[]) : targetArgs(n, callTarget(n, this.b).form);
    const payload = member === 'eval' ? given[0] : given[given.length - 1];
    if (payload === undefined || payload.type !== 'Identifier' || payload.name !== param.name) return;
    const name = this.fnNames?.get(fn) ?? (fn.type === 'FunctionDeclaration' ? ((fn.id as Node | null)?.name as string | undefined) : undefined);
    if (name === undefined || this.b.refs.has(name) || this.b.mutable.has(name) || this.wrappers >= MAX_WRAPPERS) return;
    this.b.refs.set(name, { module: '(global)', path: [member], hidden: false });
    this.wrappers++;
    // What calls resolve to, remembered so far, may name it: forget it (a pass over the acts, hence MAX_WRAPPERS).
    // No call becomes a source (sourceAts) by resolving to eval.
    this.actCallees.fill(undefined);
  }

  /** Notes `n` if it is a named function that decodes characters (a hex decoder when it parses base 16). */
  noteDecoder(n: Node): void {
    if (!this.mayDecode) return;
    const decoder = isFunction(n) && n.id ? n : n.type === 'VariableDeclarator' && isFunction(n.init as Node | undefined) ? (n.init as Node) : undefined;
    const name = decoder ? (((n.id as Node | undefined)?.name as string | undefined) ?? undefined) : undefined;
    if (decoder && name && decoder.end - decoder.start < MAX_TAINT_SPAN) {
      const body = this.text.slice(decoder.start, decoder.end);
      if (body.includes('fromCharCode') && (body.includes('charCodeAt') || HEX_PARSE.test(body))) {
        this.decoderFns.add(name);
        if (HEX_PARSE.test(body)) this.b.hexDecoders.add(name);
      }
    }
  }

  private taintParams(fn: Node, t: Taint): void {
    for (const p of fn.params as Node[]) {
      // A parameter lives in its own function (declared there, so scopeOf finds it from the body).
      if (p.type === 'Identifier') this.taintName(p.name as string, [t], fn);
      else walk(p, (x) => {
        if (x.type === 'Identifier') {
          this.tree.declared.add(fn, x.name as string);
          this.taintName(x.name as string, [t], fn);
        }
      });
    }
  }

  /** Whether call `n` (act number `at`, or -1) reaches the network. */
  isNetworkCall(n: Node, at = -1): boolean {
    const callee = n.callee as Node;
    if (callee.type === 'Identifier' && NETWORK_GLOBALS.has(callee.name as string)) return true;
    const ref = this.calleeAt(n, at);
    if (!ref) {
      // req.write(data) / req.end(data) on a request object, named or not
      if (callee.type !== 'MemberExpression' || !SEND_METHODS.has(keyName(callee, this.b) ?? '')) return false;
      const obj = callee.object as Node;
      return (obj.type === 'Identifier' && this.requests.has(obj.name as string)) || (obj.type === 'CallExpression' && this.isNetworkCall(obj));
    }
    if (ref.module === '(global)') return NETWORK_GLOBALS.has(ref.path[0] ?? '');
    if (NETWORK_PACKAGES.has(ref.module)) return true;
    const members = NETWORK_MEMBERS[ref.module];
    return members === '*' || (members !== undefined && members.has(ref.path[0] ?? ''));
  }

  /** Grades act number `at` of the tree, `n`. */
  visit(n: Node, parent: Node | undefined, at: number): void {
    switch (n.type) {
      case 'CallExpression':
      case 'NewExpression':
        this.visitCall(n, at);
        break;
      case 'MemberExpression':
        this.visitMember(n, parent);
        break;
      case 'AssignmentExpression':
        this.visitAssignment(n);
        break;
      case 'Literal':
        if (typeof n.value === 'string') this.visitString(n.value, n.start);
        else if (n.regex && WALLET_REGEX.test((n.regex as { pattern: string }).pattern)) this.signal('wallet-regex', n.start, 'matches crypto wallet addresses');
        break;
      case 'TemplateLiteral': {
        // One without substitutions is graded as the string literal it equals.
        const v = (n.expressions as Node[]).length > 0 ? this.b.foldString(n)?.value : plainTemplateText(n);
        if (v !== undefined) this.visitString(v, n.start);
        break;
      }
      case 'ArrayExpression':
        this.visitArray(n);
        break;
      case 'WhileStatement':
        // javascript-obfuscator's rotation loop: while(!![]) { ... push(shift()) }
        if (this.text.slice(n.start, Math.min(n.end, n.start + 20)).replace(/\s/g, '').startsWith('while(!![])') && this.text.slice(n.start, n.end).includes("'push'](") ) this.signal('string-array', n.start, 'string array rotated by an obfuscator loop');
        break;
      case 'BinaryExpression':
        // a[i] = a[i] ^ key[i % key.length].charCodeAt(0): a buffer decoded in place. Hashes also XOR
        // character codes, but into an accumulator, never back into the element they read.
        if (n.operator === '^' && parent?.type === 'AssignmentExpression' && (parent.left as Node).type === 'MemberExpression') {
          const target = this.text.slice((parent.left as Node).start, (parent.left as Node).end);
          const sides = [n.left as Node, n.right as Node].map((x) => this.text.slice(x.start, x.end));
          // ...with a key cycled by `%` (webpack's StringXor XORs two strings of one length).
          if (sides.includes(target) && sides.some((x) => x.includes('.charCodeAt(') && x.includes('%'))) this.signal('xor-decoder', n.start, 'XOR over character codes written back in place (a string decoder)');
        }
        break;
      default:
        break;
    }
  }

  private visitString(s: string, at: number): void {
    if (s.length < 4) return;
    // One test that every pattern below also passes: most strings (names, messages) pass none.
    if (STRING_HINT.test(s)) {
      for (const [kind, re, what] of STRING_SIGNALS) if (re.test(s)) this.signal(kind, at, what);
      const secret = secretKind(s);
      if (secret) this.signal('secret-path', at, secret);
    }
    const ip = publicIpUrl(s);
    if (ip) this.signal('public-ip', at, ip);
  }

  private visitArray(n: Node): void {
    const els = n.elements as (Node | null)[];
    if (els.length < 5) return;
    let coded = 0;
    for (const e of els) if (e?.type === 'Literal' && typeof e.value === 'string' && /^\d{3,}[A-Za-z]{3,}$/.test(e.value)) coded++;
    if (coded >= 3) this.signal('string-array', n.start, 'string array in javascript-obfuscator layout (checksum entries)');
  }

  private visitMember(n: Node, parent: Node | undefined): void {
    const obj = n.object as Node;
    if (n.computed && obj.type === 'Identifier' && GLOBAL_NAMES.has(obj.name as string)) {
      const p = n.property as Node;
      if (p.type === 'CallExpression' && (p.callee as Node).type === 'Identifier' && this.decoderFns.has((p.callee as Node).name as string)) {
        this.signal('hidden-global', n.start, `${obj.name as string}[…] reached through a character decoder`);
      } else if (p.type !== 'Literal') {
        const k = this.b.foldString(p);
        if (k?.decoded) this.signal('hidden-global', n.start, `${obj.name as string}['${k.value.slice(0, 40)}'] reached through a decoded key`);
      }
    }
    // process.env handed whole to something other than a child's `env` option or a member read
    if (this.envRead(n) === 'env' && parent && parent.type !== 'MemberExpression' && !(parent.type === 'Property' && memberName(parent.key as Node) === 'env')) {
      if (parent.type === 'CallExpression' && this.text.slice((parent.callee as Node).start, (parent.callee as Node).end) === 'JSON.stringify') this.signal('env-dump', n.start, 'serialises the whole environment');
    }
  }

  private visitAssignment(n: Node): void {
    const target = n.left as Node;
    // Only `a.b = ` ending in one of these names can spell a hooked network function (the text test below).
    if (target.type === 'MemberExpression' && !target.computed && HOOKED_NAMES.has((target.property as Node).name as string)) {
      const left = this.text.slice(target.start, Math.min(target.end, target.start + 200)).replace(/\s/g, '');
      if (/^(?:window|globalThis|self|global)\.(?:fetch|ethereum)$|^XMLHttpRequest\.prototype\.(?:open|send|setRequestHeader)$|^(?:window\.)?ethereum\.(?:request|send|sendAsync)$/.test(left)) {
        this.signal('hook-network', n.start, `replaces ${left}`);
      }
    }
    if (target.type === 'MemberExpression') {
      const obj = target.object as Node;
      if (obj.type === 'MemberExpression' && keyName(obj, this.b) === 'prototype') {
        const ref = this.b.resolve(obj.object as Node);
        if (ref && SENSITIVE_MODULES.has(ref.module)) this.signal('prototype-patch', n.start, `patches ${ref.module}${ref.path.map((p) => `.${p}`).join('')}.prototype`);
      }
    }
  }

  private visitCall(n: Node, at: number): void {
    const args = (n.arguments as Node[]) ?? [];
    const callee = n.callee as Node;
    if (callee.type === 'Identifier') {
      const name = callee.name as string;
      if (name === 'eval' || name === 'Function') this.evalSink(n, args[args.length - 1], name);
      else if (name === 'setTimeout' || name === 'setInterval') this.timerSink(n, args[0], name);
      if (name === 'require' && args[0] && args[0].type !== 'Literal') {
        const m = this.b.foldString(args[0]);
        if (m && (m.decoded || args[0].type !== 'TemplateLiteral')) this.signal(m.decoded || SENSITIVE_MODULES.has(m.value) ? 'hidden-require' : 'computed-require', n.start, `require('${m.value.slice(0, 60)}') from a ${m.decoded ? 'decoded' : 'computed'} name`);
      }
      if (name === 'eval' && args[0]?.type === 'FunctionExpression' && (args[0].params as Node[]).map((p) => p.name).join(',') === 'p,a,c,k,e,d') this.signal('packer', n.start, 'packer-style eval(function(p,a,c,k,e,d){…})');
    }
    if (args.length >= 2 && args.length <= 8) {
      let exe = false;
      let dll = false;
      for (const a of args) {
        // Both patterns need a dot: most arguments have none.
        const v = a.type === 'Literal' ? a.value : a.type === 'TemplateLiteral' ? plainTemplateText(a) : undefined;
        if (typeof v !== 'string' || !v.includes('.')) continue;
        exe ||= /\.exe\b/i.test(v);
        dll ||= /\.dll$/i.test(v);
      }
      if (exe && dll) this.signal('dll', n.start, 'starts a program with a DLL to inject');
    }
    if (callee.type === 'MemberExpression' && keyName(callee, this.b) === 'dlopen') this.signal('native-load', n.start, 'loads a native library with process.dlopen');
    const ref = this.calleeAt(n, at);
    if (this.isNetworkCall(n, at)) {
      const src = new Set<Taint>();
      for (const arg of args) addAll(src, this.sources(arg));
      const what = ref ? `${ref.module}${ref.path.map((p) => `.${p}`).join('')}` : this.text.slice(callee.start, Math.min(callee.end, callee.start + 40));
      this.signal(ref && (ref.module === 'dns' || ref.module === 'dns/promises') ? 'dns' : 'network', n.start, what);
      const what2 = { secret: 'secret files', token: 'a secret environment variable', env: 'the environment', host: 'host details' } as const;
      for (const t of ['secret', 'token', 'env', 'host'] as const) if (src.has(t)) this.signal(`flow-${t}`, n.start, `${what2[t]} sent through ${what}`);
    }
    if (!ref) return;
    if (ref.hidden && SENSITIVE_MODULES.has(ref.module) && ref.path.length > 0) {
      this.signal(ref.module === 'child_process' ? 'hidden-exec' : 'hidden-api', n.start, `${ref.module}.${ref.path.join('.')} reached through a computed or reflective access`);
    }
    const member = ref.path[0] ?? '';
    // What the reached function receives: `f.call(t, a)`, `Reflect.apply(f, t, [a])` hand it `a` (calls.ts).
    const given = targetArgs(n, callTarget(n, this.b).form);
    if (ref.module === 'child_process' && EXEC_MEMBERS.has(member)) this.execCall(n, member, given);
    else if (ref.module === 'vm' && VM_MEMBERS.has(member)) this.evalSink(n, given[0], `vm.${member}`);
    else if (ref.module === 'fs' && FS_WRITES.has(member)) this.fsWrite(n, member, given);
    else if (ref.module === 'fs' && FS_READS.has(member)) {
      const kind = this.secretPath(given[0]);
      if (kind) this.signal('secret-read', n.start, `reads ${kind} secrets`);
    } else if (ref.module === 'os' && HOST_MEMBERS.has(member)) this.signal('host', n.start, `os.${member}()`);

    if (member === '_compile') this.evalSink(n, given[0], '_compile');

    // `eval(x)` and `setTimeout(x)` themselves were judged above by their names; this catches aliases, `(0, eval)`,
    // computed members, members of the global object (`globalThis.setTimeout`) and indirect calls (calls.ts).
    if (ref.module !== '(global)' || ref.path.length !== 1 || (callee.type === 'Identifier' && callee.name === member)) return;
    // Only eval or Function itself: calling what `new Function(...)` returned runs that function, not its arguments.
    // eval evaluates its first argument; Function compiles its last, the body.
    if (member === 'eval') this.evalSink(n, given[0], member);
    else if (member === 'Function') this.evalSink(n, given[given.length - 1], member);
    else if (member === 'setTimeout' || member === 'setInterval') this.timerSink(n, given[0], member);
  }

  /**
   * A timer evaluates its first argument only when it is a string (in browsers; Node refuses one): a literal, a
   * template or a concatenation, a name bound to a decoded constant, or a name given network data (not a
   * callback's parameter, which may as well be a function handed on).
   */
  private timerSink(n: Node, arg: Node | undefined, what: string): void {
    if (!arg) return;
    if (STRING_EXPRESSIONS.has(arg.type)) this.evalSink(n, arg, what);
    else if (arg.type === 'Identifier') {
      if (this.b.foldString(arg)?.decoded) this.evalSink(n, arg, what);
      else if (this.remoteValues.has(arg.name as string) && this.sources(arg).has('remote')) this.signal('eval-remote', n.start, `${what}() of data from the network`);
    }
  }

  private evalSink(n: Node, arg: Node | undefined, what: string): void {
    if (!arg) return;
    const folded = this.b.foldString(arg);
    if (folded && !folded.decoded) return; // eval('literal code') hides nothing the text does not show
    const src = this.sources(arg);
    if (folded?.decoded || src.has('decoded')) this.signal('eval-decoded', n.start, `${what}() of decoded data`);
    else if (src.has('remote')) this.signal('eval-remote', n.start, `${what}() of data from the network`);
    else if (src.has('media')) this.signal('eval-media', n.start, `${what}() of data read from an image or media file`);
    else if (src.has('file')) this.signal('eval-file', n.start, `${what}() of data read from a file`);
  }

  private execCall(n: Node, member: string, args: readonly Node[]): void {
    const cmd = this.b.foldString(args[0])?.value;
    const argv = args[1]?.type === 'ArrayExpression' ? (args[1].elements as Node[]).map((e) => this.b.foldString(e ?? undefined)?.value ?? '?') : [];
    const line = [cmd ?? '?', ...argv].join(' ');
    this.signal('exec', n.start, `child_process.${member}(${line.slice(0, 80)})`);
    // What the command line itself does weighs more than the same words in any string of the file.
    for (const [kind, re, what] of STRING_SIGNALS) if (re.test(line)) this.signal(`exec:${kind}`, n.start, what);
    const opts = args.find((a) => a.type === 'ObjectExpression');
    const optText = opts ? this.text.slice(opts.start, Math.min(opts.end, opts.start + 2000)) : '';
    const detached = /detached\s*:\s*(?:true|!0)/.test(optText);
    const silent = /stdio\s*:\s*['"]ignore['"]/.test(optText) || /windowsHide\s*:\s*(?:true|!0)/.test(optText);
    if (detached && silent) this.signal('exec-silent', n.start, `detached silent child_process.${member}(${line.slice(0, 60)})`);
    if (cmd && SHELL_PROGRAM.test(cmd.trim())) this.signal('exec-shell', n.start, `spawns ${cmd.trim()}`);
    const src = new Set<Taint>();
    for (const arg of args) addAll(src, this.sources(arg));
    if (src.has('remote')) this.signal('exec-remote', n.start, 'runs a command built from network data');
  }

  private fsWrite(n: Node, member: string, args: readonly Node[]): void {
    const path = this.b.foldString(args[0])?.value;
    const pathText = this.text.slice(args[0]?.start ?? 0, Math.min(args[0]?.end ?? 0, (args[0]?.start ?? 0) + 300));
    if (path && /\.(?:so|dll|dylib|node)$/i.test(path) && /^(?:\/tmp\/|\/var\/tmp\/|%TEMP%|C:\\Windows\\Temp)/i.test(path)) this.signal('shared-lib-write', n.start, `writes a shared library to ${path.slice(0, 60)}`);
    else if (/tmpdir\(\)/.test(pathText) && /\.(?:so|dll|dylib)['"`]/.test(pathText)) this.signal('shared-lib-write', n.start, 'writes a shared library to the temp folder');
    if (path !== undefined && /(?:^|\/)package\.json$/.test(path) && /^(?:write|append)/.test(member)) this.signal('manifest-write', n.start, 'rewrites package.json');
    const outside = (path !== undefined && (/^(?:\/|~|[A-Za-z]:\\)/.test(path) || path.startsWith('../') || path.includes('node_modules/'))) || /homedir\(\)|process\.cwd\(\)|INIT_CWD|\.\.\/\.\.\//.test(pathText);
    const recursive = /^rm/.test(member) && args.some((a) => a.type === 'ObjectExpression' && /recursive\s*:\s*(?:true|!0)/.test(this.text.slice(a.start, a.end)));
    if (outside && (!path || !/^\/(?:tmp|var\/tmp|dev\/null)\b/.test(path))) this.signal(recursive ? 'wipe' : 'write-outside', n.start, `${member}(${(path ?? pathText).slice(0, 60)})`);
  }
}

/** Whether a timer's argument is a string expression (the timer evaluates it). */
function mayEvaluate(arg: Node | undefined): boolean {
  return arg !== undefined && STRING_EXPRESSIONS.has(arg.type);
}

function addAll(to: Set<Taint>, from: ReadonlySet<Taint>): void {
  // most sets are empty: no iterator for them
  if (from.size > 0) for (const t of from) to.add(t);
}

/** A call of os.hostname / userInfo / networkInterfaces. */
function isHostRead(ref: Ref | undefined): boolean {
  return ref !== undefined && ref.module === 'os' && HOST_MEMBERS.has(ref.path[0] ?? '');
}

/** A call of an fs member that reads a file or folder. */
function isFileRead(ref: Ref | undefined): boolean {
  return ref !== undefined && ref.module === 'fs' && FS_READS.has(ref.path[0] ?? '');
}

/** Whether `sorted` (ascending) holds an offset in [start, end). */
function anyWithin(sorted: number[], start: number, end: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! < end;
}

function memberName(key: Node): string | undefined {
  return key.type === 'Identifier' ? (key.name as string) : key.type === 'Literal' ? String(key.value) : undefined;
}

export function secretKind(s: string): string | undefined {
  if (s.length > 300) return undefined;
  for (const [kind, re] of SECRET_PATHS) if (re.test(s)) return kind;
  return undefined;
}
