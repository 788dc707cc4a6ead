import { keyName, type Bindings } from './bindings.js';
import type { Node } from './parse.js';

/**
 * How a call hands its arguments to the function it reaches: `f(a)` (direct), `f.call(t, a)`, `f.apply(t, [a])`,
 * `f.bind(t, a)(b)`, `Reflect.apply(f, t, [a])`, `Reflect.construct(f, [a])`, and Function.prototype's own
 * `call`/`apply` called on f (`F.call.call(f, t, a)`, `F.apply.call(f, t, [a])`). ECMA-262 §20.2.3.1/.3
 * (Function.prototype.apply/call), §28.1.1/.2 (Reflect.apply/construct).
 */
export type CallForm = 'direct' | 'call' | 'apply' | 'bind' | 'reflect-apply' | 'reflect-construct' | 'call-call' | 'apply-call';

/** The function a call reaches (undefined: a form whose function argument is missing) and the form it takes. */
export interface CallTarget {
  callee: Node | undefined;
  form: CallForm;
}

/**
 * What call `n` reaches, unwrapping the forms above; `b`: the file's bindings (a local `Reflect` is not the
 * global one). Allocates nothing but the answer.
 */
export function callTarget(n: Node, b: Bindings): CallTarget {
  const callee = n.callee as Node;
  const args = n.arguments as Node[];
  if (callee.type === 'MemberExpression') {
    const k = keyName(callee, b);
    if ((k === 'apply' || k === 'construct') && isGlobalReflect(callee.object as Node, b)) return { callee: args[0], form: k === 'apply' ? 'reflect-apply' : 'reflect-construct' };
    if (k === 'call' || k === 'apply') {
      const obj = callee.object as Node;
      if (k === 'call' && obj.type === 'MemberExpression') {
        const inner = keyName(obj, b);
        if (inner === 'call') return { callee: args[0], form: 'call-call' };
        if (inner === 'apply') return { callee: args[0], form: 'apply-call' };
      }
      return { callee: obj, form: k };
    }
  } else if (callee.type === 'CallExpression') {
    const inner = callee.callee as Node;
    if (inner.type === 'MemberExpression' && keyName(inner, b) === 'bind') return { callee: inner.object as Node, form: 'bind' };
  }
  return { callee, form: 'direct' };
}

/**
 * The arguments the reached function receives, as far as the text shows them: an argument list spread from an
 * array literal gives its elements, from anything else that one node (whose value is the whole list).
 */
export function targetArgs(n: Node, form: CallForm): readonly Node[] {
  const args = n.arguments as Node[];
  switch (form) {
    case 'direct': return args;
    case 'call': return args.slice(1);
    case 'apply': return spread(args[1]);
    case 'bind': return [...((n.callee as Node).arguments as Node[]).slice(1), ...args];
    case 'reflect-apply': return spread(args[2]);
    case 'reflect-construct': return spread(args[1]);
    case 'call-call': return args.slice(2);
    case 'apply-call': return spread(args[2]);
  }
}

function spread(list: Node | undefined): readonly Node[] {
  if (!list) return [];
  if (list.type !== 'ArrayExpression') return [list];
  return (list.elements as (Node | null)[]).filter((e): e is Node => e !== null && e.type !== 'SpreadElement');
}

/** `Reflect`, or `globalThis.Reflect` and the like, unless the file binds the name itself. */
function isGlobalReflect(obj: Node, b: Bindings): boolean {
  if (obj.type === 'Identifier') return obj.name === 'Reflect' && !b.refs.has('Reflect') && b.constant('Reflect') === undefined && !b.mutable.has('Reflect');
  // Most `x.y.apply(...)` are not Reflect's: resolve only a member named Reflect.
  if (obj.type !== 'MemberExpression' || keyName(obj, b) !== 'Reflect') return false;
  const ref = b.resolve(obj);
  return ref !== undefined && ref.module === '(global)' && ref.path.length === 1 && ref.path[0] === 'Reflect';
}
