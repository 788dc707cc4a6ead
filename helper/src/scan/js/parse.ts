import { parse as meriyahParse } from 'meriyah';
import { parse as looseParse } from 'acorn-loose';

/**
 * An ESTree node as the analysis reads it: every parser used here gives `type`, `start` and `end` (offsets into
 * the source); everything else is read by name.
 */
export interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** Offsets only: the `range` array meriyah adds by default is one more allocation per node, never read. */
const MERIYAH_RANGES = { start: true, end: true, range: false };

export type Parsed = { program: Node; loose: boolean } | { error: string };

/**
 * Parses a file of unknown dialect (ES module or script, minified, sometimes broken). meriyah first: the fastest
 * maintained pure-JS ESTree parser on our corpus (bench: 34 MB/s against 13.5 for acorn, 12 for @babel/parser
 * with errorRecovery, 7.5 for oxc-parser once its AST reaches JavaScript), as a module then as a script; when
 * both reject the file (a syntax error, TypeScript, a newer proposal), acorn-loose, which never rejects and
 * still yields the calls around the broken part. Nothing is ever run.
 */
export function parseProgram(text: string): Parsed {
  // A shebang line is not JavaScript; blank it, keeping offsets.
  const source = text.startsWith('#!') ? text.replace(/^#![^\n]*/, (l) => ' '.repeat(l.length)) : text;
  for (const module of [true, false]) {
    try {
      return { program: meriyahParse(source, { module, next: true, webcompat: true, globalReturn: true, ranges: MERIYAH_RANGES }) as unknown as Node, loose: false };
    } catch {
      // try the next dialect
    }
  }
  try {
    return { program: looseParse(source, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true }) as unknown as Node, loose: true };
  } catch (e) {
    // Deep nesting overflows every recursive parser: the file is reported as not analysed.
    return { error: (e as Error).message.slice(0, 200) };
  }
}

/** Whether a value is an AST node. */
export function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';
}

/**
 * The keys that hold child nodes, per ESTree node type, in source order (as eslint-visitor-keys lists them, for
 * the node types meriyah and acorn-loose produce). Reading fixed keys instead of enumerating every property of
 * every node is most of what makes a walk cheap.
 */
const CHILD_KEYS: Record<string, readonly string[]> = {
  AccessorProperty: ['decorators', 'key', 'value'],
  ArrayExpression: ['elements'],
  ArrayPattern: ['elements'],
  ArrowFunctionExpression: ['params', 'body'],
  AssignmentExpression: ['left', 'right'],
  AssignmentPattern: ['left', 'right'],
  AwaitExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  BlockStatement: ['body'],
  BreakStatement: ['label'],
  CallExpression: ['callee', 'arguments'],
  CatchClause: ['param', 'body'],
  ChainExpression: ['expression'],
  ClassBody: ['body'],
  ClassDeclaration: ['decorators', 'id', 'superClass', 'body'],
  ClassExpression: ['decorators', 'id', 'superClass', 'body'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  ContinueStatement: ['label'],
  DebuggerStatement: [],
  Decorator: ['expression'],
  DoWhileStatement: ['body', 'test'],
  EmptyStatement: [],
  ExportAllDeclaration: ['exported', 'source', 'attributes'],
  ExportDefaultDeclaration: ['declaration'],
  ExportNamedDeclaration: ['declaration', 'specifiers', 'source', 'attributes'],
  ExportSpecifier: ['local', 'exported'],
  ExpressionStatement: ['expression'],
  ForInStatement: ['left', 'right', 'body'],
  ForOfStatement: ['left', 'right', 'body'],
  ForStatement: ['init', 'test', 'update', 'body'],
  FunctionDeclaration: ['id', 'params', 'body'],
  FunctionExpression: ['id', 'params', 'body'],
  Identifier: [],
  IfStatement: ['test', 'consequent', 'alternate'],
  ImportAttribute: ['key', 'value'],
  ImportDeclaration: ['specifiers', 'source', 'attributes'],
  ImportDefaultSpecifier: ['local'],
  ImportExpression: ['source', 'options'],
  ImportNamespaceSpecifier: ['local'],
  ImportSpecifier: ['imported', 'local'],
  LabeledStatement: ['label', 'body'],
  Literal: [],
  LogicalExpression: ['left', 'right'],
  MemberExpression: ['object', 'property'],
  MetaProperty: ['meta', 'property'],
  MethodDefinition: ['decorators', 'key', 'value'],
  NewExpression: ['callee', 'arguments'],
  ObjectExpression: ['properties'],
  ObjectPattern: ['properties'],
  ParenthesizedExpression: ['expression'],
  PrivateIdentifier: [],
  Program: ['body'],
  Property: ['key', 'value'],
  PropertyDefinition: ['decorators', 'key', 'value'],
  RestElement: ['argument'],
  ReturnStatement: ['argument'],
  SequenceExpression: ['expressions'],
  SpreadElement: ['argument'],
  StaticBlock: ['body'],
  Super: [],
  SwitchCase: ['test', 'consequent'],
  SwitchStatement: ['discriminant', 'cases'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  TemplateElement: [],
  TemplateLiteral: ['quasis', 'expressions'],
  ThisExpression: [],
  ThrowStatement: ['argument'],
  TryStatement: ['block', 'handler', 'finalizer'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  VariableDeclaration: ['declarations'],
  VariableDeclarator: ['id', 'init'],
  WhileStatement: ['test', 'body'],
  WithStatement: ['object', 'body'],
  YieldExpression: ['argument'],
};

/** Keys that hold no child nodes, for node types missing from CHILD_KEYS (enumerated one by one). */
const LEAF_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'name', 'raw', 'operator', 'computed', 'optional', 'kind', 'prefix', 'regex', 'bigint', 'sourceType', 'async', 'generator', 'shorthand', 'method', 'static', 'delegate', 'tail', 'cooked']);

/**
 * Pushes a node's children onto a stack last-first, so that popping yields them in source order; returns how
 * many it pushed. The common node types read their fields directly (most of a walk's cost is in finding
 * children); the rest go by CHILD_KEYS, and a type missing there (a newer proposal) has its properties
 * enumerated, so no child is ever missed.
 */
export function pushChildren(n: Node, stack: Node[]): number {
  const before = stack.length;
  switch (n.type) {
    case 'Identifier':
    case 'Literal':
    case 'ThisExpression':
    case 'TemplateElement':
    case 'Super':
    case 'EmptyStatement':
      return 0;
    case 'MemberExpression':
      stack.push(n.property as Node, n.object as Node);
      return 2;
    case 'CallExpression':
    case 'NewExpression':
      pushArray(n.arguments, stack);
      stack.push(n.callee as Node);
      return stack.length - before;
    case 'ExpressionStatement':
    case 'ChainExpression':
    case 'ParenthesizedExpression':
      stack.push(n.expression as Node);
      return 1;
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression':
    case 'AssignmentPattern':
      stack.push(n.right as Node, n.left as Node);
      return 2;
    case 'BlockStatement':
    case 'Program':
    case 'ClassBody':
    case 'StaticBlock':
      pushArray(n.body, stack);
      return stack.length - before;
    case 'Property':
      stack.push(n.value as Node, n.key as Node);
      return 2;
    case 'ObjectExpression':
    case 'ObjectPattern':
      pushArray(n.properties, stack);
      return stack.length - before;
    case 'ArrayExpression':
    case 'ArrayPattern':
      pushArray(n.elements, stack);
      return stack.length - before;
    case 'VariableDeclaration':
      pushArray(n.declarations, stack);
      return stack.length - before;
    case 'VariableDeclarator':
      pushOne(n.init, stack);
      stack.push(n.id as Node);
      return stack.length - before;
    case 'ReturnStatement':
    case 'UnaryExpression':
    case 'UpdateExpression':
    case 'SpreadElement':
    case 'RestElement':
    case 'AwaitExpression':
    case 'ThrowStatement':
    case 'YieldExpression':
      pushOne(n.argument, stack);
      return stack.length - before;
    case 'IfStatement':
    case 'ConditionalExpression':
      pushOne(n.alternate, stack);
      stack.push(n.consequent as Node, n.test as Node);
      return stack.length - before;
    case 'FunctionExpression':
    case 'FunctionDeclaration':
    case 'ArrowFunctionExpression':
      stack.push(n.body as Node);
      pushArray(n.params, stack);
      pushOne(n.id, stack);
      return stack.length - before;
    case 'SequenceExpression':
      pushArray(n.expressions, stack);
      return stack.length - before;
    default:
      break;
  }
  const keys = CHILD_KEYS[n.type];
  if (keys === undefined) {
    const found: unknown[] = [];
    for (const key in n) if (!LEAF_KEYS.has(key)) found.push(n[key]);
    for (let i = found.length - 1; i >= 0; i--) pushValue(found[i], stack);
  } else {
    for (let i = keys.length - 1; i >= 0; i--) pushValue(n[keys[i]!], stack);
  }
  return stack.length - before;
}

/** A child field that may be empty (null or undefined); returns how many it pushed (0 or 1). */
export function pushOne(v: unknown, stack: Node[]): number {
  if (v === null || v === undefined) return 0;
  stack.push(v as Node);
  return 1;
}

/** A list field of an ESTree node: nodes, or null for an elision (`[a, , b]`); last-first. Returns how many it pushed. */
export function pushArray(v: unknown, stack: Node[]): number {
  if (!Array.isArray(v)) return 0;
  const list = v as (Node | null)[];
  let pushed = 0;
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i];
    if (item !== null) {
      stack.push(item!);
      pushed++;
    }
  }
  return pushed;
}

/** A field of unknown shape (a node type outside the switch): only what is a node. */
function pushValue(v: unknown, stack: Node[]): void {
  if (Array.isArray(v)) {
    for (let i = v.length - 1; i >= 0; i--) if (isNode(v[i])) stack.push(v[i] as Node);
  } else if (isNode(v)) {
    stack.push(v);
  }
}

/**
 * Visits every node once, depth-first in source order, without recursion (minified code nests deeply). A
 * visitor that returns false skips the node's children.
 */
export function walk(root: Node, visit: (node: Node, parent: Node | undefined) => void | false): void {
  const stack: Node[] = [root];
  const parents: (Node | undefined)[] = [undefined];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const parent = parents.pop();
    // false: do not look inside this node
    if (visit(node, parent) === false) continue;
    for (let i = pushChildren(node, stack); i > 0; i--) parents.push(node);
  }
}
