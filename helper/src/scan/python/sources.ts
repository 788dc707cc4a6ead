import { inContext, type ExecutionContext } from '../context.js';
import { evidence, type PackageFile } from '../files.js';
import type { Finding, Severity } from '../types.js';
import { sourceEncoding, type SourceEncoding } from './encoding.js';

const PYTHON_SOURCE = /\.pyw?$/i;
/** Contexts in which a file's code runs without anyone choosing to run it. */
const RUNS: ReadonlySet<ExecutionContext> = new Set(['install', 'startup', 'import']);

export interface DeclaredEncoding {
  path: string;
  encoding: Exclude<SourceEncoding, { kind: 'utf-8' | 'compatible' }>;
}

/**
 * Decodes each Python source file as CPython would (python/encoding.ts), in place, before contexts and rules
 * read them: a file declaring an ASCII-incompatible encoding (UTF-7, UTF-16, Shift_JIS...) gets its decoded
 * text. Returns the files whose declaration the findings must report.
 */
export function decodeSources(files: PackageFile[]): DeclaredEncoding[] {
  const out: DeclaredEncoding[] = [];
  for (const file of files) {
    if (file.text === undefined || !(PYTHON_SOURCE.test(file.path) || /^#![^\n]*python/.test(file.text))) continue;
    const encoding = sourceEncoding(file.text);
    if (encoding.kind === 'utf-8' || encoding.kind === 'compatible') continue;
    if (encoding.kind === 'incompatible') file.text = encoding.text;
    out.push({ path: file.path, encoding });
  }
  return out;
}

/**
 * `code-source-encoding`: a source file declares an encoding in which ASCII-looking bytes are not what Python
 * reads (code hidden in a comment by UTF-7, a quote swallowed by a Shift_JIS trail byte). High where the file
 * runs unasked (install, start-up, import), milder elsewhere; legitimate code has used UTF-8 since PEP 3120.
 * A file the scanner cannot decode is also listed in `unread`, so the scan is never called complete.
 */
export function encodingFindings(declared: DeclaredEncoding[], contexts: Map<string, ExecutionContext>, unread: string[]): Finding[] {
  const out: Finding[] = [];
  for (const { path, encoding } of declared) {
    const context = contexts.get(path) ?? 'other';
    if (context === 'test') continue;
    const severity: Severity = RUNS.has(context) ? 'high' : inContext('high', context);
    const where = `line ${encoding.line}: coding ${encoding.declared}`;
    if (encoding.kind === 'unreadable') {
      unread.push(`${evidence(path, 0, 80)} declares an encoding the scanner cannot decode (${evidence(encoding.declared, 0, 40)})`);
      out.push({ rule: 'code-source-encoding', severity, file: path, line: encoding.line, evidence: evidence(where), message: `source declares an encoding the scanner cannot decode (${evidence(encoding.reason, 0, 60)}): its code was not analysed` });
    } else {
      out.push({ rule: 'code-source-encoding', severity, file: path, line: encoding.line, evidence: evidence(where), message: 'source declares an encoding in which ASCII-looking bytes read differently (code can hide in comments or strings); analysed as Python decodes it' });
    }
  }
  return out;
}
