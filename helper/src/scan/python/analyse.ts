import { SECRET_PATHS, STRING_SIGNALS, publicIpUrl } from '../js/indicators.js';
import { fold, foldString } from './fold.js';
import { AUTOSTART, CAPTURE_CALL, DECODE_CALL, EXECUTABLE_URL, SUSPICIOUS_PROGRAM, DNS_CALL, EVAL_CALLS, EXEC_CALLS, HOST_CALL, HOST_ENV, MEDIA_PATH, NETWORK_CALL, OBFUSCATOR, OPEN_CALL, SECRET_CALL, SECRET_ENV, SENSITIVE_MODULE, SILENT_FLAGS, SOCKET_CALL, WEBHOOK, WRITE_FIRST, WRITE_SECOND } from './indicators.js';
import { assignedCommandOverride, setupCommandOverride } from './install-command.js';
import { isShortener, shadyLink } from './links.js';
import { Names } from './names.js';
import { callArguments, descendants, type PyNode } from './parse.js';

/** What a file does, as the rules grade it: one signal per act, at a character offset (same shape as js/). */
export interface Signal {
  kind: string;
  at: number;
  detail: string;
}

/** Where data came from, followed through assignments, `with ... as`, loops, calls and returns. */
type Taint = 'secret' | 'token' | 'env' | 'host' | 'decoded' | 'remote' | 'file' | 'media';

const MAX_PER_KIND = 20;
/** Nodes looked at per expression when collecting its taints: keeps huge literals linear. */
const MAX_TAINT_NODES = 4000;
const TAINT_ROUNDS = 3;
/** Longest path or command folded. */
const MAX_PATH_CHARS = 64 * 1024;
/** How many times decoded code is itself parsed and analysed (a payload inside a payload). */
const MAX_NESTED = 2;
const SERIALISE = /^(?:json\.dumps|builtins\.str|builtins\.repr|pickle\.dumps|base64\.\w*encode|urllib\.parse\.urlencode)$/;
const STEGO_CALL = /^(?:stegano\.lsb\.reveal|lsb\.reveal|steganography\.steganography\.Steganography\.decode|Steganography\.decode|stegano\.exifHeader\.reveal)$/;
const SCOPES = new Set(['function_definition', 'lambda', 'class_definition']);

export type Reparse = (text: string) => PyNode | undefined;

/**
 * Reads one parsed Python file: resolves imports and aliases, folds constants, follows sources (environment,
 * secret files, host facts, decoded and downloaded data) to sinks (network, DNS, processes, exec/eval/compile,
 * writes outside the package) and notes reverse shells, obfuscators and hidden names. A string that folds to
 * Python code and reaches exec is parsed (through `reparse`) and analysed in turn. Never runs package code.
 */
export function analysePython(root: PyNode, text: string, reparse?: Reparse, nested = 0): Signal[] {
  return new Analysis(root, text, reparse, nested).run();
}

class Analysis {
  readonly names: Names;
  readonly nodes: PyNode[] = [];
  readonly parent = new Map<PyNode, PyNode>();
  /** Taints of names, per scope (a function, or the module): a name means one thing inside one function. */
  readonly taints = new Map<PyNode, Map<string, Set<Taint>>>();
  readonly scope = new Map<PyNode, PyNode>();
  readonly returns = new Map<string, Set<Taint>>();
  readonly functions = new Map<string, PyNode>();
  readonly signals: Signal[] = [];
  private readonly perKind = new Map<string, number>();
  readonly written: { paths: string[]; names: string[] } = { paths: [], names: [] };
  /** Where programs are run, with the source text of their arguments. */
  private readonly execSites: { at: number; detail: string; args: string; program: string; first: string }[] = [];

  constructor(readonly root: PyNode, readonly text: string, readonly reparse: Reparse | undefined, readonly nested: number) {
    this.names = new Names(text);
  }

  run(): Signal[] {
    const stack: [PyNode, PyNode | undefined, PyNode][] = [[this.root, undefined, this.root]];
    while (stack.length > 0) {
      const [n, p, scope] = stack.pop()!;
      this.nodes.push(n);
      this.scope.set(n, scope);
      if (p) this.parent.set(n, p);
      const inner = n.type === 'function_definition' || n.type === 'lambda' ? n : scope;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i]!, n, inner]);
    }
    for (const n of this.nodes) {
      if (n.type === 'assignment' || n.type === 'augmented_assignment') for (const t of targets(n.fields.left)) this.names.countAssignment(this.names.src(t));
      else if (n.type === 'function_definition' && n.fields.name) {
        this.names.countAssignment(this.names.src(n.fields.name));
        this.functions.set(this.names.src(n.fields.name), n);
      } else if (n.type === 'for_statement' || n.type === 'as_pattern') for (const t of targets(n.type === 'for_statement' ? n.fields.left : n.fields.alias ?? n.children[1])) this.names.countAssignment(this.names.src(t));
    }
    for (const n of this.nodes) if (n.type === 'import_statement' || n.type === 'import_from_statement') this.names.bindImport(n);
    for (let round = 0; round < 2; round++) {
      for (const n of this.nodes) {
        if (n.type === 'assignment' && n.fields.left?.type === 'identifier' && n.fields.right) this.names.bindAssignment(this.names.src(n.fields.left), n.fields.right);
        else if (n.type === 'as_pattern') {
          const target = targets(n.fields.alias ?? n.children[1])[0];
          if (target && n.children[0]) this.names.bindAssignment(this.names.src(target), n.children[0]);
        }
      }
    }
    this.propagate();
    for (const n of this.nodes) {
      if (n.type === 'call') this.call(n);
      else if (n.type === 'assignment' && n.fields.left?.type === 'subscript') {
        const command = assignedCommandOverride(n, this.names);
        if (command) this.signal('install-command', n.start, `cmdclass['${command}'] replaced`);
      }
      else if (n.type === 'exec_statement') this.evalSink(n, n.children[0], 'exec');
      else if (n.type === 'string') this.literal(n);
      else if (n.type === 'attribute' && this.names.qualified(n) === 'os.environ') this.environ(n);
    }
    const obf = OBFUSCATOR.exec(this.text);
    if (obf) this.signal('obfuscator', obf.index, obf[0]);
    this.downloadExec();
    return this.signals;
  }

  signal(kind: string, at: number, detail: string): void {
    const n = this.perKind.get(kind) ?? 0;
    if (n >= MAX_PER_KIND) return;
    this.perKind.set(kind, n + 1);
    this.signals.push({ kind, at, detail: detail.slice(0, 200) });
  }

  private propagate(): void {
    const put = (into: Map<string, Set<Taint>>, name: string, ts: Set<Taint>) => {
      if (ts.size === 0) return;
      const set = into.get(name) ?? new Set<Taint>();
      for (const t of ts) set.add(t);
      into.set(name, set);
    };
    // A name assigned inside a function is that function's; at the top level, the module's.
    const add = (target: PyNode, ts: Set<Taint>, scope = this.scope.get(target) ?? this.root) => {
      let names = this.taints.get(scope);
      if (!names) this.taints.set(scope, (names = new Map()));
      put(names, this.names.src(target), ts);
    };
    for (let round = 0; round < TAINT_ROUNDS; round++) {
      for (const n of this.nodes) {
        if ((n.type === 'assignment' || n.type === 'augmented_assignment') && n.fields.right) {
          const ts = this.taintOf(n.fields.right);
          for (const t of targets(n.fields.left, true)) add(t, ts);
        } else if (n.type === 'named_expression' && n.fields.name && n.fields.value) add(n.fields.name, this.taintOf(n.fields.value));
        else if (n.type === 'as_pattern' && n.children[0]) for (const t of targets(n.fields.alias ?? n.children[1])) add(t, this.taintOf(n.children[0]));
        else if (n.type === 'for_statement' && n.fields.right) for (const t of targets(n.fields.left)) add(t, this.taintOf(n.fields.right));
        else if (n.type === 'return_statement' && n.children[0]) {
          const fn = this.enclosing(n, 'function_definition');
          if (fn?.fields.name) put(this.returns, this.names.src(fn.fields.name), this.taintOf(n.children[0]));
        } else if (n.type === 'call' && n.fields.function) {
          const f = n.fields.function;
          const args = callArguments(n);
          // data.update(os.environ), items.append(secret), buf.write(x): the object now holds what was passed.
          if (f.type === 'attribute' && f.fields.object?.type === 'identifier' && /^(?:append|extend|update|add|insert|write|setdefault)$/.test(this.names.src(f.fields.attribute!))) {
            add(f.fields.object, this.taintOfAll(args));
          }
          // A local function's parameters take what its callers pass.
          const local = f.type === 'identifier' ? this.functions.get(this.names.src(f)) : undefined;
          const params = local?.fields.parameters?.children.filter((p) => p.type === 'identifier') ?? [];
          args.forEach((a, i) => {
            if (a.type !== 'keyword_argument' && params[i] && local) add(params[i], this.taintOf(a), local);
          });
        }
      }
    }
  }

  private enclosing(n: PyNode, type: string): PyNode | undefined {
    for (let p = this.parent.get(n); p; p = this.parent.get(p)) if (p.type === type) return p;
    return undefined;
  }

  /** Sources inside an expression, following names assigned once to what they were assigned. */
  private directTaint(expr: PyNode | undefined, depth = 0): Set<Taint> {
    const out = new Set<Taint>();
    if (!expr || depth > 3) return out;
    const folded = fold(expr, this.names);
    if (folded?.decoded) out.add('decoded');
    let seen = 0;
    const stack = [expr];
    while (stack.length > 0 && seen++ < MAX_TAINT_NODES) {
      const n = stack.pop()!;
      if (n !== expr && SCOPES.has(n.type)) continue;
      if (n.type === 'identifier') {
        const value = this.names.constant(n.text ?? this.names.src(n));
        if (value && value !== expr) for (const t of this.directTaint(value, depth + 1)) out.add(t);
      } else if (n.type === 'call') for (const t of this.callSource(n)) out.add(t);
      for (const c of n.children) stack.push(c);
    }
    return out;
  }

  /** A name's taints in the scope it is read in, else the module's (a global). */
  private nameTaints(n: PyNode): Set<Taint> {
    const name = n.text ?? this.names.src(n);
    const scope = this.scope.get(n) ?? this.root;
    return this.taints.get(scope)?.get(name) ?? this.taints.get(this.root)?.get(name) ?? new Set();
  }

  taintOfAll(nodes: PyNode[]): Set<Taint> {
    const out = new Set<Taint>();
    for (const n of nodes) for (const t of this.taintOf(n)) out.add(t);
    return out;
  }

  /** Every source inside an expression (nested function bodies excluded: they run later, if at all). */
  taintOf(expr: PyNode): Set<Taint> {
    const out = new Set<Taint>();
    let seen = 0;
    const stack = [expr];
    while (stack.length > 0 && seen++ < MAX_TAINT_NODES) {
      const n = stack.pop()!;
      if (n !== expr && SCOPES.has(n.type)) continue;
      if (n.type === 'identifier') for (const t of this.nameTaints(n)) out.add(t);
      else if (n.type === 'call') for (const t of this.callSource(n)) out.add(t);
      else if (n.type === 'attribute' || n.type === 'subscript') {
        const t = this.environSource(n);
        if (t) out.add(t);
      }
      for (const c of n.children) stack.push(c);
    }
    return out;
  }

  /** What a call's result holds. */
  private callSource(n: PyNode): Taint[] {
    const fn = n.fields.function;
    const q = fn ? this.names.qualified(fn) : undefined;
    const args = callArguments(n).filter((a) => a.type !== 'keyword_argument');
    const out: Taint[] = [];
    if (!q) return out;
    if (NETWORK_CALL.test(q) || /\(\)\.(?:read|text|content|json|recv|recvfrom|makefile|iter_content)\b/.test(q) && NETWORK_CALL.test(q.replace(/\(\)\.\w+(?:\(\))?$/, ''))) out.push('remote');
    if (DECODE_CALL.test(q)) out.push('decoded');
    if (HOST_CALL.test(q)) out.push('host');
    if (SECRET_CALL.test(q)) out.push('secret');
    if (STEGO_CALL.test(q)) out.push('media');
    if (/^os\.(?:getenv|environ\.get|environb\.get|environ\.pop|environ\.setdefault)$/.test(q)) {
      const key = foldString(args[0], this.names);
      if (key && SECRET_ENV.test(key)) out.push('token');
      else if (key && HOST_ENV.test(key)) out.push('host');
    }
    if (/^os\.environ\.(?:copy|items|keys|values)$/.test(q)) out.push('env');
    const local = fn?.type === 'identifier' ? this.returns.get(this.names.src(fn)) : undefined;
    if (local) out.push(...local);
    // A read of a secret store, whatever reads it (open, sqlite3.connect, shutil.copy, glob, listdir).
    for (const a of args.slice(0, 3)) {
      const path = this.path(a);
      if (!path) continue;
      if (SECRET_PATHS.some(([, re]) => re.test(path))) out.push('secret');
      else if (OPEN_CALL.test(q) || q === 'pathlib.Path') out.push(MEDIA_PATH.test(path) ? 'media' : 'file');
    }
    if (OPEN_CALL.test(q) && out.length === 0) out.push('file');
    return out;
  }

  /** os.environ as a whole (env), or one variable of it (token, host). */
  private environSource(n: PyNode): Taint | undefined {
    if (n.type === 'subscript' && this.names.qualified(n.fields.value!) === 'os.environ') {
      const key = foldString(n.fields.subscript, this.names);
      return key && SECRET_ENV.test(key) ? 'token' : key && HOST_ENV.test(key) ? 'host' : undefined;
    }
    if (n.type !== 'attribute' || this.names.qualified(n) !== 'os.environ') return undefined;
    const p = this.parent.get(n);
    if (p?.type === 'subscript' && p.fields.value === n) return undefined;
    if (p?.type === 'attribute') return undefined;
    if (p?.type === 'comparison_operator') return undefined;
    // env=os.environ: the environment a child process or callee runs with, not data handed on.
    if (p?.type === 'keyword_argument' && /^(?:env|environ)$/.test(this.names.src(p.fields.name!))) return undefined;
    return 'env';
  }

  /** A path as far as it folds: unknown parts become `*`, home and environment folders their names. */
  private readonly paths = new Map<PyNode, string | null>();

  path(n: PyNode | undefined, depth = 0): string | undefined {
    if (!n || depth > 12) return undefined;
    const cached = this.paths.get(n);
    if (cached !== undefined) return cached ?? undefined;
    this.paths.set(n, null);
    const p = this.pathInner(n, depth);
    this.paths.set(n, p !== undefined && p.length <= MAX_PATH_CHARS ? p : null);
    return p !== undefined && p.length <= MAX_PATH_CHARS ? p : undefined;
  }

  private pathInner(n: PyNode, depth: number): string | undefined {
    const s = foldString(n, this.names);
    if (s !== undefined) return s;
    const part = (x: PyNode | undefined) => this.path(x, depth + 1) ?? '*';
    if (n.type === 'identifier') {
      const c = this.names.constant(n.text ?? '');
      return c ? this.path(c, depth + 1) : undefined;
    }
    if (n.type === 'binary_operator' && (n.fields.operator?.text === '+' || n.fields.operator?.text === '/')) {
      const [l, r] = [this.path(n.fields.left, depth + 1), this.path(n.fields.right, depth + 1)];
      if (l === undefined && r === undefined) return undefined;
      return `${l ?? '*'}${n.fields.operator.text === '/' ? '/' : ''}${r ?? '*'}`;
    }
    if (n.type === 'string') return n.children.map((c) => (c.type === 'interpolation' ? part(c.children[0]) : c.type === 'string_content' ? c.text ?? '' : '')).join('');
    if (n.type === 'subscript' && this.names.qualified(n.fields.value!) === 'os.environ') return `%${foldString(n.fields.subscript, this.names) ?? '*'}%`;
    if (n.type !== 'call' || !n.fields.function) return undefined;
    const q = this.names.qualified(n.fields.function);
    const args = callArguments(n).filter((a) => a.type !== 'keyword_argument');
    if (q === 'os.path.join' || q?.endsWith('.joinpath')) {
      const base = q === 'os.path.join' ? [] : [this.path((n.fields.function as PyNode).fields.object, depth + 1) ?? '*'];
      return [...base, ...args.map(part)].join('/');
    }
    if (q === 'pathlib.Path.home' || q === 'os.path.expanduser' && foldString(args[0], this.names) === '~') return '~';
    if (q && /^(?:os\.path\.(?:expanduser|expandvars|abspath|normpath|realpath)|pathlib\.Path|builtins\.str)$/.test(q)) return args[0] ? this.path(args[0], depth + 1) : undefined;
    if (q && /^os\.(?:getenv|environ\.get)$/.test(q)) return `%${foldString(args[0], this.names) ?? '*'}%`;
    if (q === 'tempfile.gettempdir' || q === 'tempfile.mkdtemp') return '%TMP%';
    return undefined;
  }

  private kwarg(n: PyNode, name: string): PyNode | undefined {
    for (const a of callArguments(n)) if (a.type === 'keyword_argument' && a.fields.name && this.names.src(a.fields.name) === name) return a.fields.value;
    return undefined;
  }

  private call(n: PyNode): void {
    const fn = n.fields.function;
    if (!fn) return;
    const r = this.names.resolve(fn);
    if (!r) return;
    const q = r.name;
    const all = callArguments(n);
    const args = all.filter((a) => a.type !== 'keyword_argument');
    const at = n.start;
    const command = setupCommandOverride(n, q, this.names);
    if (command) this.signal('install-command', at, `${q}(cmdclass={'${command}': ...})`);
    const isNet = NETWORK_CALL.test(q);
    const isExec = Object.hasOwn(EXEC_CALLS, q);
    const isEval = EVAL_CALLS.has(q);
    if (r.hidden && (isNet || isExec || isEval)) this.signal('hidden-exec', at, q);
    else if (r.hidden && SENSITIVE_MODULE.test(q)) this.signal('hidden-api', at, q);
    if (isNet || DNS_CALL.test(q)) {
      this.signal(isNet ? 'network' : 'dns', at, q);
      this.flows(all, at, q);
    }
    if (isNet) {
      const url = args.map((a) => foldString(a, this.names)).find((u) => u !== undefined && EXECUTABLE_URL.test(u));
      if (url) this.signal('download-binary', at, url);
    }
    if (CAPTURE_CALL.test(q)) this.signal('capture', at, q);
    if (SOCKET_CALL.test(q)) this.signal('socket', at, q);
    if (q === 'os.chmod' && args[1] && /S_IX|S_IEXEC|\b0o?[0-7]*[1357][0-7]{0,2}\b|\b(?:7[0-7]{2}|[0-7]7[0-7]|[0-7]{2}7|493|511)\b/.test(this.names.src(args[1]))) {
      const target = this.path(args[0]) ?? '';
      this.execSites.push({ at, detail: `os.chmod +x ${target}`, args: this.names.src(args[0]!), program: target.slice(target.lastIndexOf('/') + 1), first: this.names.src(args[0]!) });
    }
    // Code written to a file is code that is meant to run: analysed as if evaluated here.
    if (/\.write$/.test(q) && args[0] && this.reparse && this.nested < MAX_NESTED) {
      const code = foldString(args[0], this.names);
      if (code && /\bimport\s+\w|\bexec\s*\(|\beval\s*\(/.test(code)) {
        const tree = this.reparse(code);
        if (tree) for (const x of analysePython(tree, code, this.reparse, this.nested + 1)) this.signal(x.kind, at, `in the code written to a file: ${x.detail}`);
      }
    }
    if (q === 'os.dup2') this.signal('dup2', at, q);
    if (isExec) this.exec(n, q, args);
    if (isEval) this.evalSink(n, args[0], q);
    if (SECRET_CALL.test(q)) this.signal('secret-read', at, q);
    if (SERIALISE.test(q) && args.some((a) => this.names.qualified(a) === 'os.environ' || a.type === 'call' && /^os\.environ\.(?:copy|items)\(\)$/.test(this.names.qualified(a) ?? ''))) this.signal('env-dump', at, q);
    for (const a of args.slice(0, 3)) {
      const path = this.path(a);
      const kind = path ? SECRET_PATHS.find(([, re]) => re.test(path))?.[0] : undefined;
      if (kind) this.signal('secret-read', a.start, `${kind}: ${path}`);
    }
    this.writes(n, q, args);
    if (/^_?winreg\./.test(q)) {
      const key = args.map((a) => this.path(a) ?? '').find((p) => AUTOSTART.test(p));
      if (key) this.signal('persistence', at, `${q} ${key}`);
    }
  }

  private flows(args: PyNode[], at: number, q: string): void {
    const ts = this.taintOfAll(args);
    if (ts.has('secret')) this.signal('flow-secret', at, q);
    if (ts.has('env')) this.signal('flow-env', at, q);
    if (ts.has('token')) this.signal('flow-token', at, q);
    if (ts.has('host')) this.signal('flow-host', at, q);
  }

  private command(n: PyNode | undefined): string | undefined {
    if (!n) return undefined;
    if (n.type === 'list' || n.type === 'tuple') return n.children.map((c) => this.path(c) ?? '*').join(' ');
    return this.path(n) ?? (n.type === 'call' && n.fields.function?.type === 'attribute' && this.names.src(n.fields.function.fields.attribute!) === 'format' ? this.path(n.fields.function.fields.object) : undefined);
  }

  private exec(n: PyNode, q: string, args: PyNode[]): void {
    const cmd = q.startsWith('os.exec') || q.startsWith('os.spawn') ? args.slice(q.startsWith('os.spawn') ? 1 : 0).map((a) => this.command(a) ?? '*').join(' ') : this.command(args[0]);
    const at = n.start;
    this.signal('exec', at, `${q}${cmd ? `: ${cmd}` : ''}`);
    const program = (cmd ?? '').trim().split(/\s+/)[0] ?? '';
    const firstArg = args[0]?.type === 'list' || args[0]?.type === 'tuple' ? args[0].children[0] : args[0];
    this.execSites.push({ at, detail: `${q}${cmd ? `: ${cmd}` : ''}`, args: this.names.src(n.fields.arguments ?? n), program: program.slice(Math.max(program.lastIndexOf('/'), program.lastIndexOf('\\')) + 1), first: firstArg ? this.names.src(firstArg) : '' });
    if (cmd && (SUSPICIOUS_PROGRAM.test(program) || /^reg(?:\.exe)?\s+add\b/i.test(cmd.trim()))) this.signal('exec-suspicious', at, cmd);
    const shellKw = this.kwarg(n, 'shell');
    const shell = EXEC_CALLS[q]!.shell || (shellKw !== undefined && this.names.src(shellKw) !== 'False');
    if (cmd) {
      const program = cmd.trim();
      if (q === 'pty.spawn' || /^(?:\/bin\/|\/usr\/bin\/)?(?:ba|z|da|k)?sh(?:\s+-i)?$|^cmd(?:\.exe)?$|^(?:powershell|pwsh)(?:\.exe)?$|\bsh\s+-i\b|bash\s+-i\s*>&\s*\/dev\/tcp\//i.test(program)) this.signal('exec-shell', at, cmd);
      for (const [kind, re] of STRING_SIGNALS) if (re.test(cmd)) this.signal(`exec:${kind}`, at, cmd);
      if (/\b(?:curl|wget|Invoke-WebRequest|iwr|certutil\s+-urlcache|bitsadmin)\b/i.test(cmd) && (shell || /^(?:curl|wget)\b/.test(program))) this.signal('exec-fetch', at, cmd);
    } else if (q === 'pty.spawn') this.signal('exec-shell', at, q);
    // python -c CODE (sys.executable or a python program): the code is analysed as if evaluated here.
    const list = args[0]?.type === 'list' || args[0]?.type === 'tuple' ? args[0].children : [];
    const dashC = list.findIndex((c) => foldString(c, this.names) === '-c');
    if (dashC > 0 && /python|sys\.executable/.test(this.names.src(list[0]!))) this.evalSink(n, list[dashC + 1], 'python -c');
    // Only data that reaches the command directly (or through names assigned once): a file name from a
    // response header is not a downloaded command.
    const ts = this.directTaint(args[0]);
    if (ts.has('remote') || ts.has('decoded')) this.signal('exec-remote', at, `${q}${cmd ? `: ${cmd}` : ''}`);
    if (cmd && /\b(?:curl|wget|nslookup|dig|ping)\b/.test(cmd)) this.flows(callArguments(n), at, q);
    for (const stream of ['stdin', 'stdout', 'stderr']) {
      const v = this.kwarg(n, stream);
      if (v && /\.fileno\(\)/.test(this.names.src(v)) && /^socket\./.test(this.names.qualified(v) ?? '')) this.signal('sock-stdio', at, `${stream}=${this.names.src(v)}`);
    }
    const flags = this.kwarg(n, 'creationflags') ?? this.kwarg(n, 'startupinfo');
    const devnull = ['stdin', 'stdout', 'stderr'].every((s) => /DEVNULL|devnull/.test(this.names.src(this.kwarg(n, s) ?? n)));
    if ((flags && SILENT_FLAGS.test(this.names.src(flags))) || (devnull && q === 'subprocess.Popen') || (cmd && /^(?:nohup\s|pythonw(?:\.exe)?\b|start\s+\/b\b)/i.test(cmd.trim()))) this.signal('exec-silent', at, `${q}${cmd ? `: ${cmd}` : ''}`);
  }

  evalSink(n: PyNode, arg: PyNode | undefined, q: string): void {
    if (!arg) return;
    const at = n.start;
    const folded = fold(arg, this.names);
    const ts = this.taintOf(arg);
    if (q === 'pickle.loads' || q === 'cPickle.loads' || q === 'dill.loads') {
      if (ts.has('remote')) this.signal('eval-remote', at, q);
      return;
    }
    if (folded?.decoded || ts.has('decoded')) this.signal('eval-decoded', at, `${q}(${this.names.src(arg).slice(0, 80)})`);
    else if (ts.has('remote')) this.signal('eval-remote', at, q);
    else if (ts.has('media')) this.signal('eval-media', at, q);
    else if (ts.has('file')) this.signal('eval-file', at, q);
    if (typeof folded?.value === 'string' && this.reparse && this.nested < MAX_NESTED) {
      const code = folded.value;
      for (const [kind, re] of STRING_SIGNALS) if (re.test(code)) this.signal(`exec:${kind}`, at, code.slice(0, 160));
      const tree = this.reparse(code);
      if (tree) for (const s of analysePython(tree, code, this.reparse, this.nested + 1)) this.signal(s.kind, at, `in the evaluated code: ${s.detail}`);
    }
  }

  private writes(n: PyNode, q: string, args: PyNode[]): void {
    const at = n.start;
    let target: PyNode | undefined;
    if (OPEN_CALL.test(q)) {
      const mode = foldString(args[1] ?? this.kwarg(n, 'mode'), this.names) ?? '';
      if (/[wax+]/.test(mode)) target = args[0];
    } else if (WRITE_FIRST.test(q) && !/^pathlib\.Path$/.test(q)) target = args[0];
    else if (WRITE_SECOND.test(q)) target = args[1];
    else if (/^pathlib\.Path\(\)\.(?:write_text|write_bytes)$/.test(q)) target = n.fields.function?.fields.object?.fields.arguments?.children[0];
    if (/^urllib\.(?:request\.)?urlretrieve$/.test(q)) {
      this.signal('download-write', at, q);
      this.remember(args[1]);
    }
    if (/\.write$/.test(q) && /^(?:builtins\.open|io\.open|pathlib\.Path)\(\)\.write$/.test(q) || /\.write_bytes$/.test(q)) {
      if (this.taintOfAll(args).has('remote')) {
        this.signal('download-write', at, q);
        const obj = n.fields.function?.fields.object;
        this.remember(obj?.type === 'call' ? obj.fields.arguments?.children[0] : obj);
      }
    }
    if (!target) return;
    const path = this.path(target);
    if (!path) return;
    if (AUTOSTART.test(path)) this.signal('persistence', at, `${q} ${path}`);
    else if (/^(?:\/(?!tmp\/|dev\/null|var\/tmp\/)|~|%(?!TMP%)[\w*]+%|[A-Za-z]:[\\/])/.test(path) && !/^\*/.test(path)) this.signal('write-outside', at, `${q} ${path}`);
  }

  private remember(n: PyNode | undefined, depth = 0): void {
    if (!n || depth > 3) return;
    if (n.type === 'identifier') {
      this.written.names.push(this.names.src(n));
      // `with open(path, 'wb') as f: f.write(data)`: the file written is open()'s first argument.
      const value = this.names.constant(this.names.src(n));
      if (value?.type === 'call' && OPEN_CALL.test(this.names.qualified(value.fields.function!) ?? '')) this.remember(value.fields.arguments?.children[0], depth + 1);
    }
    const p = this.path(n);
    if (p) this.written.paths.push(p.slice(p.lastIndexOf('/') + 1));
  }

  private literal(n: PyNode): void {
    if (this.parent.get(n)?.type === 'expression_statement') return;
    const s = foldString(n, this.names);
    if (!s || s.length > 8192) return;
    const ip = publicIpUrl(s);
    if (ip) this.signal('public-ip', n.start, ip);
    if (WEBHOOK.test(s)) this.signal('webhook', n.start, s);
    const link = shadyLink(s);
    if (link) this.signal(isShortener(link) ? 'shortened-link' : 'shady-link', n.start, link);
    for (const [kind, re] of STRING_SIGNALS) if (re.test(s)) this.signal(`string:${kind}`, n.start, s);
  }

  private environ(n: PyNode): void {
    if (this.environSource(n) !== 'env') return;
    const p = this.parent.get(n);
    // os.environ formatted into a string (serialisation calls are in call()); handed to a function, it is read.
    if (p?.type === 'interpolation') this.signal('env-dump', n.start, this.names.src(p).slice(0, 80));
  }

  /** A download written to disk in a file that runs programs: the download-and-execute pattern. */
  private downloadExec(): void {
    const downloads = this.signals.filter((s) => s.kind === 'download-write');
    if (downloads.length === 0) return;
    for (const s of this.execSites) {
      // The downloaded file is the program run (or made executable), or the argument of a launcher.
      const launcher = /^(?:start|sh|bash|cmd|python\w*(?:\.exe)?|pythonw|powershell|pwsh|wine|msiexec|rundll32|chmod)$/i.test(s.program);
      const same = this.written.names.some((w) => s.first === w || launcher && new RegExp(`\\b${w.replace(/\W/g, '')}\\b`).test(s.args))
        || this.written.paths.some((p) => p !== '' && p !== '*' && (s.program === p || launcher && (s.args.includes(p) || s.detail.includes(p))));
      this.signal(same ? 'download-exec' : 'download-then-exec', s.at, s.detail);
    }
  }
}

/** Names assigned by a target: `a`, `a, b`, `(a, [b, c])`; with `deep`, `d['k']` and `o.attr` assign to d and o. */
function targets(n: PyNode | undefined, deep = false): PyNode[] {
  if (!n) return [];
  if (n.type === 'identifier') return [n];
  if (n.type === 'pattern_list' || n.type === 'tuple_pattern' || n.type === 'list_pattern' || n.type === 'tuple' || n.type === 'list' || n.type === 'as_pattern_target') return n.children.flatMap((c) => targets(c, deep));
  if (deep && (n.type === 'subscript' || n.type === 'attribute')) return targets(n.fields.value ?? n.fields.object, deep);
  return [];
}

export { descendants };
