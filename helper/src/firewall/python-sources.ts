/**
 * What a Python install could fetch around the firewall, refused before it runs (`firewall run`). pip reads
 * package sources from its command line and from requirements files (`--index-url`/`-i`, `--extra-index-url`,
 * `--find-links`/`-f`, and direct URL references: `name @ https://...`, `-e git+https://...`, `-r https://...`);
 * pipenv from the Pipfile's `[[source]]` tables (only pypi.org's is sent to the firewall, by PIPENV_PYPI_MIRROR);
 * uv from `--index`, `--default-index` and the pip-style flags. Config files and the environment are handled by
 * pythonClientEnv (run.ts): this module reads only what the project itself says. Refused, not stripped: an install
 * that silently lost a source would resolve differently from the one the project meant.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { joinContinued } from '../lockfiles/requirements-lines.js';
import { parseToml } from '../lockfiles/toml-doc.js';
import { PIP_SOURCE_OPTIONS, pipWords } from './pip-args.js';

/** Largest requirements file or Pipfile read; a bigger one is refused (it cannot be checked). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** `-r` inside `-r` inside ... as deep as this. */
const MAX_DEPTH = 16;
/** Options that name a package source beside the index the firewall sets (pip, uv). */
const SOURCE_OPTION = /^(?:--index-url|--extra-index-url|--find-links|--index|--default-index)(?:=|$)|^-[if]/;
const REQUIREMENT_FILE_OPTION = /^(?:-r|-c|--requirement|--constraint)(?:=(.*))?$|^-[rc](.+)$/;
/** A URL scheme and `://`, tried once per run of scheme characters (from anywhere in a run it was O(n²)). */
const URL = /(?<![a-z0-9+.-])[0-9+.-]*[a-z][a-z0-9+.-]*:\/\//i;
/** The Pipfile sources PIPENV_PYPI_MIRROR replaces (pipenv's is_pypi_url). */
const PYPI_SOURCE = /^https?:\/\/(?:pypi\.org|pypi\.python\.org)(?:\/|$)/;
const HINT = 'firewall run points the client at the firewall\'s index and nothing else; remove the source (a package the index lacks must be published to it).';

const refuse = (what: string, file: string, line?: number): never => {
  throw new UsageError('USAGE', `${what}: the install would fetch from it around the firewall`, { where: { file, ...(line ? { line } : {}) }, hint: HINT });
};

/** True for the Python clients whose command lines and project files are checked. */
function pythonTool(command: readonly string[]): 'pip' | 'uv' | 'pipenv' | undefined {
  const tool = basename(command[0] ?? '');
  if (/^pip[0-9.]*$/.test(tool)) return 'pip';
  if (/^python[0-9.]*$/.test(tool) && command[1] === '-m' && /^pip$/.test(command[2] ?? '')) return 'pip';
  if (tool === 'uv' || tool === 'uvx') return 'uv';
  if (tool === 'pipenv') return 'pipenv';
  return undefined;
}

/** Throws a UsageError (exit 2) naming the file and line of the first source the project adds. */
export async function checkPythonSources(cwd: string, command: readonly string[]): Promise<void> {
  const tool = pythonTool(command);
  if (!tool) return;
  const seen = new Set<string>();
  if (tool === 'pip') return checkPipCommandLine(cwd, command.slice(basename(command[0] ?? '').startsWith('python') ? 3 : 1), seen);
  const args = command.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (SOURCE_OPTION.test(a)) refuse(`the command line names a package source (${a.split('=')[0]!.slice(0, 40)})`, '<command line>');
    // `pip install https://host/x.whl`, `'x @ git+https://...'`: pip fetches a direct reference itself, not from the index.
    if (URL.test(a) && !REQUIREMENT_FILE_OPTION.test(args[i - 1] ?? '')) refuse('the command line names a package by URL (a direct reference)', '<command line>');
    const r = REQUIREMENT_FILE_OPTION.exec(a);
    if (r) {
      const file = r[1] ?? r[2] ?? args[++i];
      if (file !== undefined) await checkRequirements(resolve(cwd, file), file, seen, 0);
    }
  }
  if (tool === 'pipenv') await checkPipfile(cwd);
}

/** pip verbs that take requirements (and build or install what they name). */
const PIP_INSTALLS = new Set(['install', 'download', 'wheel']);
/** pip's archive suffixes (pip's utils/filetypes ARCHIVE_EXTENSIONS). */
const ARCHIVE = /\.(?:whl|zip|tar|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tlz|tar\.lz|tar\.lzma)$/i;
/** A PEP 508 direct reference: `name @ ...` or `name[extra] @ ...`. */
/** (The spaces after the extras are inside their group: two runs of `\s*` side by side backtrack quadratically.) */
const DIRECT_REFERENCE = /^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?@/;
const shortArg = (a: string) => JSON.stringify(a.slice(0, 80));

/**
 * pip's command line, read as pip reads it (pip-args.ts): a source option however abbreviated or clustered is
 * refused; a local archive is refused (pip installs it without the index, so nothing judges it); a local project
 * folder (`.`, `-e ./proj`) is read: direct references in its pyproject.toml are refused as in requirements files.
 */
async function checkPipCommandLine(cwd: string, args: readonly string[], seen: Set<string>): Promise<void> {
  let verb: string | undefined;
  for (const w of pipWords(args)) {
    if (w.option && PIP_SOURCE_OPTIONS.includes(w.option)) refuse(`the command line names a package source (${w.given.split('=')[0]!.slice(0, 40)}: pip's ${w.option})`, '<command line>');
    if (w.option === '--requirement' || w.option === '--constraint') {
      if (w.value !== undefined) await checkRequirements(resolve(cwd, w.value), w.value, seen, 0);
      continue;
    }
    if (w.value === undefined) continue;
    // `pip install https://host/x.whl`, `'x @ git+https://...'`: pip fetches a direct reference itself, not from the index.
    if (URL.test(w.value)) refuse('the command line names a package by URL (a direct reference)', '<command line>');
    if (w.option === '--editable') await checkLocal(cwd, w.value);
    else if (!w.option) {
      if (verb === undefined) verb = w.value;
      else if (PIP_INSTALLS.has(verb)) await checkLocal(cwd, w.value);
    }
  }
}

/**
 * `./proj[extra]` -> `./proj`: a final `[...]` (no `]` inside) removed, as `/\[[^\]]*\]$/` would, in one pass
 * (that expression retries from every `[`: quadratic on a word of many `[`).
 */
function withoutExtras(word: string): string {
  if (!word.endsWith(']')) return word;
  const open = word.indexOf('[', word.lastIndexOf(']', word.length - 2) + 1);
  return open < 0 ? word : word.slice(0, open);
}

/** Trailing `/` and `\\` removed, in one pass (`/[\\/]+$/` retries from every separator: quadratic). */
function withoutTrailingSeparators(word: string): string {
  let end = word.length;
  while (end > 0 && (word[end - 1] === '/' || word[end - 1] === '\\')) end--;
  return word.slice(0, end);
}

/** A requirement word on pip's command line that names a local archive or project folder. */
async function checkLocal(cwd: string, spec: string): Promise<void> {
  if (DIRECT_REFERENCE.test(spec)) refuse(`the command line names a package by direct reference (${shortArg(spec)})`, '<command line>');
  const path = withoutExtras(spec.split(';')[0]!.trim());
  if (ARCHIVE.test(path)) {
    throw new UsageError('USAGE', `the command line names a local archive (${shortArg(spec)}): pip installs it without the firewall's index, so the policy cannot judge it`, { where: { file: '<command line>' }, hint: 'install the release from the index (publish it there), or list the file in a requirements file, where the policy judges it' });
  }
  const dir = resolve(cwd, path);
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  // pip takes a folder only when the word looks like a path; any folder is read here (fail closed).
  if (isDir) await checkProject(dir, spec);
}

/** A local project's pyproject.toml: a direct reference among its dependencies, extras or build requirements is refused. */
async function checkProject(dir: string, spec: string): Promise<void> {
  const shown = `${withoutTrailingSeparators(spec) || '.'}/pyproject.toml`;
  const text = await read(resolve(dir, 'pyproject.toml'), shown);
  if (text === undefined) return; // setup.py only: its dependencies go to the index, its direct references are unjudged (README)
  const { doc } = parseToml(text, shown, 'pyproject.toml');
  const project = (doc.project ?? {}) as Record<string, unknown>;
  const build = (doc['build-system'] ?? {}) as Record<string, unknown>;
  const extras = typeof project['optional-dependencies'] === 'object' && project['optional-dependencies'] !== null ? Object.values(project['optional-dependencies'] as Record<string, unknown>) : [];
  for (const list of [project.dependencies, build.requires, ...extras]) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) refuse('a dependency list that is not an array of strings, so it cannot be checked', shown);
    for (const dep of list as unknown[]) {
      if (typeof dep !== 'string') refuse('a dependency that is not a string, so it cannot be checked', shown);
      else if (DIRECT_REFERENCE.test(dep) || URL.test(dep)) refuse(`names a package by direct reference (${shortArg(dep)})`, shown);
    }
  }
}

async function read(path: string, shown: string): Promise<string | undefined> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch {
    return undefined; // the client reports a missing file itself
  }
  if (text.length > MAX_FILE_BYTES) throw new UsageError('USAGE', `over ${MAX_FILE_BYTES} bytes, so its sources cannot be checked`, { where: { file: shown } });
  return text.toString('utf8');
}

async function checkRequirements(path: string, shown: string, seen: Set<string>, depth: number): Promise<void> {
  if (URL.test(shown)) refuse('a requirements file fetched from a URL', shown);
  if (seen.has(path) || depth > MAX_DEPTH) return;
  seen.add(path);
  const text = await read(path, shown);
  if (text === undefined) return;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const first = n + 1;
    // pip joins a line ending in a backslash with the next one before it reads options.
    const joined = joinContinued(lines, n, ' ');
    const line = joined.line;
    n = joined.last;
    const code = line.replace(/(^|\s)#.*$/s, '').trim();
    if (!code) continue;
    const tokens = code.split(/\s+/);
    const option = tokens.find((t) => SOURCE_OPTION.test(t));
    if (option) refuse(`names a package source (${option.split('=')[0]!.slice(0, 40)})`, shown, first);
    if (URL.test(code)) refuse('names a package by URL (a direct reference)', shown, first);
    const nested = REQUIREMENT_FILE_OPTION.exec(tokens[0]!);
    if (nested) {
      const file = nested[1] ?? nested[2] ?? tokens[1];
      if (file !== undefined) await checkRequirements(resolve(dirname(path), file), file, seen, depth + 1);
    }
  }
}

async function checkPipfile(cwd: string): Promise<void> {
  const text = await read(resolve(cwd, 'Pipfile'), 'Pipfile');
  if (text === undefined) return;
  const { doc, lineOfEntry } = parseToml(text, 'Pipfile', 'the Pipfile');
  const sources = Array.isArray(doc.source) ? (doc.source as unknown[]) : [];
  sources.forEach((s, i) => {
    const url = typeof s === 'object' && s !== null ? (s as Record<string, unknown>).url : undefined;
    if (typeof url !== 'string' || !PYPI_SOURCE.test(url)) refuse(`[[source]] ${JSON.stringify(String(url ?? '')).slice(0, 80)} is not pypi.org (the only source pipenv sends to the firewall)`, 'Pipfile', lineOfEntry('source', i));
  });
}
