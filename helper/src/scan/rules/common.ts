import type { StringSearch } from '../js/linear.js';
import type { Finding, Severity } from '../types.js';
import { evidence, lineAt, type PackageFile } from '../files.js';
import type { PackageView } from '../package.js';
import { checkpoint } from '../checkpoint.js';

/** A rule looks at the whole package and returns its findings. Pure: no I/O. */
export type Rule = (pkg: PackageView) => Finding[];

export const JS_FILE = /\.(?:[cm]?[jt]s|jsx|tsx)$/i;
const DECLARATION_FILE = /\.d\.[cm]?ts$/i;
export const SHELL_FILE = /\.(?:sh|bash|zsh|ps1|bat|cmd)$/i;

/** Files with text that may be executed: JS/TS, shell, and extension-less scripts with a shebang. */
export function* codeFiles(pkg: PackageView): Generator<PackageFile & { text: string }> {
  for (const f of pkg.files.values()) {
    // Between two files the scan may be ended (a worker past its budget or without its pool: checkpoint.ts).
    checkpoint();
    // Type declarations never run.
    if (f.text === undefined || f.path === 'package.json' || DECLARATION_FILE.test(f.path)) continue;
    if (JS_FILE.test(f.path) || SHELL_FILE.test(f.path) || f.text.startsWith('#!')) yield f as PackageFile & { text: string };
  }
}

export interface Hit {
  index: number;
  text: string;
}

export function find(text: string, re: RegExp | StringSearch): Hit | undefined {
  if (!(re instanceof RegExp)) return re.exec(text);
  re.lastIndex = 0;
  const m = re.exec(text);
  return m ? { index: m.index, text: m[0] } : undefined;
}

/** A finding located at a match in a file (line and evidence from the match). */
export function at(rule: string, severity: Severity, file: string, text: string, hit: Hit, message: string): Finding {
  return { rule, severity, file, line: lineAt(text, hit.index), evidence: evidence(text, hit.index), message };
}

/** A finding on an install script, located at its line in package.json. */
export function atScript(rule: string, severity: Severity, script: { hook: string; command: string; line: number }, message: string): Finding {
  return { rule, severity, file: 'package.json', line: script.line, evidence: evidence(`${script.hook}: ${script.command}`), message };
}

/** Calls that send data over the network from Node.js or a shell. */
export const NETWORK_SEND = /\bhttps?\.(?:request|get)\s*\(|\bfetch\s*\(|\bdns\.(?:promises\.)?(?:resolve\w*|lookup)\s*\(|\bnew\s+WebSocket\s*\(|\bnet\.(?:connect|createConnection)\s*\(|\bXMLHttpRequest\b|\baxios(?:\.(?:post|get|request))?\s*\(|\bgot(?:\.post)?\s*\(|\bcurl\s+|\bwget\s+|\bInvoke-WebRequest\b|\burllib\.request\b/;

/** Code execution from a string. */
export const EVAL_SINK = /\beval\s*\(|\bnew\s+Function\s*\(|(?<![\w.])Function\s*\(\s*(?!['"]return this['"])[^)]|\brunIn(?:This|New)?Context\s*\(|\._compile\s*\(|\bnew\s+module\.constructor\b/;
