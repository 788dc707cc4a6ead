import { posix } from 'node:path';
import { inContext } from '../context.js';
import { evidence } from '../files.js';
import type { Finding } from '../types.js';
import { installedPath, type PythonView } from './package.js';

const BYTECODE = /\.py[co]$/i;
const PYCACHE = /^(.*?)__pycache__\/([^/.]+)\.[^/]+\.py[co]$/i;

/**
 * `python-bytecode`: compiled modules (.pyc, .pyo) in a distribution. Python 3 imports a `.pyc` that has no
 * `.py` beside it (the sourceless loader), so `pkg/__init__.pyc` runs on `import pkg` and at start-up when a
 * `.pth` imports it; a `__pycache__` file is used in place of its source when its header says so (PEP 552
 * unchecked hashes) and the installer does not recompile. The scanner does not decompile bytecode: such code
 * is unread. Graded by context (python/package.ts resolves imports to sourceless modules too): high where it
 * runs on import, worse at install and start-up, medium where nothing loads it.
 */
export function bytecodeFindings(view: PythonView): Finding[] {
  const out: Finding[] = [];
  const installed = new Set([...view.files.keys()].map((p) => installedPath(p)));
  for (const path of view.files.keys()) {
    if (!BYTECODE.test(path)) continue;
    const at = installedPath(path);
    const context = view.contexts.get(path) ?? 'other';
    if (context === 'test') continue;
    const cached = PYCACHE.exec(at);
    const source = cached ? `${cached[1]}${cached[2]}.py` : at.replace(/\.py[co]$/i, '.py');
    const hasSource = installed.has(source);
    if (cached) {
      const sourceContext = view.contexts.get([...view.files.keys()].find((p) => installedPath(p) === source) ?? '') ?? 'other';
      const severity = hasSource ? inContext('medium', sourceContext === 'test' ? 'other' : sourceContext) : 'low';
      out.push({ rule: 'python-bytecode', severity, file: path, evidence: evidence(at), message: hasSource ? `compiled bytecode shipped for ${posix.basename(source)}: an installer that does not recompile may run it instead of the source scanned (bytecode is not decompiled)` : 'compiled bytecode in __pycache__ without its source (Python 3 does not load it; bytecode is not decompiled)' });
      continue;
    }
    const severity = hasSource ? 'low' : inContext('high', context);
    out.push({ rule: 'python-bytecode', severity, file: path, evidence: evidence(at), message: hasSource ? 'compiled bytecode beside its source (Python 3 loads the source; bytecode is not decompiled)' : `compiled module without its source: Python imports it, the scanner cannot read it (bytecode is not decompiled; ${context === 'other' ? 'no import of it was seen' : `runs: ${context}`})` });
  }
  return out;
}
