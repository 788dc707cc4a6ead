import { posix } from 'node:path';
import type { PackageFile } from './files.js';
import { lineAt } from './files.js';

/**
 * Lifecycle scripts that run on the machine a registry package is installed on (and removed from). `prepare`
 * is not one: npm runs it for git and local folders, never for a registry dependency.
 */
export const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall', 'preuninstall', 'uninstall', 'postuninstall'] as const;
/**
 * A hook that runs the package's own entry point: `node .`, `node . run`, `node --flag=x ./`. An option is a token
 * starting with `-` with no blank or shell operator in it (`--?[\w-]+(?:=\S+)?` let `=\S+` run on over the next
 * `node` and its options: O(n²) to reject).
 */
export const RUNS_ENTRY = /(?:^|[\s;&|(])node(?:js)?\s+(?:-[^\s;&|()]*\s+)*\.\/?(?=\s|$|[;&|)])/;
/** How deep relative requires are followed from an install script's entry file. */
const INSTALL_REQUIRE_DEPTH = 3;
const MAX_INSTALL_FILES = 64;
const RESOLVE_SUFFIXES = ['', '.js', '.cjs', '.mjs', '.ts', '/index.js', '/index.cjs', '/index.mjs'];
const RELATIVE_IMPORT = /(?:require\s*\(\s*|import\s*\(\s*|from\s+|import\s+)['"](\.{1,2}\/[^'"\s]{1,300})['"]/g;

export interface InstallScript {
  hook: string;
  command: string;
  /** Line of the hook in package.json. */
  line: number;
}

/** A package as the rules see it: its files, its manifest, and what runs at install time. */
export interface PackageView {
  files: Map<string, PackageFile>;
  manifest: Record<string, unknown> | undefined;
  manifestText: string | undefined;
  installScripts: InstallScript[];
  /** Files executed by install scripts, directly or through relative requires. */
  installFiles: Set<string>;
  /** The package says it ships native code or executables (bin, os/cpu, gypfile, binary, node-gyp). */
  declaresBinary: boolean;
}

export function viewPackage(files: PackageFile[]): PackageView {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const manifestText = byPath.get('package.json')?.text;
  let manifest: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = manifestText === undefined ? undefined : JSON.parse(manifestText);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) manifest = parsed as Record<string, unknown>;
  } catch {
    manifest = undefined;
  }
  const scripts = (manifest?.scripts && typeof manifest.scripts === 'object' ? manifest.scripts : {}) as Record<string, unknown>;
  const installScripts: InstallScript[] = [];
  for (const hook of INSTALL_HOOKS) {
    const command = scripts[hook];
    if (typeof command !== 'string' || command.trim() === '') continue;
    const at = manifestText!.search(new RegExp(`"${hook}"\\s*:`));
    installScripts.push({ hook, command, line: at < 0 ? 1 : lineAt(manifestText!, at) });
  }
  return {
    files: byPath,
    manifest,
    manifestText,
    installScripts,
    installFiles: installFiles(installScripts, byPath, entryPoint(manifest, byPath)),
    declaresBinary: declaresBinary(manifest, byPath, installScripts),
  };
}

function resolveFile(path: string, files: Map<string, PackageFile>): string | undefined {
  const clean = posix.normalize(path).replace(/^\.\//, '');
  if (clean.startsWith('../')) return undefined;
  for (const suffix of RESOLVE_SUFFIXES) if (files.has(clean + suffix)) return clean + suffix;
  return undefined;
}

/** The file `require('pkg')` and `node .` load: `main`, or index.js. */
export function entryPoint(manifest: Record<string, unknown> | undefined, files: Map<string, PackageFile>): string | undefined {
  const main = typeof manifest?.main === 'string' && manifest.main.trim() ? manifest.main : 'index.js';
  return resolveFile(main, files) ?? resolveFile('index', files);
}

/** Files reached from `roots` through relative requires and imports, roots included. */
export function requireClosure(roots: Iterable<string>, files: Map<string, PackageFile>, limit = MAX_INSTALL_FILES * 8): Set<string> {
  const found = new Set<string>();
  const queue: [string, number][] = [];
  for (const r of roots) {
    if (!found.has(r)) {
      found.add(r);
      queue.push([r, 0]);
    }
  }
  return followRelativeRequires(found, queue, files, limit, INSTALL_REQUIRE_DEPTH * 4);
}

/**
 * Breadth-first over relative requires and imports from the files in `queue` (each with its depth), adding what
 * they reach to `found` until it holds `limit` files; files at `maxDepth` are not followed further.
 */
function followRelativeRequires(found: Set<string>, queue: [string, number][], files: Map<string, PackageFile>, limit: number, maxDepth: number): Set<string> {
  while (queue.length > 0 && found.size < limit) {
    const [path, depth] = queue.shift()!;
    const text = files.get(path)?.text;
    if (!text || depth >= maxDepth) continue;
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      const hit = resolveFile(posix.join(posix.dirname(path), m[1]!), files);
      if (hit && !found.has(hit)) {
        found.add(hit);
        queue.push([hit, depth + 1]);
      }
    }
  }
  return found;
}

function installFiles(scripts: InstallScript[], files: Map<string, PackageFile>, entry: string | undefined): Set<string> {
  const found = new Set<string>();
  const queue: [string, number][] = [];
  for (const { command } of scripts) {
    if (entry && RUNS_ENTRY.test(command) && !found.has(entry)) {
      found.add(entry);
      queue.push([entry, 0]);
    }
    for (const token of command.split(/[\s;&|()<>"'`]+/)) {
      if (!token || token.startsWith('-')) continue;
      const hit = resolveFile(token, files);
      if (hit && hit !== 'package.json' && !found.has(hit)) {
        found.add(hit);
        queue.push([hit, 0]);
      }
    }
  }
  return followRelativeRequires(found, queue, files, MAX_INSTALL_FILES, INSTALL_REQUIRE_DEPTH);
}

function declaresBinary(manifest: Record<string, unknown> | undefined, files: Map<string, PackageFile>, scripts: InstallScript[]): boolean {
  if (!manifest) return false;
  if (manifest.bin !== undefined || manifest.os !== undefined || manifest.cpu !== undefined) return true;
  if (manifest.gypfile === true || manifest.binary !== undefined || files.has('binding.gyp')) return true;
  return scripts.some((s) => /\b(?:node-gyp|prebuild-install|node-pre-gyp|node-gyp-build|cmake-js)\b/.test(s.command));
}
