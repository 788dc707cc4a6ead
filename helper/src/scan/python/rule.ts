import type { Parser } from 'web-tree-sitter';
import { severityRank, type Finding, type Severity } from '../types.js';
import { evidence, lineAt } from '../files.js';
import { inContext, type ExecutionContext } from '../context.js';
import { withBudget, spend } from '../budget.js';
import { checkpoint } from '../checkpoint.js';
import { describe, MAX_PARSE_CHARS, notAnalysed, overBudget } from '../rules/code.js';
import { analysePython, type Signal } from './analyse.js';
import { parsePython } from './parse.js';
import type { PythonView } from './package.js';

/** `cap`: the most the context may raise it to (an indicator that is no proof on its own). */
type Grade = [rule: string, base: Severity, signal: Signal, message: string, cap?: Severity];

const PYTHON_FILE = /\.(?:py|pyw|pth)$/i;
/**
 * What a .pth line does beyond importing a module of its own package (setuptools' distutils shim, editable
 * installs' finders do that): evaluating code, decoding, running programs, reaching the network.
 */
const PTH_CODE = /\b(?:exec|eval|compile|base64|b64decode|zlib|marshal|subprocess|os\.system|os\.popen|urlopen|urllib|requests|socket)\b/;

/**
 * Python code analysis over every Python file of a wheel or sdist (and the import lines of `.pth` files),
 * graded by when the file runs (python/package.ts): the base severities below are for code that runs on
 * import; setup.py and `.pth` start-up code one step worse, unreached code one step milder, tests three. Rule ids
 * and messages are those of the JavaScript analysis (rules/code.ts), so policies and reports read both alike.
 */
export function pythonCode(view: PythonView, parser: Parser): Finding[] {
  const out: Finding[] = [];
  const reparse = (code: string) => {
    // Code built from strings is parsed again: its characters are work on top of the file's own (budget.ts).
    if (!spend(code.length)) return undefined;
    const r = parsePython(parser, code);
    return 'error' in r ? undefined : r.root;
  };
  for (const file of view.files.values()) {
    checkpoint();
    if (file.text === undefined || !(PYTHON_FILE.test(file.path) || /^#![^\n]*python/.test(file.text))) continue;
    const context = view.contexts.get(file.path) ?? 'other';
    if (context === 'test') continue;
    if (file.text.length > MAX_PARSE_CHARS) {
      out.push({ rule: 'code-not-analysed', severity: notAnalysed(context, 'too-large'), file: file.path, evidence: `${file.text.length} characters`, message: `file larger than ${MAX_PARSE_CHARS} characters: not parsed (${describe(context)})` });
      continue;
    }
    // site.py executes a .pth line that starts with `import` (followed by a space or tab) and ignores the rest.
    const text = file.path.endsWith('.pth') ? file.text.split('\n').map((l) => (/^import[ \t]/.test(l) ? l : '')).join('\n') : file.text;
    if (file.path.endsWith('.pth') && text.trim() === '') continue;
    const parsed = parsePython(parser, text);
    if ('error' in parsed) {
      out.push({ rule: 'code-not-analysed', severity: notAnalysed(context, 'unreadable'), file: file.path, evidence: evidence(parsed.error), message: `the Python parser could not read the file (${describe(context)})` });
      continue;
    }
    let signals: Signal[];
    try {
      const run = withBudget(text.length, () => analysePython(parsed.root, text, reparse));
      signals = run.value;
      if (run.exhausted) out.push({ rule: 'code-not-analysed', severity: notAnalysed(context, 'unreadable'), file: file.path, evidence: `${run.spent} work units`, message: `${overBudget(text.length)} (${describe(context)})` });
    } catch (e) {
      out.push({ rule: 'code-not-analysed', severity: notAnalysed(context, 'unreadable'), file: file.path, evidence: evidence((e as Error).message), message: `the code analysis failed on this file (${describe(context)})` });
      continue;
    }
    if (file.path.endsWith('.pth') && PTH_CODE.test(text)) {
      const at = PTH_CODE.exec(text)!.index;
      signals.push({ kind: 'pth-code', at, detail: evidence(text, at, 80) });
    }
    for (const [rule, base, signal, message, cap] of grade(signals)) {
      const graded = inContext(base, context);
      const severity = cap && severityRank(graded) > severityRank(cap) ? cap : graded;
      out.push({ rule, severity, file: file.path, line: lineAt(text, signal.at), evidence: evidence(text, signal.at), message: `${message} (${describeContext(context, file.path)})` });
    }
  }
  return out;
}

function describeContext(c: ExecutionContext, path: string): string {
  if (c !== 'startup') return c === 'install' ? 'runs at install (setup.py or the build backend)' : describe(c);
  // Start-up code is a .pth line, a module a .pth imports, or the sitecustomize/usercustomize site.py imports.
  const custom = /(?:^|\/)((?:site|user)customize)\.py$/.exec(path)?.[1];
  return custom ? `runs at every Python start (site.py imports ${custom})` : path.endsWith('.pth') ? 'runs at every Python start (.pth)' : 'runs at every Python start (imported by a .pth)';
}

function grade(signals: Signal[]): Grade[] {
  const first = new Map<string, Signal>();
  for (const s of signals) if (!first.has(s.kind)) first.set(s.kind, s);
  const has = (k: string) => first.get(k);
  const net = has('network') ?? has('dns') ?? has('webhook') ?? has('exec-fetch');
  const execs = has('exec');
  const out: Grade[] = [];
  const add = (rule: string, base: Severity, s: Signal, message: string, cap?: Severity) => out.push([rule, base, s, `${message}: ${s.detail}`, cap]);

  const shellHandOff = has('dup2') ?? has('sock-stdio') ?? has('exec-shell');
  if (has('socket') && shellHandOff && (has('dup2') || has('sock-stdio') || has('exec-shell'))) add('code-reverse-shell', 'critical', shellHandOff, 'a socket handed to a shell (reverse shell)');
  else if (has('exec:download-exec') === undefined && has('exec-shell') && /\/dev\/tcp\//.test(has('exec-shell')!.detail)) add('code-reverse-shell', 'critical', has('exec-shell')!, 'a shell redirected to a TCP connection (reverse shell)');

  const flow = has('flow-secret') ?? has('flow-env');
  if (flow) add('code-exfiltration', 'high', flow, 'secrets reach a network call');
  else if (has('flow-token')) add('code-exfiltration', 'medium', has('flow-token')!, 'a secret environment variable reaches a network call');
  else if (has('env-dump') && net) add('code-exfiltration', 'high', has('env-dump')!, 'the whole environment is serialised in code that makes network calls');
  else if (has('secret-read') && (has('webhook') ?? has('flow-host'))) add('code-exfiltration', 'high', has('secret-read')!, 'reads secrets in code that posts to a webhook');
  else if (has('secret-read') && net) add('code-exfiltration', 'medium', has('secret-read')!, 'reads secrets in code that makes network calls');
  else if (has('env-dump')) add('code-exfiltration', 'medium', has('env-dump')!, 'the whole environment is serialised');
  if (has('flow-host')) add('code-host-recon', 'medium', has('flow-host')!, 'host details reach a network call');

  const evalHit = has('eval-decoded') ?? has('eval-remote') ?? has('eval-media');
  if (evalHit) add('code-remote-eval', 'high', evalHit, 'code is evaluated from decoded, downloaded or media-file data');
  // setup.py files exec their own version file (`exec(open('pkg/version.py').read())`): not a finding.
  if (has('exec-remote')) add('code-remote-eval', 'high', has('exec-remote')!, 'a command is built from downloaded or decoded data');

  if (has('hidden-exec')) add('code-hidden-api', 'high', has('hidden-exec')!, 'a process, eval or network API is reached by a computed name');
  else if (has('hidden-api')) add('code-hidden-api', 'medium', has('hidden-api')!, 'a sensitive module is reached by a computed name');
  if (has('obfuscator')) add('code-obfuscation', net || execs || evalHit ? 'high' : 'medium', has('obfuscator')!, 'obfuscator output');
  if (has('pth-code')) add('code-startup-hook', evalHit || net || execs ? 'high' : 'medium', has('pth-code')!, 'a .pth file runs code at every interpreter start');

  if (has('exec-silent')) add('code-silent-exec', 'medium', has('exec-silent')!, 'starts a program with its window or output hidden');
  if (has('exec-suspicious')) add('code-suspicious-exec', 'medium', has('exec-suspicious')!, 'runs a launcher, script host or a program from a temp folder');
  const dl = has('exec:download-exec') ?? has('download-exec');
  const dlSoft = has('download-then-exec') ?? has('download-binary') ?? has('exec-fetch') ?? has('string:download-exec');
  if (dl) add('code-download-exec', 'high', dl, 'downloads a program and runs it');
  else if (dlSoft) add('code-download-exec', 'medium', dlSoft, 'downloads a program, or a file in code that runs programs');
  const exfil = has('exec:exfil-command') ?? has('string:exfil-command');
  if (exfil) add('code-host-recon', 'high', exfil, 'sends host details through a shell command');

  const preload = has('exec:ld-preload') ?? has('string:ld-preload');
  if (preload) add('code-library-hijack', 'high', preload, 'preloads a library into another program');
  const dll = has('exec:dll') ?? has('string:dll');
  if (dll) add('code-library-hijack', has('exec:dll') || dl || dlSoft ? 'high' : 'medium', dll, 'runs a DLL');
  if (has('capture')) add('code-capture', 'medium', has('capture')!, 'reads the clipboard, the screen or the keyboard');
  const ai = has('exec:ai-cli');
  if (ai) add('code-worm', 'high', ai, 'drives an AI coding CLI with safety checks off');
  if (has('exec:secret-scanner')) add('code-worm', 'high', has('exec:secret-scanner')!, 'fetches or runs a secret scanner');

  if (has('public-ip') && net) add('code-public-ip', 'medium', has('public-ip')!, 'sends to a literal public IP address');
  // GuardDog's cmd-overwrite and shady-links: common enough in honest setup.py files and messages that alone they
  // stay at medium wherever the file runs; a shortened link, in code that neither sends nor runs anything, at low.
  if (has('install-command')) add('code-install-command', 'medium', has('install-command')!, 'setup() replaces a command pip runs at install, so its code runs then', 'medium');
  const link = has('shady-link') ?? ((net || execs) && has('shortened-link'));
  if (link) add('code-shady-link', 'medium', link, 'a link of a kind a library has no use for', 'medium');
  else if (has('shortened-link')) add('code-shady-link', 'low', has('shortened-link')!, 'a link of a kind a library has no use for');
  if (has('persistence')) add('code-file-tamper', 'medium', has('persistence')!, 'writes to an autostart location (persistence)');
  else if (has('write-outside')) add('code-file-tamper', 'low', has('write-outside')!, 'writes files outside the package');
  return out;
}
