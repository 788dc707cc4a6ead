import type { Node } from './parse.js';
import { plainTemplateText } from './template.js';

/**
 * Names from which resolve() (bindings.ts) reaches a module or a global without a binding of the file's own (a
 * global object, eval, Function, process, require, module, Reflect, Object), and names visitCall tests a callee
 * against directly (network globals, timers).
 */
export const ROOT_NAMES: ReadonlySet<string> = new Set([
  'global', 'globalThis', 'window', 'self', 'eval', 'Function', 'process', 'require', '__non_webpack_require__', 'module', 'Reflect', 'Object',
  'fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource', 'setTimeout', 'setInterval',
]);

/** Member names visitCall tests a callee against by name: a native load, a request object's send. */
const CALLEE_MEMBERS = new Set(['dlopen', 'write', 'end', 'send']);

/** Longest callee chain followed to its root; a longer one is always graded. */
const MAX_CHAIN = 32;

/**
 * What decides, before any binding is known, whether grading a call or `new` can find anything: the name its
 * callee hangs from (`a` in `a.b.c(...)`, `a.b().c(...)`, `a.b.call(...)`), or null when it hangs from no name
 * (`this.f()`, `(function(){})()`), or undefined when grading must look at the call itself: a root resolve()
 * follows two ways (`a || b`, `import()`), a computed or tested member name (`a[k]()`, `x.dlopen()`,
 * `req.end(data)`), Function.prototype's call or apply called on another function (`x.call.call(f, …)`), or
 * arguments that name an executable and a DLL. A call with a root name is graded only when
 * that name is bound to a module reference or is one of ROOT_NAMES: otherwise its callee resolves to nothing
 * (resolve() returns undefined at an unbound name, and at every node type it does not follow), and no test of
 * visitCall, mayReceiveTaint or propagate passes on such a call.
 */
export function callRoot(call: Node): string | null | undefined {
  const args = call.arguments as (Node | null)[];
  // visitCall's DLL test: two to eight arguments, string literals with a dot
  if (args.length >= 2 && args.length <= 8) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a && ((a.type === 'Literal' && typeof a.value === 'string' && a.value.includes('.')) || (a.type === 'TemplateLiteral' && plainTemplateText(a)?.includes('.')))) return undefined;
    }
  }
  const callee = call.callee as Node;
  if (callee.type === 'MemberExpression') {
    const p = callee.property as Node;
    if (callee.computed || (p.type === 'Identifier' && CALLEE_MEMBERS.has(p.name as string))) return undefined;
    // x.call.call(f, ...) calls f (calls.ts), whatever x is
    if (p.type === 'Identifier' && p.name === 'call') {
      const obj = callee.object as Node;
      if (obj.type === 'MemberExpression' && !obj.computed && (obj.property as Node).type === 'Identifier' && ((obj.property as Node).name === 'call' || (obj.property as Node).name === 'apply')) return undefined;
    }
  }
  return valueRoot(callee);
}

/**
 * The name an expression hangs from as resolve() follows it (through members, calls, `new`, `await`, sequences):
 * resolve() gives undefined unless that name is bound to a module reference or is one of ROOT_NAMES. null: it
 * hangs from no name (resolve() gives undefined); undefined: resolve() may follow more than one way.
 */
export function valueRoot(value: Node): string | null | undefined {
  let x = value;
  for (let step = 0; step < MAX_CHAIN; step++) {
    switch (x.type) {
      case 'Identifier':
        return x.name as string;
      case 'MemberExpression':
        x = x.object as Node;
        break;
      case 'CallExpression':
      case 'NewExpression':
        x = x.callee as Node;
        break;
      case 'AwaitExpression':
        x = x.argument as Node;
        break;
      case 'ChainExpression':
      case 'ParenthesizedExpression':
        x = x.expression as Node;
        break;
      case 'SequenceExpression': {
        const exprs = x.expressions as Node[];
        x = exprs[exprs.length - 1]!;
        break;
      }
      case 'LogicalExpression':
      case 'ImportExpression':
        return undefined;
      default:
        // resolve() returns undefined for every other node type
        return null;
    }
  }
  return undefined;
}
