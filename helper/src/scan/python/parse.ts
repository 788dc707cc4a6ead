import type { Language, ParseOptions, Parser as TSParser } from 'web-tree-sitter';

/**
 * A Python syntax tree as plain data, copied once out of tree-sitter (whose nodes live in WebAssembly memory
 * and cost a boundary crossing per property read). Offsets are character offsets into the file's text.
 */
export interface PyNode {
  type: string;
  start: number;
  end: number;
  /** Named children, in order. */
  children: PyNode[];
  /** Children by grammar field name (`function`, `arguments`, `left`, `operator`...); anonymous ones included. */
  fields: Record<string, PyNode>;
  /** Set for leaves and anonymous tokens: their source text. */
  text?: string;
}

export type ParseResult = { root: PyNode; hasError: boolean } | { error: string };

/** Deepest nesting copied; deeper subtrees are cut off (a file of 100,000 nested brackets). */
const MAX_DEPTH = 400;
/** Parse time per file, in microseconds: tree-sitter stops and the file counts as unparsed. */
const PARSE_BUDGET_US = 10_000_000;

let ready: Promise<TSParser> | undefined;

/** Loads tree-sitter and the Python grammar once per thread. */
export function pythonParser(): Promise<TSParser> {
  ready ??= (async () => {
    const { Parser, Language } = await import('web-tree-sitter');
    // A lazy import: in the single-file bundle this chunk carries both WebAssembly files inline.
    const { grammarFiles } = await import('./grammar.js');
    const { runtime, python } = await grammarFiles();
    await Parser.init({ wasmBinary: runtime });
    const language: Language = await Language.load(python);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return ready;
}

/**
 * Parses Python 3 (and what tree-sitter accepts of Python 2: print statements, exec statements). Syntax errors
 * do not fail the parse: tree-sitter recovers and the rest of the file is still read.
 */
export function parsePython(parser: TSParser, text: string): ParseResult {
  const started = performance.now();
  // The callback's declared type returns void, yet a true return cancels the parse (its documentation).
  const options = { progressCallback: () => (performance.now() - started) * 1000 > PARSE_BUDGET_US } as unknown as ParseOptions;
  const tree = parser.parse(text, null, options);
  if (!tree) return { error: 'parse stopped: over the time budget' };
  try {
    return { root: copyTree(tree.walk()), hasError: tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}

function copyTree(cursor: ReturnType<import('web-tree-sitter').Tree['walk']>): PyNode {
  const make = (): PyNode => {
    const node: PyNode = { type: cursor.nodeType, start: cursor.startIndex, end: cursor.endIndex, children: [], fields: {} };
    return node;
  };
  const root = make();
  const stack: PyNode[] = [root];
  try {
    if (!cursor.gotoFirstChild()) return root;
    for (;;) {
      const parent = stack[stack.length - 1]!;
      const node = make();
      const field = cursor.currentFieldName;
      if (field) parent.fields[field] = node;
      if (cursor.nodeIsNamed) parent.children.push(node);
      // string_content holds its escape sequences as children: its text is kept whole all the same.
      if (!cursor.nodeIsNamed || isLeafType(node.type)) node.text = cursor.nodeText;
      const leaf = stack.length >= MAX_DEPTH || !cursor.gotoFirstChild();
      if (!leaf) {
        stack.push(node);
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || stack.length <= 1) return root;
        stack.pop();
      }
    }
  } finally {
    cursor.delete();
  }
}

function isLeafType(type: string): boolean {
  return type === 'identifier' || type === 'integer' || type === 'string_content' || type === 'escape_sequence' || type === 'string_start' || type === 'true' || type === 'false' || type === 'none' || type === 'float';
}

/** Every node under `root`, parents before children. */
export function* descendants(root: PyNode): Generator<PyNode> {
  const stack: PyNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** A call's arguments, keyword ones included; `f(x for x in y)` has its generator as its one argument. */
export function callArguments(call: PyNode): PyNode[] {
  const a = call.fields.arguments;
  if (!a) return [];
  return a.type === 'generator_expression' ? [a] : a.children;
}
