import type { Finding, Severity } from '../types.js';
import { evidence, lineAt } from '../files.js';
import { contexts, inContext, type ExecutionContext } from '../context.js';
import type { Signal } from '../js/analyse.js';
import { STRING_SIGNALS } from '../js/indicators.js';
import { analyseCode, DeepBudget, DEEP_STACK_MB, MAX_DEEP_FILES, type CodeOutcome } from '../deep.js';
import { codeFiles, JS_FILE, SHELL_FILE, type Rule } from './common.js';
import type { PackageView } from '../package.js';
import { BASE_UNITS, UNITS_PER_CHAR } from '../budget.js';

/**
 * Largest file parsed (characters). Bigger files keep the text rules only and get a low finding: an AST of a
 * 16 MiB file costs hundreds of megabytes.
 */
export const MAX_PARSE_CHARS = 4 * 1024 * 1024;

/** How a file's signals become findings: rule id, base (require-time) severity, message. */
type Grade = [rule: string, base: Severity, signal: Signal, message: string];

/**
 * Code analysis on the parsed tree (see js/analyse.ts), graded by the context the file runs in (context.ts):
 * the base severities below are for code that runs on `require`; install-time code is one step worse, bin and
 * unreached code one step milder, test code three.
 */
export const code: Rule = (pkg) => {
  const out: Finding[] = [];
  const where = contexts(pkg);
  const deep = new DeepBudget();
  for (const file of codeFiles(pkg)) {
    const context = where.get(file.path) ?? 'other';
    const choice = select(file, context);
    if (choice === 'too-large') out.push(unanalysed(file.path, context, 'too-large', `${file.text.length} characters`, `file larger than ${MAX_PARSE_CHARS} characters: only the text rules looked at it`));
    if (choice !== 'parse') continue;
    const outcome = analyseCode(file.text, deep);
    if ('error' in outcome) {
      out.push(unanalysed(file.path, context, 'unreadable', evidence(outcome.error), WHY_NOT[outcome.reason]));
      continue;
    }
    for (const [rule, base, signal, message] of grade(outcome.signals)) {
      const severity = inContext(base, context);
      out.push({ rule, severity, file: file.path, line: lineAt(file.text, signal.at), evidence: evidence(file.text, signal.at), message: `${message} (${describe(context)})` });
    }
    if (outcome.overBudget !== undefined) out.push(unanalysed(file.path, context, 'unreadable', `${outcome.overBudget} work units`, overBudget(file.text.length)));
  }
  return out;
};

/** What a code-not-analysed or scan-incomplete finding says of a file the analysis could not read. */
const WHY_NOT: Record<Exclude<CodeOutcome, { signals: unknown }>['reason'], string> = {
  overflow: `nested deeper than the parser reads with a ${DEEP_STACK_MB} MiB stack`,
  'deep-budget': `nested deeper than the parser reads with this thread's stack, and ${MAX_DEEP_FILES} such files of the package were already read again with a larger one`,
  'deep-worker': "nested deeper than the parser reads with this thread's stack, and reading it again with a larger one failed",
  parse: 'no parser could read the file',
  analysis: 'the code analysis failed on this file',
};

/**
 * A JavaScript file the analysis could not read. One that runs by itself at install (a hook's file, the entry
 * point under `node .`) or whenever the package is loaded (the entry points and what they require) and could not
 * be parsed, nested past what the parser reads (deep.ts) or broken, leaves the scan incomplete: `scan-incomplete`
 * (high, in INCOMPLETE_RULES), as a file too large to read, so a package cannot buy a pass by nesting its
 * payload thousands deep. So does an install-time file too large to parse. No file of the benign corpus is
 * either (1,027 packages). Elsewhere it is `code-not-analysed` at the severity notAnalysed gives: a big bundle
 * loaded on require stays low, as big bundles are common and benign (typescript 5's entry point is 9 MB).
 */
function unanalysed(path: string, context: ExecutionContext, why: 'too-large' | 'unreadable', shown: string, message: string): Finding {
  if (context === 'install' || (why === 'unreadable' && context === 'require')) {
    return { rule: 'scan-incomplete', severity: 'high', file: path, evidence: shown, message: `${message} (${describe(context)}), so the scan cannot call the package clean` };
  }
  return { rule: 'code-not-analysed', severity: notAnalysed(context, why), file: path, evidence: shown, message: `${message} (${describe(context)})` };
}

/** Why a file that ran out of its work budget (budget.ts) counts as not analysed: what was left unfolded. */
export function overBudget(chars: number): string {
  return `the analysis ran out of its work budget (${BASE_UNITS + UNITS_PER_CHAR * chars} units for ${chars} characters: strings built by folding constants, code parsed again) and left the rest of the file's values unfolded`;
}

/**
 * code-not-analysed: a file that runs by itself (an install hook's file, a startup file) and could not be analysed
 * is medium, so a package cannot buy silence by nesting brackets past the parser's stack or padding past
 * MAX_PARSE_CHARS; an unreadable file loaded on require or import is medium too (parsers read every benign file
 * that is not nested thousands deep). A file only too large, loaded on require, stays low: big bundles are common
 * and benign. The text rules run on every such file either way. For JavaScript, unanalysed (above) takes the
 * install-time and unreadable require-time files out first; Python files (python/rule.ts) all come here.
 */
export function notAnalysed(context: ExecutionContext, why: 'too-large' | 'unreadable'): Severity {
  if (context === 'install' || context === 'startup') return 'medium';
  if (why === 'unreadable' && (context === 'require' || context === 'import')) return 'medium';
  return 'low';
}

/**
 * Whether a code file is parsed: JavaScript (or a node script) outside test code, up to MAX_PARSE_CHARS. Every
 * such file is parsed: a lexical pre-screen over the raw text (scanner 5) was unsound (escapes, template
 * expressions and comments spell a word its atoms miss) and, made sound, skipped only 5.5% of the bytes.
 */
function select(file: { path: string; text: string }, context: ExecutionContext): 'parse' | 'skip' | 'too-large' {
  if (SHELL_FILE.test(file.path) || (!JS_FILE.test(file.path) && !/^#![^\n]*\bnode\b/.test(file.text))) return 'skip';
  // Test code is never run for a dependency: three steps down leaves nothing above low, so it is not parsed.
  if (context === 'test') return 'skip';
  if (file.text.length > MAX_PARSE_CHARS) return 'too-large';
  return 'parse';
}

/** The texts the code rule parses in a package (for the throughput bench's parse-only reference). */
export function parsedTexts(pkg: PackageView): string[] {
  const where = contexts(pkg);
  return [...codeFiles(pkg)].filter((f) => select(f, where.get(f.path) ?? 'other') === 'parse').map((f) => f.text);
}

export function describe(c: ExecutionContext): string {
  return { install: 'runs at install', startup: 'runs at every interpreter start', require: 'runs on require', import: 'runs on import', bin: 'runs from a bin command', test: 'test code', other: 'not reached from an entry point' }[c];
}

/** What a string signal says it found (STRING_SIGNALS' third column), which is also its detail. */
const STRING_DESCRIPTIONS = new Set(STRING_SIGNALS.map(([, , what]) => what));

function grade(signals: Signal[]): Grade[] {
  const first = new Map<string, Signal>();
  for (const s of signals) if (!first.has(s.kind)) first.set(s.kind, s);
  const has = (k: string) => first.get(k);
  const net = has('network') ?? has('dns');
  const execs = has('exec');
  const out: Grade[] = [];
  // A string signal's detail is its description (STRING_SIGNALS), which the message already says: not repeated.
  const add = (rule: string, base: Severity, s: Signal, message: string) => out.push([rule, base, s, STRING_DESCRIPTIONS.has(s.detail) ? message : `${message}: ${s.detail}`]);

  const socket = signals.find((s) => s.kind === 'network' && /^(?:net|tls)\./.test(s.detail));
  if (socket && has('exec-shell')) add('code-reverse-shell', 'critical', has('exec-shell')!, 'a network socket and a spawned shell in one file (reverse shell)');

  // Secret files or the whole environment sent: high. One token variable sent is what every API client does
  // with its own credential (GITHUB_TOKEN to its API): medium.
  const flow = has('flow-secret') ?? has('flow-env');
  if (flow) add('code-exfiltration', 'high', flow, 'secrets reach a network call');
  else if (has('flow-token')) add('code-exfiltration', 'medium', has('flow-token')!, 'a secret environment variable reaches a network call');
  else if (has('env-dump') && net) add('code-exfiltration', 'high', has('env-dump')!, 'the whole environment is serialised in code that makes network calls');
  else if (has('secret-read') && net) add('code-exfiltration', 'medium', has('secret-read')!, 'reads secrets in code that makes network calls');
  else if (has('env-dump')) add('code-exfiltration', 'medium', has('env-dump')!, 'the whole environment is serialised');
  if (has('flow-host')) add('code-host-recon', 'medium', has('flow-host')!, 'host details reach a network call');

  const evalHit = has('eval-decoded') ?? has('eval-remote') ?? has('eval-media') ?? has('packer');
  if (evalHit) add('code-remote-eval', 'high', evalHit, 'code is evaluated from decoded, downloaded or media-file data');
  // Module loaders and bundlers evaluate files they read: noted, never more than low on require.
  else if (has('eval-file')) add('code-remote-eval', 'low', has('eval-file')!, 'code is evaluated from data read from a file');
  if (has('exec-remote')) add('code-remote-eval', 'high', has('exec-remote')!, 'a command is built from downloaded data');

  const hiddenExec = has('hidden-exec') ?? has('hidden-require');
  if (hiddenExec) add('code-hidden-api', 'high', hiddenExec, 'a sensitive API is reached by a computed name');
  else if (has('hidden-api') ?? has('hidden-global')) add('code-hidden-api', 'medium', (has('hidden-api') ?? has('hidden-global'))!, 'an API is reached by a computed or decoded name');

  if (has('string-array')) add('code-obfuscation', net || execs ? 'high' : 'medium', has('string-array')!, `obfuscator string array${net || execs ? ' in code that makes network calls or runs programs' : ''}`);
  if (has('xor-decoder')) add('code-obfuscation', net || execs || evalHit ? 'high' : 'medium', has('xor-decoder')!, 'decodes strings by XOR');

  if (has('exec-silent')) add('code-silent-exec', 'medium', has('exec-silent')!, 'starts a detached program with its output hidden');
  const dlExec = has('exec:download-exec');
  const dl = dlExec ?? has('download-exec');
  if (dl) add('code-download-exec', dlExec ? 'high' : 'medium', dl, 'downloads a program and runs it');
  const exfil = has('exec:exfil-command') ?? has('exfil-command');
  if (exfil) add('code-host-recon', 'high', exfil, 'sends host details through a shell command (DNS, ping or curl with command substitution)');

  const preload = has('exec:ld-preload') ?? has('ld-preload');
  if (preload) add('code-library-hijack', 'high', preload, 'preloads a library into another program');
  const dll = has('exec:dll') ?? has('dll');
  if (dll) add('code-library-hijack', dl || has('exec:dll') ? 'high' : 'medium', dll, 'runs a DLL');
  if (has('shared-lib-write')) add('code-library-hijack', has('native-load') || execs ? 'high' : 'medium', has('shared-lib-write')!, 'writes a shared library to a temp folder');

  const ai = has('exec:ai-cli') ?? has('ai-cli');
  if (ai) add('code-worm', 'high', ai, 'drives an AI coding CLI with safety checks off');
  if (has('workflow') && (has('write-outside') || execs || net)) add('code-worm', 'high', has('workflow')!, 'writes CI workflow files');
  const scanner = has('exec:secret-scanner') ?? (net || execs ? has('secret-scanner') : undefined);
  if (scanner) add('code-worm', 'high', scanner, 'fetches or runs a secret scanner');
  // Release tools run npm publish; a worm rewrites its own manifest first (a help string never counts).
  const publish = has('exec:publish');
  if (publish) add('code-worm', has('manifest-write') ? 'high' : 'low', publish, `runs npm publish${has('manifest-write') ? ' after rewriting package.json' : ''}`);

  if (has('hook-network') && has('wallet-regex')) add('code-network-hook', 'high', has('hook-network')!, 'replaces fetch/XMLHttpRequest/wallet calls in code that matches crypto addresses');
  else if (has('hook-network')) add('code-network-hook', 'low', has('hook-network')!, 'replaces a global network function');

  if (has('public-ip') && net) add('code-public-ip', 'medium', has('public-ip')!, 'sends to a literal public IP address');
  if (has('wipe')) add('code-file-tamper', 'medium', has('wipe')!, 'deletes folders outside the package recursively');
  else if (has('write-outside')) add('code-file-tamper', 'low', has('write-outside')!, 'writes files outside the package');
  if (has('prototype-patch')) add('code-file-tamper', net ? 'medium' : 'low', has('prototype-patch')!, 'patches a core module prototype');
  return out;
}
