import type { Severity } from './types.js';
import { SEVERITIES } from './types.js';
import { entryPoint, requireClosure, type PackageView } from './package.js';

/**
 * When a file's code runs, which sets how much a finding in it weighs:
 * - `install`: run by an install hook (preinstall, install, postinstall; the entry point under `node .`) on
 *   every machine that installs the package, with no one watching;
 * - `require`: the entry points (`main`, `exports`, `module`, `browser`) and what they require;
 * - `bin`: only when the user runs one of the package's commands;
 * - `test`: only in the package's own tests (npm never runs them for a dependency);
 * - `other`: reached by none of those statically (a dynamic require may still load it).
 * Python distributions (python/package.ts) add two:
 * - `startup`: run by every Python interpreter on the machine as it starts (`.pth` import lines,
 *   sitecustomize), whether or not anything imports the package: weighed as install;
 * - `import`: a top-level package's `__init__.py` and what it imports, run on `import pkg`: weighed as require.
 */
export type ExecutionContext = 'install' | 'startup' | 'require' | 'import' | 'bin' | 'test' | 'other';

const TEST_PATH = /(?:^|\/)(?:tests?|__tests__|spec|__mocks__|fixtures?|examples?|benchmarks?)\/|\.(?:test|spec)\.[cm]?[jt]sx?$/i;
/** Steps a finding moves from its base (require-time) severity in each context. */
const SHIFT: Record<ExecutionContext, number> = { install: 1, startup: 1, require: 0, import: 0, bin: -1, test: -3, other: -1 };

export function contexts(pkg: PackageView): Map<string, ExecutionContext> {
  const out = new Map<string, ExecutionContext>();
  const m = pkg.manifest;
  const entries: string[] = [];
  const main = entryPoint(m, pkg.files);
  if (main) entries.push(main);
  for (const field of ['module', 'browser', 'exports']) for (const p of strings(m?.[field])) entries.push(p.replace(/^\.\//, ''));
  const bins = typeof m?.bin === 'string' ? [m.bin] : strings(m?.bin);
  const present = (ps: string[]) => ps.map((p) => p.replace(/^\.\//, '')).filter((p) => pkg.files.has(p));
  for (const p of requireClosure(present(bins), pkg.files)) out.set(p, 'bin');
  for (const p of requireClosure(present(entries), pkg.files)) out.set(p, 'require');
  for (const p of pkg.installFiles) out.set(p, 'install');
  for (const p of pkg.files.keys()) if (!out.has(p)) out.set(p, TEST_PATH.test(p) ? 'test' : 'other');
  return out;
}

/** A base (require-time) severity moved for the context the file runs in, within low..critical. */
export function inContext(base: Severity, context: ExecutionContext): Severity {
  const i = Math.max(0, Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(base) + SHIFT[context]));
  return SEVERITIES[i]!;
}

/** Every string inside a manifest field (exports maps nest conditions). */
function strings(v: unknown, depth = 0): string[] {
  if (typeof v === 'string') return [v];
  if (!v || typeof v !== 'object' || depth > 6) return [];
  return Object.values(v as Record<string, unknown>).flatMap((x) => strings(x, depth + 1)).slice(0, 200);
}
