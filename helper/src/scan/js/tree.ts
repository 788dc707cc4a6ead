import { pushChildren, type Node } from './parse.js';

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
  /** Declarators, assignments, calls and named functions: what taints flow through. */
  flow: Node[];
  /** The innermost function around each `flow` node (undefined: file scope). */
  flowFns: (Node | undefined)[];
  /** Nodes the signal pass grades (calls, member reads of globals, assignments, strings, arrays, loops, XOR). */
  acts: Node[];
  actParents: (Node | undefined)[];
  /** The innermost function around each function (undefined: file scope). */
  outer: Map<Node, Node | undefined>;
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

function addTo(index: Map<string, Set<Node | undefined>>, fn: Node | undefined, name: string): void {
  let set = index.get(name);
  if (!set) index.set(name, (set = new Set()));
  set.add(fn);
}

/** Walks the tree once, depth-first in source order, without recursion (minified code nests deeply). */
export function gatherTree(program: Node): Tree {
  const tree: Tree = { binders: [], flow: [], flowFns: [], acts: [], actParents: [], outer: new Map(), declared: new Declarations(), mutable: new Set() };
  const writes = new Map<string, number>();
  const write = (name: unknown, by: number) => {
    if (typeof name !== 'string') return;
    const n = (writes.get(name) ?? 0) + by;
    writes.set(name, n);
    if (n > 1) tree.mutable.add(name);
  };
  // One frame per node whose children are on the stack (its children share parent and function), instead of
  // a parent and a function pushed and popped per child: a node's children lie above its siblings on the
  // stack, so their frame lies above its parent's.
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
    // A third of most trees: no children, nothing to gather.
    if (n.type === 'Identifier') continue;
    gatherNode(tree, n, parent, fn, write);
    const pushed = pushChildren(n, stack);
    if (pushed > 0) {
      frameParents.push(n);
      frameFns.push(isFunction(n) ? n : fn);
      frameLeft.push(pushed);
    }
  }
  return tree;
}

function gatherNode(t: Tree, n: Node, parent: Node | undefined, fn: Node | undefined, write: (name: unknown, by: number) => void): void {
  switch (n.type) {
    case 'VariableDeclarator': {
      t.binders.push(n);
      const id = n.id as Node;
      if (id.type === 'Identifier') {
        t.declared.add(fn, id.name);
        write(id.name, 1);
        if (n.init) flow(t, n, fn);
      }
      return;
    }
    case 'AssignmentExpression': {
      const left = n.left as Node;
      if (left.type === 'Identifier') {
        write(left.name, n.operator === '=' ? 1 : 2);
        if (n.operator === '=') t.binders.push(n);
      }
      flow(t, n, fn);
      act(t, n, parent);
      return;
    }
    case 'UpdateExpression':
      if ((n.argument as Node).type === 'Identifier') write((n.argument as Node).name, 2);
      return;
    case 'ImportDeclaration':
      t.binders.push(n);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      t.outer.set(n, fn);
      for (const p of n.params as Node[]) t.declared.add(n, p.type === 'Identifier' ? p.name : p.type === 'AssignmentPattern' ? (p.left as Node).name : undefined);
      if (n.id && n.type === 'FunctionDeclaration') t.declared.add(fn, (n.id as Node).name);
      if (n.id) flow(t, n, fn);
      return;
    case 'CallExpression':
      flow(t, n, fn);
      act(t, n, parent);
      return;
    case 'NewExpression':
    case 'WhileStatement':
      act(t, n, parent);
      return;
    case 'MemberExpression': {
      const obj = n.object as Node;
      if (obj.type === 'Identifier' && MEMBER_OBJECTS.has(obj.name as string)) act(t, n, parent);
      return;
    }
    case 'Literal':
      if (typeof n.value === 'string' ? n.value.length >= 4 : Boolean(n.regex)) act(t, n, parent);
      return;
    case 'TemplateLiteral':
      if ((n.expressions as Node[]).length > 0) act(t, n, parent);
      return;
    case 'ArrayExpression':
      if ((n.elements as Node[]).length >= 5) act(t, n, parent);
      return;
    case 'BinaryExpression':
      if (n.operator === '^' && parent?.type === 'AssignmentExpression' && (parent.left as Node).type === 'MemberExpression') act(t, n, parent);
      return;
    default:
      return;
  }
}

function flow(t: Tree, n: Node, fn: Node | undefined): void {
  t.flow.push(n);
  t.flowFns.push(fn);
}

function act(t: Tree, n: Node, parent: Node | undefined): void {
  t.acts.push(n);
  t.actParents.push(parent);
}
