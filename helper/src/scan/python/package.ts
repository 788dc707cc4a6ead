import { posix } from 'node:path';
import type { ExecutionContext } from '../context.js';
import type { PackageFile } from '../files.js';

/** The two Python distribution formats: a wheel (PEP 427, a zip) and a source distribution (PEP 625). */
export type PythonFormat = 'wheel' | 'sdist';

/** A Python distribution as the rules see it: files, core metadata, and when each file runs. */
export interface PythonView {
  format: PythonFormat;
  files: Map<string, PackageFile>;
  /** Name and version from the core metadata (METADATA in a wheel, PKG-INFO in an sdist). */
  metadata?: { name: string; version: string };
  contexts: Map<string, ExecutionContext>;
}

/** Test code: never run by an installer or an import of the package. */
const TEST_PATH = /(?:^|\/)(?:tests?|testing|__tests__|docs?|examples?|benchmarks?)\/|(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/i;
/** A wheel's `.data` folders: purelib/platlib install beside the packages, scripts into the PATH. */
const WHEEL_DATA = /^[^/]+\.data\/(purelib|platlib|scripts|headers|data)\/(.*)$/;
/**
 * `from .a import b`: leading dots (1), then the module (2 after dots, 3 without), then the names (4). A module
 * name starts with a word character: `(\.*)([\w.]*)` between two blank runs split a line of dots or blanks O(n²) ways.
 */
export const FROM_IMPORT = /^[ \t]*from[ \t]+(?:(\.+)(\w[\w.]*)?|(\w[\w.]*))[ \t]+import[ \t]+\(?([\w, \t*]+)/gm;
const PLAIN_IMPORT = /^[ \t]*import[ \t]+([\w., \t]+)/gm;
/** Files followed from one root through imports. */
const MAX_CLOSURE = 512;
const MAX_DEPTH = 8;

export function viewPython(files: PackageFile[], format: PythonFormat): PythonView {
  const byPath = new Map<string, PackageFile>();
  for (const f of files) byPath.set(f.path, f);
  const view: PythonView = { format, files: byPath, contexts: new Map() };
  const meta = format === 'wheel' ? [...byPath.keys()].find((p) => /^[^/]+\.dist-info\/METADATA$/.test(p)) : 'PKG-INFO';
  const text = meta ? byPath.get(meta)?.text : undefined;
  const name = text && /^Name:[ \t]*(\S+)/m.exec(text)?.[1];
  const version = text && /^Version:[ \t]*(\S+)/m.exec(text)?.[1];
  if (name && version) view.metadata = { name, version };
  view.contexts = format === 'wheel' ? wheelContexts(byPath) : sdistContexts(byPath);
  return view;
}

/** Where a file lands in site-packages (a wheel's purelib/platlib folders unpack beside its packages). */
export function installedPath(path: string): string {
  const m = WHEEL_DATA.exec(path);
  return m && (m[1] === 'purelib' || m[1] === 'platlib') ? m[2]! : path;
}

function wheelContexts(files: Map<string, PackageFile>): Map<string, ExecutionContext> {
  const out = new Map<string, ExecutionContext>();
  const installed = new Map<string, string>();
  for (const p of files.keys()) installed.set(installedPath(p), p);
  const roots = topLevelModules([...installed.keys()]).map((p) => installed.get(p)!);
  for (const p of closure(roots, files, (p) => installedPath(p), installed)) out.set(p, 'import');
  // site.py runs every `.pth` in site-packages at interpreter start (lines starting with `import` are executed),
  // and with it the modules those lines import.
  const pths = [...files.keys()].filter((p) => /^[^/]+\.pth$/.test(installedPath(p)));
  const startupRoots: string[] = [];
  for (const p of pths) {
    for (const line of (files.get(p)?.text ?? '').split('\n')) {
      if (!/^import[ \t]/.test(line)) continue;
      for (const m of line.matchAll(/(?:\bimport[ \t]+([\w.]+)|__import__\(\s*['"]([\w.]+)['"])/g)) {
        const base = (m[1] ?? m[2]!).replace(/\./g, '/');
        const hit = moduleFile(installed, base);
        if (hit) startupRoots.push(hit);
      }
    }
  }
  for (const p of closure(startupRoots, files, (p) => installedPath(p), installed)) out.set(p, 'startup');
  for (const p of files.keys()) {
    if (pths.includes(p)) out.set(p, 'startup');
    else if (/^[^/]+\.data\/scripts\//.test(p)) out.set(p, 'bin');
    // sitecustomize/usercustomize at the top of site-packages are imported by site.py at start-up too.
    else if (/^(?:sitecustomize|usercustomize)\.py$/.test(installedPath(p))) out.set(p, 'startup');
  }
  fillRest(out, files);
  return out;
}

function sdistContexts(files: Map<string, PackageFile>): Map<string, ExecutionContext> {
  const out = new Map<string, ExecutionContext>();
  const identity = new Map([...files.keys()].map((p) => [p, p]));
  // What the built package imports: top-level packages at the root or under src/.
  const layout = [...files.keys()].some((p) => p.startsWith('src/')) ? (p: string) => p.replace(/^src\//, '') : (p: string) => p;
  const mapped = new Map<string, string>();
  for (const p of files.keys()) mapped.set(layout(p), p);
  const roots = topLevelModules([...mapped.keys()]).filter((p) => !/^(?:setup|conftest|noxfile|tasks|fabfile|docs?\/.*)\.py$/.test(p)).map((p) => mapped.get(p)!);
  for (const p of closure(roots, files, layout, mapped)) out.set(p, 'import');
  // Run at install: setup.py (setuptools' backend runs it, pip runs it for legacy installs), an in-tree build
  // backend (PEP 517 `backend-path`), and the local modules they import.
  const installRoots: string[] = [];
  if (files.has('setup.py')) installRoots.push('setup.py');
  for (const p of inTreeBackend(files)) installRoots.push(p);
  for (const p of closure(installRoots, files, (p) => p, identity)) out.set(p, 'install');
  fillRest(out, files);
  return out;
}

function fillRest(out: Map<string, ExecutionContext>, files: Map<string, PackageFile>): void {
  for (const p of files.keys()) {
    if (out.has(p)) continue;
    out.set(p, TEST_PATH.test(p) ? 'test' : 'other');
  }
}

/**
 * The file Python's path finder loads for a module path (`a/b`): the package's `__init__` before a module
 * of that name, source before sourceless bytecode (importlib's FileFinder order; a `.pyc` with no `.py`
 * beside it is imported).
 */
function moduleFile(files: Map<string, string>, base: string): string | undefined {
  return files.get(`${base}/__init__.py`) ?? files.get(`${base}/__init__.pyc`) ?? files.get(`${base}.py`) ?? files.get(`${base}.pyc`);
}

/** `pkg/__init__.py` and `module.py` at the top of an installed tree (or their sourceless `.pyc`). */
function topLevelModules(paths: string[]): string[] {
  const all = new Set(paths);
  return paths.filter((p) => {
    if (/^[A-Za-z_][\w]*\/__init__\.py$/.test(p) || /^[A-Za-z_][\w]*\.py$/.test(p)) return true;
    return (/^[A-Za-z_][\w]*\/__init__\.pyc$/.test(p) || /^[A-Za-z_][\w]*\.pyc$/.test(p)) && !all.has(p.slice(0, -1));
  });
}

/** The modules of a PEP 517 in-tree backend: `build-backend = "x"` with `backend-path = ["dir"]`. */
export function inTreeBackend(files: Map<string, PackageFile>): string[] {
  const toml = files.get('pyproject.toml')?.text;
  if (!toml) return [];
  // TOML puts a key at the start of its line, with blanks (not newlines) around `=`: `^\s*` let every line start
  // of a run of blank lines scan to the run's end, O(n²).
  const backend = /^[ \t]*build-backend[ \t]*=[ \t]*["']([\w.]+)(?::[\w.]+)?["']/m.exec(toml)?.[1];
  // The array may span lines: up to the first `]`, found once (a later `backend-path` would find the same).
  const path = /^[ \t]*backend-path[ \t]*=[ \t]*\[/m.exec(toml);
  const close = path ? toml.indexOf(']', path.index + path[0].length) : -1;
  const dirs = path && close >= 0 ? toml.slice(path.index + path[0].length, close) : undefined;
  if (!backend || dirs === undefined) return [];
  const out: string[] = [];
  for (const d of dirs.matchAll(/["']([^"']*)["']/g)) {
    const base = posix.normalize(d[1]!).replace(/^\.\/?$/, '').replace(/^\.\//, '');
    const rel = backend.replace(/\./g, '/');
    for (const c of [`${base ? `${base}/` : ''}${rel}.py`, `${base ? `${base}/` : ''}${rel}/__init__.py`]) if (files.has(c)) out.push(c);
  }
  return out;
}

/**
 * Files reached from `roots` through imports: relative ones (`from . import x`, `from .a import b`) and absolute
 * ones naming a module of the package itself. `view` maps an archive path to its installed path, `back` the
 * other way.
 */
function closure(roots: string[], files: Map<string, PackageFile>, view: (p: string) => string, back: Map<string, string>): Set<string> {
  const found = new Set(roots);
  const queue: [string, number][] = roots.map((r) => [r, 0]);
  const resolve = (module: string): string | undefined => {
    return moduleFile(back, module.replace(/\./g, '/'));
  };
  while (queue.length > 0 && found.size < MAX_CLOSURE) {
    const [path, depth] = queue.shift()!;
    const text = files.get(path)?.text;
    if (!text || depth >= MAX_DEPTH) continue;
    const here = posix.dirname(view(path));
    const modules: string[] = [];
    for (const m of text.matchAll(FROM_IMPORT)) {
      const [, dots, modAfterDots, plainMod, names] = m;
      const mod = modAfterDots ?? plainMod;
      if (dots) {
        let dir = here;
        for (let i = 1; i < dots.length; i++) dir = posix.dirname(dir);
        const prefix = `${dir === '.' ? '' : `${dir.replace(/\//g, '.')}.`}${mod ?? ''}`;
        modules.push(prefix.replace(/\.$/, ''));
        for (const n of names!.split(',')) if (n.trim() && n.trim() !== '*') modules.push(`${prefix}${mod ? '.' : ''}${n.trim().split(/\s+/)[0]}`);
      } else if (mod) {
        modules.push(mod);
        for (const n of names!.split(',')) if (n.trim() && n.trim() !== '*') modules.push(`${mod}.${n.trim().split(/\s+/)[0]}`);
      }
    }
    for (const m of text.matchAll(PLAIN_IMPORT)) for (const part of m[1]!.split(',')) modules.push(part.trim().split(/\s+/)[0]!);
    for (const mod of modules) {
      // Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
      const parts = mod.split('.').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        const hit = resolve(parts.slice(0, i).join('.'));
        if (hit && !found.has(hit)) {
          found.add(hit);
          queue.push([hit, depth + 1]);
        }
      }
    }
  }
  return found;
}
