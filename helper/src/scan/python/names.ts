import { fold, foldString, type FoldScope } from './fold.js';
import { BUILTINS, MODULE_ALIASES } from './indicators.js';
import { callArguments, type PyNode } from './parse.js';

/** A name as the code reaches it: `subprocess.Popen`, `socket.socket().connect`, `builtins.exec`. */
export interface Qualified {
  name: string;
  /** Reached through a computed string (`__import__('o'+'s')`, getattr with a decoded name). */
  hidden: boolean;
}

const MAX_RESOLVE_DEPTH = 24;

/**
 * Module bindings of one file: imports (`import subprocess as s`, `from os import system as x`, star imports),
 * aliases assigned once (`x = os.system`, `m = __import__('o' + 's')`, `f = getattr(m, 'sys' + 'tem')`) and
 * constants assigned once, for folding. A name assigned more than once holds neither.
 */
export class Names implements FoldScope {
  private readonly aliases = new Map<string, PyNode>();
  private readonly imports = new Map<string, string>();
  private readonly constants = new Map<string, PyNode>();
  private readonly assigned = new Map<string, number>();
  readonly stars: string[] = [];
  readonly folds = new Map<PyNode, import('./fold.js').Folded | null>();
  private depth = 0;

  constructor(readonly text: string) {}

  countAssignment(name: string): void {
    this.assigned.set(name, (this.assigned.get(name) ?? 0) + 1);
  }

  bindImport(n: PyNode): void {
    if (n.type === 'import_statement') {
      for (const c of n.children) {
        if (c.type === 'dotted_name') this.imports.set(this.src(c).split('.')[0]!, this.src(c).split('.')[0]!);
        else if (c.type === 'aliased_import' && c.fields.alias && c.fields.name) this.imports.set(this.src(c.fields.alias), this.src(c.fields.name));
      }
      return;
    }
    // from M import a, b as c, *
    const [moduleNode, ...names] = n.children;
    if (!moduleNode) return;
    const module = moduleNode.type === 'relative_import' ? `.${this.src(moduleNode).replace(/^\.+/, '')}` : this.src(moduleNode);
    for (const c of names) {
      if (c.type === 'wildcard_import') this.stars.push(module);
      else if (c.type === 'dotted_name') this.imports.set(this.src(c), `${module}.${this.src(c)}`);
      else if (c.type === 'aliased_import' && c.fields.alias && c.fields.name) this.imports.set(this.src(c.fields.alias), `${module}.${this.src(c.fields.name)}`);
    }
  }

  /** `name = value` seen; kept as an alias or constant only if it is the name's one assignment. */
  bindAssignment(name: string, value: PyNode): void {
    if ((this.assigned.get(name) ?? 0) !== 1) return;
    if (value.type === 'identifier' || value.type === 'attribute' || value.type === 'call' || value.type === 'subscript') this.aliases.set(name, value);
    this.constants.set(name, value);
  }

  constant(name: string): PyNode | undefined {
    return this.constants.get(name);
  }

  src(n: PyNode): string {
    return this.text.slice(n.start, n.end);
  }

  /** The qualified name an expression stands for, or undefined (a literal, an unknown object's attribute...). */
  qualified(n: PyNode): string | undefined {
    return this.resolve(n)?.name;
  }

  resolve(n: PyNode | undefined): Qualified | undefined {
    if (!n || this.depth > MAX_RESOLVE_DEPTH) return undefined;
    this.depth++;
    try {
      const q = this.resolveInner(n);
      return q ? { name: normalise(q.name), hidden: q.hidden } : undefined;
    } finally {
      this.depth--;
    }
  }

  private resolveInner(n: PyNode): Qualified | undefined {
    switch (n.type) {
      case 'identifier': {
        const name = n.text ?? this.src(n);
        const imported = this.imports.get(name);
        if (imported) return { name: imported, hidden: false };
        const alias = this.aliases.get(name);
        if (alias) return this.resolve(alias);
        if ((this.assigned.get(name) ?? 0) > 0) return undefined;
        if (BUILTINS.has(name)) return { name: `builtins.${name}`, hidden: false };
        // An unbound name is a module or a star import's member (snippets and one-liners skip the import).
        for (const star of this.stars) if (/^(?:os|subprocess|socket|base64|requests|urllib\.request)$/.test(star)) return { name: `${star}.${name}`, hidden: false };
        return { name, hidden: false };
      }
      case 'attribute': {
        const base = this.resolve(n.fields.object);
        const attr = n.fields.attribute;
        return base && attr ? { name: `${base.name}.${this.src(attr)}`, hidden: base.hidden } : undefined;
      }
      case 'parenthesized_expression':
        return this.resolve(n.children[0]);
      case 'subscript': {
        // sys.modules['os'], __builtins__['exec'], globals()['__builtins__'], os.__dict__['system'], vars(m)['x']
        const base = this.resolve(n.fields.value);
        const key = fold(n.fields.subscript, this);
        if (!base || typeof key?.value !== 'string' || !/^[\w.]+$/.test(key.value)) return undefined;
        const literal = n.fields.subscript?.type === 'string';
        return this.member(base, key.value, !literal);
        return undefined;
      }
      case 'call':
        return this.resolveCall(n);
      default:
        return undefined;
    }
  }

  /**
   * A member reached through a namespace dictionary: sys.modules[..], globals()[..], vars(m)[..], m.__dict__[..].
   * Reaching a builtin or module member through its namespace dictionary is how code hides what it calls: hidden,
   * except a literal key into sys.modules.
   */
  private member(base: Qualified, key: string, computedKey: boolean): Qualified | undefined {
    if (base.name === 'sys.modules') return { name: key, hidden: base.hidden || computedKey };
    if (base.name === 'builtins.globals()' || base.name === 'builtins.locals()') {
      const name = key === '__builtins__' ? 'builtins' : BUILTINS.has(key) ? `builtins.${key}` : key;
      return { name, hidden: true };
    }
    if (base.name === 'builtins') return { name: `builtins.${key}`, hidden: true };
    if (base.name.endsWith('.__dict__')) return { name: `${base.name.slice(0, -'.__dict__'.length)}.${key}`, hidden: true };
    return undefined;
  }

  private resolveCall(n: PyNode): Qualified | undefined {
    const fn = this.resolve(n.fields.function);
    if (!fn) return undefined;
    const args = callArguments(n).filter((a) => a.type !== 'keyword_argument');
    const computed = (a: PyNode | undefined) => a !== undefined && a.type !== 'string';
    if (fn.name === 'builtins.__import__' || fn.name === 'importlib.import_module' || fn.name === 'importlib.__import__') {
      const m = foldString(args[0], this);
      return m && /^[\w.]+$/.test(m) ? { name: m, hidden: fn.hidden || computed(args[0]) } : undefined;
    }
    if (fn.name === 'builtins.getattr') {
      const base = this.resolve(args[0]);
      const attr = foldString(args[1], this);
      if (base && attr && /^\w+$/.test(attr)) return { name: `${base.name}.${attr}`, hidden: base.hidden || fn.hidden || computed(args[1]) };
      // A name decoded or built in a way the folder cannot follow (an EBCDIC codec, a call): hidden all the same.
      // (With a default, getattr(builtins, name, Exception) is a lookup that may fail: not hiding anything.)
      if (base && attr === undefined && args.length === 2 && args[1] && /^(?:call|subscript)$/.test(args[1].type)) return { name: `${base.name}.?`, hidden: true };
      return undefined;
    }
    // sys.modules.get('os'), vars(builtins).get('exec'), globals().get('eval')
    if (n.fields.function?.type === 'attribute' && this.src(n.fields.function.fields.attribute!) === 'get') {
      const base = this.resolve(n.fields.function.fields.object);
      const key = foldString(args[0], this);
      const member = base && key && /^[\w.]+$/.test(key) ? this.member(base, key, computed(args[0])) : undefined;
      if (member) return member;
    }
    if (fn.name === 'builtins.vars' && args[0]) {
      const base = this.resolve(args[0]);
      return base ? { name: `${base.name}.__dict__`, hidden: base.hidden } : undefined;
    }
    return { name: `${fn.name}()`, hidden: fn.hidden };
  }
}

function normalise(name: string): string {
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const alias = MODULE_ALIASES[head];
  let out = alias && alias !== head ? `${alias}${dot < 0 ? '' : name.slice(dot)}` : name;
  // builtins.open, __builtins__.exec, builtins.builtins: one spelling.
  out = out.replace(/^builtins\.(?:__builtins__|builtins)\b/, 'builtins');
  // bytes.fromhex, str.maketrans: class methods of builtins, spelled as Python code spells them.
  out = out.replace(/^builtins\.(bytes|bytearray|str)\./, '$1.');
  return out;
}
