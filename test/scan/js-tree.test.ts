import { describe, expect, it } from 'vitest';
import { parseProgram, type Node } from '../../helper/src/scan/js/parse.js';
import { gatherTree, gatherTreeIteratively, type Tree } from '../../helper/src/scan/js/tree.js';

/** The parts of a gathered tree the passes read, with nodes named by type and offset. */
function shape(t: Tree): Record<string, unknown> {
  const name = (n: Node | undefined) => (n ? `${n.type}@${n.start}` : '-');
  return {
    binders: t.binders.map(name),
    binderRoots: t.binderRoots,
    flow: t.flow.map(name),
    flowFns: t.flowFns.map(name),
    flowActs: t.flowActs,
    acts: t.acts.map(name),
    actParents: t.actParents.map(name),
    actRoots: t.actRoots,
    mutable: [...t.mutable].sort(),
  };
}

const SOURCE = `#!/usr/bin/env node
import { get } from 'https';
const cp = require('child_process'), os = require('os');
let n = 0; n += 1; n++;
const key = 'sp' + 'awn', data = [1, 2, 3, 4, 5, 6];
function send(host, { path = '/x' } = {}) { return get({ host, path, headers: { env: JSON.stringify(process.env) } }); }
const f = async (a, b = 2, ...rest) => { while (!![]) { rest.push(rest.shift()); break; } return a ^ b; };
class C extends Object { #p = 1; static s = 2; m() { return this.#p; } get g() { return \`\${os.hostname()}-\${key}\`; } }
for (const x of data) { if (x > 2) cp[key]('ls', [String(x)]); else globalThis['ev' + 'al'](x); }
label: for (let i = 0; i < 3; i++) { try { continue label; } catch { throw new Error('e'); } finally { n--; } }
const req = send(os.hostname()); req.end(data[0] = data[0] ^ key.charCodeAt(0 % 2), () => f(1)?.then?.(() => {}));
switch (n) { case 1: n = 2; }
export default function named() {}
`;

describe('gatherTree', () => {
  it('gathers what the walk without recursion gathers, in the same order', () => {
    const parsed = parseProgram(SOURCE);
    if ('error' in parsed) throw new Error(parsed.error);
    const recursive = shape(gatherTree(parsed.program));
    expect(recursive).toEqual(shape(gatherTreeIteratively(parsed.program)));
    // the walk found the kinds of node each pass reads
    expect((recursive.acts as string[]).length).toBeGreaterThan(20);
    expect(recursive.mutable).toEqual(['i', 'n']);
    expect(parsed.loose).toBe(false);
  });

  it('walks a tree nested past the call stack, to the same result', () => {
    // A tree no parser here would build from text (they recurse too), made by hand: 200,000 nested arrays with a
    // call at the bottom.
    let node: Node = { type: 'CallExpression', start: 0, end: 3, callee: { type: 'Identifier', start: 0, end: 1, name: 'f' }, arguments: [] };
    for (let i = 0; i < 200_000; i++) node = { type: 'ArrayExpression', start: 0, end: 3, elements: [node] };
    const program: Node = { type: 'Program', start: 0, end: 3, body: [{ type: 'ExpressionStatement', start: 0, end: 3, expression: node }] };
    const tree = gatherTree(program);
    expect(tree.flow.map((n) => n.type)).toEqual(['CallExpression']);
    expect(shape(tree)).toEqual(shape(gatherTreeIteratively(program)));
  });
});
