import { stringMaySignal, WALLET_REGEX } from './indicators.js';
import { pushChildren, type Node } from './parse.js';
import { callRoot, valueRoot } from './roots.js';
import { plainTemplateText } from './template.js';

/** Objects whose computed members hide a global, and `process` (whose `env` is a source). */
const MEMBER_OBJECTS = new Set(['global', 'globalThis', 'window', 'self', 'process']);

/**
 * What the analysis reads of a file's tree, gathered in one walk: the few node kinds each pass looks at, in
 * source order, instead of every node (identifiers, statements and blocks are most of a tree and no pass
 * needs them listed).
 */
export interface Tree {
  /** Declarators, plain assignments to a name and imports: what binds module references and constants. */
  binders: Node[];
  /**
   * For each binder, the root of the value it binds (roots.ts: valueRoot; null: none, or nothing bound), or
   * undefined (an import, or a value resolve() follows more than one way).
   */
  binderRoots: (string | null | undefined)[];
  /** Declarators, assignments, calls and named functions: what taints flow through. */
  flow: Node[];
  /** The innermost function around each `flow` node (undefined: file scope). */
  flowFns: (Node | undefined)[];
  /** Where each `flow` node that is a call, or a declarator's initialiser that is one, sits in `acts` (-1: none). */
  flowActs: number[];
  /**
   * Nodes the signal pass grades (calls, member reads of globals, assignments, strings and regular expressions that
   * may signal, templates, arrays, loops, XOR).
   */
  acts: Node[];
  actParents: (Node | undefined)[];
  /** For each act that is a call or `new`, its callee's root (roots.ts: callRoot); undefined for the others. */
  actRoots: (string | null | undefined)[];
  /** The innermost function around each function (undefined: file scope). */
  outer: Outer;
  /** Per name, the functions that declare it (var, let, const, parameter, function name; undefined: file). */
  declared: Declarations;
  /** Names written more than once (or by `+=`, `++`): they hold no constant. */
  mutable: Set<string>;
}

export function isFunction(n: Node | undefined | null): n is Node {
  return n !== undefined && n !== null && (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' || n.type === 'FunctionDeclaration');
}

/**
 * Which functions declare each name. Only a taint asks (most files have none), so declarations are noted as
 * pairs and indexed on the first question.
 */
export class Declarations {
  private names: string[] = [];
  private fns: (Node | undefined)[] = [];
  private index: Map<string, Set<Node | undefined>> | undefined;

  add(fn: Node | undefined, name: unknown): void {
    if (typeof name !== 'string') return;
    if (this.index) addTo(this.index, fn, name);
    else {
      this.names.push(name);
      this.fns.push(fn);
    }
  }

  get(name: string): Set<Node | undefined> | undefined {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.names.length; i++) addTo(this.index, this.fns[i], this.names[i]!);
      this.names = [];
      this.fns = [];
    }
    return this.index.get(name);
  }
}

/**
 * The innermost function around each function. Only a taint asks (most files have none), so pairs are noted
 * and indexed on the first question.
 */
export class Outer {
  private fns: Node[] = [];
  private outers: (Node | undefined)[] = [];
  private index: Map<Node, Node | undefined> | undefined;

  add(fn: Node, outer: Node | undefined): void {
    if (this.index) {
      this.index.set(fn, outer);
      return;
    }
    this.fns.push(fn);
    this.outers.push(outer);
  }

  get(fn: Node): Node | undefined {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.fns.length; i++) this.index.set(this.fns[i]!, this.outers[i]);
      this.fns = [];
      this.outers = [];
    }
    return this.index.get(fn);
  }
}

function addTo(index: Map<string, Set<Node | undefined>>, fn: Node | undefined, name: string): void {
  let set = index.get(name);
  if (!set) index.set(name, (set = new Set()));
  set.add(fn);
}

/**
 * Walks the tree once, depth-first in source order. Recursive, which spares a stack of frames per node; a tree
 * nested past the call stack (minified code can be) is walked again without recursion, to the same result.
 */
export function gatherTree(program: Node): Tree {
  const g = new Gatherer();
  try {
    g.node(program, undefined, undefined);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return gatherTreeIteratively(program);
  }
  return g.tree;
}

function newTree(): Tree {
  return { binders: [], binderRoots: [], flow: [], flowFns: [], flowActs: [], acts: [], actParents: [], actRoots: [], outer: new Outer(), declared: new Declarations(), mutable: new Set() };
}

/**
 * One switch both gathers a node and visits its children (the common node types inline, in pushChildren's
 * order; the rest through gatherNode and pushChildren): reading `type` once per node instead of four times,
 * the type being read from some seventy shapes of node.
 */
class Gatherer {
  readonly tree = newTree();
  private readonly writes = new Map<string, number>();
  /** Children of the node types not inlined, pushed by pushChildren and popped in source order. */
  private readonly scratch: Node[] = [];

  node(n: Node, parent: Node | undefined, fn: Node | undefined): void {
    const tree = this.tree;
    switch (n.type) {
      // A third of most trees: no children, nothing to gather.
      case 'Identifier':
      case 'ThisExpression':
      case 'TemplateElement':
        return;
      case 'MemberExpression': {
        const obj = n.object as Node;
        if (obj.type === 'Identifier') {
          if (MEMBER_OBJECTS.has(obj.name as string)) act(tree, n, parent);
        } else {
          this.node(obj, n, fn);
        }
        // `a.b`: the key is a name (or `#b`), nothing to gather
        if (n.computed) this.node(n.property as Node, n, fn);
        return;
      }
      case 'Literal':
        if (literalMaySignal(n)) act(tree, n, parent);
        return;
      case 'CallExpression':
        flow(tree, n, fn, tree.acts.length);
        act(tree, n, parent, callRoot(n));
        this.node(n.callee as Node, n, fn);
        this.list(n.arguments, n, fn);
        return;
      case 'NewExpression':
        act(tree, n, parent, callRoot(n));
        this.node(n.callee as Node, n, fn);
        this.list(n.arguments, n, fn);
        return;
      case 'AssignmentExpression':
        gatherAssignment(tree, this.writes, n, parent, fn);
        this.node(n.left as Node, n, fn);
        this.node(n.right as Node, n, fn);
        return;
      case 'ReturnStatement':
      case 'UnaryExpression':
      case 'AwaitExpression':
      case 'SpreadElement':
      case 'ThrowStatement':
        if (n.argument !== null && n.argument !== undefined) this.node(n.argument as Node, n, fn);
        return;
      case 'IfStatement':
      case 'ConditionalExpression':
        this.node(n.test as Node, n, fn);
        this.node(n.consequent as Node, n, fn);
        if (n.alternate !== null && n.alternate !== undefined) this.node(n.alternate as Node, n, fn);
        return;
      case 'SequenceExpression':
        this.list(n.expressions, n, fn);
        return;
      case 'TemplateLiteral': {
        const expressions = n.expressions as Node[];
        // the quasis are TemplateElements: nothing to gather
        if (expressions.length > 0) {
          act(tree, n, parent);
          this.list(expressions, n, fn);
        } else if (plainTemplateMaySignal(n)) act(tree, n, parent);
        return;
      }
      case 'Property':
        this.node(n.key as Node, n, fn);
        this.node(n.value as Node, n, fn);
        return;
      case 'ExpressionStatement':
        this.node(n.expression as Node, n, fn);
        return;
      case 'BinaryExpression':
        if (n.operator === '^' && parent?.type === 'AssignmentExpression' && (parent.left as Node).type === 'MemberExpression') act(tree, n, parent);
        this.node(n.left as Node, n, fn);
        this.node(n.right as Node, n, fn);
        return;
      case 'LogicalExpression':
        this.node(n.left as Node, n, fn);
        this.node(n.right as Node, n, fn);
        return;
      case 'BlockStatement':
        this.list(n.body, n, fn);
        return;
      case 'ObjectExpression':
        this.list(n.properties, n, fn);
        return;
      case 'VariableDeclaration':
        this.list(n.declarations, n, fn);
        return;
      case 'VariableDeclarator': {
        const id = n.id as Node;
        gatherDeclarator(tree, this.writes, n, id, fn);
        this.node(id, n, fn);
        if (n.init !== null && n.init !== undefined) this.node(n.init as Node, n, fn);
        return;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        gatherFunction(tree, n, fn);
        // the name (an Identifier) has nothing to gather
        this.list(n.params, n, n);
        this.node(n.body as Node, n, n);
        return;
      default:
        gatherNode(tree, n, parent, fn, this.writes);
        this.rest(n, fn);
        return;
    }
  }

  /** A list field: nodes, or null for an elision (`[a, , b]`). */
  private list(v: unknown, parent: Node, fn: Node | undefined): void {
    if (!Array.isArray(v)) return;
    for (let i = 0; i < v.length; i++) {
      const child = v[i] as Node | null;
      if (child !== null) this.node(child, parent, fn);
    }
  }

  /** The children of `n` as pushChildren finds them (`fn`: the function around them). */
  private rest(n: Node, fn: Node | undefined): void {
    const s = this.scratch;
    const base = s.length;
    pushChildren(n, s);
    while (s.length > base) this.node(s.pop()!, n, fn);
  }
}

/**
 * gatherTree without recursion, for trees nested past the call stack: one frame per node whose children are
 * on the stack (its children share parent and function), instead of a parent and a function pushed and
 * popped per child: a node's children lie above its siblings on the stack, so their frame lies above its
 * parent's.
 */
export function gatherTreeIteratively(program: Node): Tree {
  const tree = newTree();
  const writes = new Map<string, number>();
  const stack: Node[] = [program];
  const frameParents: (Node | undefined)[] = [undefined];
  const frameFns: (Node | undefined)[] = [undefined];
  const frameLeft: number[] = [1];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const top = frameLeft.length - 1;
    const parent = frameParents[top];
    const fn = frameFns[top];
    if (--frameLeft[top]! === 0) {
      frameLeft.pop();
      frameParents.pop();
      frameFns.pop();
    }
    if (n.type === 'Identifier') continue;
    gatherAny(tree, n, parent, fn, writes);
    const pushed = pushChildren(n, stack);
    if (pushed > 0) {
      frameParents.push(n);
      frameFns.push(isFunction(n) ? n : fn);
      frameLeft.push(pushed);
    }
  }
  return tree;
}

/** What gatherTree notes of any node (the inlined types and the rest). */
function gatherAny(tree: Tree, n: Node, parent: Node | undefined, fn: Node | undefined, writes: Map<string, number>): void {
  switch (n.type) {
    case 'MemberExpression': {
      const obj = n.object as Node;
      if (obj.type === 'Identifier' && MEMBER_OBJECTS.has(obj.name as string)) act(tree, n, parent);
      return;
    }
    case 'Literal':
      if (literalMaySignal(n)) act(tree, n, parent);
      return;
    case 'CallExpression':
      flow(tree, n, fn, tree.acts.length);
      act(tree, n, parent, callRoot(n));
      return;
    case 'BinaryExpression':
      if (n.operator === '^' && parent?.type === 'AssignmentExpression' && (parent.left as Node).type === 'MemberExpression') act(tree, n, parent);
      return;
    case 'VariableDeclarator':
      gatherDeclarator(tree, writes, n, n.id as Node, fn);
      return;
    default:
      gatherNode(tree, n, parent, fn, writes);
  }
}

function gatherDeclarator(tree: Tree, writes: Map<string, number>, n: Node, id: Node, fn: Node | undefined): void {
  tree.binders.push(n);
  const init = n.init as Node | null | undefined;
  tree.binderRoots.push(init === null || init === undefined || (id.type !== 'Identifier' && id.type !== 'ObjectPattern') ? null : valueRoot(init));
  if (id.type === 'Identifier') {
    tree.declared.add(fn, id.name);
    write(tree, writes, id.name, 1);
    // An initialiser that is a call is the next act (the name before it is no act).
    if (n.init) flow(tree, n, fn, (n.init as Node).type === 'CallExpression' ? tree.acts.length : -1);
  }
}

function gatherAssignment(t: Tree, writes: Map<string, number>, n: Node, parent: Node | undefined, fn: Node | undefined): void {
  const left = n.left as Node;
  if (left.type === 'Identifier') {
    write(t, writes, left.name, n.operator === '=' ? 1 : 2);
    if (n.operator === '=') {
      t.binders.push(n);
      t.binderRoots.push(valueRoot(n.right as Node));
    }
  }
  flow(t, n, fn);
  act(t, n, parent);
}

/** A function `n` inside `fn`: its parameters and name are declared, and a named one is a flow node. */
function gatherFunction(t: Tree, n: Node, fn: Node | undefined): void {
  t.outer.add(n, fn);
  const params = n.params as Node[];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    t.declared.add(n, p.type === 'Identifier' ? p.name : p.type === 'AssignmentPattern' ? (p.left as Node).name : undefined);
  }
  if (n.id) {
    if (n.type === 'FunctionDeclaration') t.declared.add(fn, (n.id as Node).name);
    flow(t, n, fn);
  }
}

/** Counts a write to `name` (`by` 2: a compound write, `+=` or `++`); a name written more than once is mutable. */
function write(t: Tree, writes: Map<string, number>, name: unknown, by: number): void {
  if (typeof name !== 'string') return;
  const n = (writes.get(name) ?? 0) + by;
  writes.set(name, n);
  if (n > 1) t.mutable.add(name);
}

/** The node types gatherTree does not handle inline. */
function gatherNode(t: Tree, n: Node, parent: Node | undefined, fn: Node | undefined, writes: Map<string, number>): void {
  switch (n.type) {
    case 'AssignmentExpression':
      gatherAssignment(t, writes, n, parent, fn);
      return;
    case 'UpdateExpression':
      if ((n.argument as Node).type === 'Identifier') write(t, writes, (n.argument as Node).name, 2);
      return;
    case 'ImportDeclaration':
      t.binders.push(n);
      t.binderRoots.push(undefined);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      gatherFunction(t, n, fn);
      return;
    case 'NewExpression':
      act(t, n, parent, callRoot(n));
      return;
    case 'WhileStatement':
      act(t, n, parent);
      return;
    case 'TemplateLiteral':
      if ((n.expressions as Node[]).length > 0 || plainTemplateMaySignal(n)) act(t, n, parent);
      return;
    case 'ArrayExpression':
      if ((n.elements as Node[]).length >= 5) act(t, n, parent);
      return;
    default:
      return;
  }
}

/**
 * Whether grading a literal can give a signal: a string that passes stringMaySignal, a regular expression over
 * wallet addresses. The others (most strings of any file) are not kept as acts.
 */
function literalMaySignal(n: Node): boolean {
  const v = n.value;
  if (typeof v === 'string') return stringMaySignal(v);
  const re = n.regex as { pattern: string } | undefined;
  return re !== undefined && re !== null && WALLET_REGEX.test(re.pattern);
}

/** Whether a template without substitutions (`` `http://1.2.3.4/x` ``) can signal: graded as the same string literal. */
function plainTemplateMaySignal(n: Node): boolean {
  const cooked = plainTemplateText(n);
  return cooked !== undefined && stringMaySignal(cooked);
}

function flow(t: Tree, n: Node, fn: Node | undefined, at = -1): void {
  t.flow.push(n);
  t.flowFns.push(fn);
  t.flowActs.push(at);
}

function act(t: Tree, n: Node, parent: Node | undefined, root?: string | null): void {
  t.acts.push(n);
  t.actParents.push(parent);
  t.actRoots.push(root);
}
