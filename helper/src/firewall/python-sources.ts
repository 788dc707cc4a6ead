/**
 * What a Python install could fetch around the firewall, refused before it runs (`firewall run`). pip reads
 * package sources from its command line and from requirements files (`--index-url`/`-i`, `--extra-index-url`,
 * `--find-links`/`-f`, and direct URL references: `name @ https://...`, `-e git+https://...`, `-r https://...`),
 * both read as pip reads them (pip-args.ts, pip-requirements-file.ts); pipenv from the Pipfile's `[[source]]` tables
 * (only pypi.org's is sent to the firewall, by PIPENV_PYPI_MIRROR); uv from `--index`, `--default-index`, the
 * pip-style flags and `--config-file` (which uv reads over UV_NO_CONFIG). Config files and the environment are handled by
 * pythonClientEnv (run.ts): this module reads only what the project itself says. Refused, not stripped: an install
 * that silently lost a source would resolve differently from the one the project meant.
 */
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { fileKind } from '../io/files.js';
import { parseToml } from '../lockfiles/toml-doc.js';
import { PIP_SOURCE_OPTIONS, pipWords, type PipWord } from './pip-args.js';
import { requirementLines } from './pip-requirements-file.js';
import { dynamicDependencyFiles } from './project-metadata.js';

/** Largest requirements file or Pipfile read; a bigger one is refused (it cannot be checked). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** `-r` inside `-r` inside ... as deep as this. */
const MAX_DEPTH = 16;
/** uv's options that name a package source beside the index the firewall sets, and its config file (uv reads
 * `--config-file`/UV_CONFIG_FILE over UV_NO_CONFIG: uv's lib.rs). clap takes no abbreviations. */
const UV_SOURCE_OPTION = /^(?:--index-url|--extra-index-url|--find-links|--index|--default-index|--config-file)(?:=|$)/;
/** uv's short options that take a value (the rest of the word or the next one); `-i` and `-f` are sources. */
const UV_VALUE_SHORT = new Set(['r', 'c', 'b', 'e', 'p', 'o', 'P', 'C', 'w', 't', 'i', 'f']);
/** uv's options that name a requirements-format file, read here as pip's (`-r`, `--with-requirements`...). */
const UV_REQUIREMENT_FILE = /^(?:--requirements?|--constraints?|--overrides?|--build-constraints?|--with-requirements)(?:=|$)/;
/** A URL scheme and `://`, tried once per run of scheme characters (from anywhere in a run it was O(n²)). */
const URL = /(?<![a-z0-9+.-])[0-9+.-]*[a-z][a-z0-9+.-]*:\/\//i;
/** What pip fetches as a URL when it names a requirements file (req_file.py SCHEME_RE). */
const PIP_URL_SCHEME = /^(?:https?|file):/i;
/** The Pipfile sources PIPENV_PYPI_MIRROR replaces (pipenv's is_pypi_url). */
const PYPI_SOURCE = /^https?:\/\/(?:pypi\.org|pypi\.python\.org)(?:\/|$)/;
const HINT = 'firewall run points the client at the firewall\'s index and nothing else; remove the source (a package the index lacks must be published to it).';

const refuse = (what: string, file: string, line?: number): never => {
  throw new UsageError('USAGE', `${what}: the install would fetch from it around the firewall`, { where: { file, ...(line ? { line } : {}) }, hint: HINT });
};

/** The environment the install sees, which pip expands a requirements file's `${NAME}` from. */
export type InstallEnv = Readonly<Record<string, string | undefined>>;

/**
 * The Python client a command runs, by its program name: `pip`, `pip3`, `pip3.11`, `pip-3.11`; `uv`, `uvx`;
 * `pipenv`. An interpreter's `-m pip` is read as `pip` by install-command.ts before it comes here.
 */
function pythonTool(command: readonly string[]): 'pip' | 'uv' | 'pipenv' | undefined {
  const tool = basename(command[0] ?? '');
  if (/^pip(?:-?[0-9][0-9.]*)?$/.test(tool)) return 'pip';
  if (tool === 'uv' || tool === 'uvx') return 'uv';
  if (tool === 'pipenv') return 'pipenv';
  return undefined;
}

/**
 * Throws a UsageError (exit 2) naming the file and line of the first source the project adds. `command`: one
 * command as install-command.ts reads it; `env`: the environment the install sees.
 */
export async function checkPythonSources(cwd: string, command: readonly string[], env: InstallEnv = {}): Promise<void> {
  const tool = pythonTool(command);
  if (!tool) return;
  const seen = new Set<string>();
  const args = command.slice(1);
  if (tool === 'pip') return checkPipCommandLine(cwd, args, seen, env);
  // uv's project folder: --directory (it changes folder first), --project, or their variables.
  let project = resolve(cwd, env.UV_WORKING_DIRECTORY ?? '.', env.UV_PROJECT ?? '.');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    const dir = tool === 'uv' ? /^--(?:directory|project)(?:=(.*))?$/.exec(a) : null;
    if (dir) project = resolve(project, dir[1] ?? args[++i] ?? '.');
    if (tool === 'uv' ? UV_SOURCE_OPTION.test(a) || uvShortSource(a) : PIPENV_SOURCE_OPTION.test(a)) {
      refuse(`the command line names a package source (${a.split('=')[0]!.slice(0, 40)})`, '<command line>');
    }
    const file = requirementFile(a, args[i + 1]);
    // `pip install https://host/x.whl`, `'x @ git+https://...'`: the client fetches a direct reference itself, not from the index.
    if (URL.test(a) && file === undefined && requirementFile(args[i - 1] ?? '', a) === undefined) refuse('the command line names a package by URL (a direct reference)', '<command line>');
    if (file !== undefined) {
      if (file === args[i + 1]) i++;
      await checkRequirements(resolve(cwd, file), file, seen, 0, env, cwd);
    }
  }
  if (tool === 'pipenv') await checkPipfile(cwd);
  if (tool === 'uv') await checkUvSources(join(project, 'pyproject.toml'), relative(cwd, join(project, 'pyproject.toml')));
}

/**
 * uv's `[tool.uv.sources]` in the project's pyproject.toml: project metadata, read whatever UV_NO_CONFIG says. A
 * source that is a git repository, a URL or a named index (not the firewall's default one) is fetched around the
 * firewall; a path, workspace or editable source is local.
 */
async function checkUvSources(path: string, shown: string): Promise<void> {
  const text = await read(path, shown);
  if (text === undefined) return;
  const { doc } = parseToml(text, shown, 'pyproject.toml');
  const uv = ((doc.tool ?? {}) as Record<string, unknown>).uv as Record<string, unknown> | undefined;
  const sources = uv?.sources;
  if (sources === undefined) return;
  if (typeof sources !== 'object' || sources === null || Array.isArray(sources)) refuse('[tool.uv.sources] that is not a table, so it cannot be checked', shown);
  for (const [name, spec] of Object.entries(sources as Record<string, unknown>)) {
    for (const one of Array.isArray(spec) ? spec : [spec]) {
      if (typeof one !== 'object' || one === null) refuse(`[tool.uv.sources] entry for ${JSON.stringify(name.slice(0, 80))} is not a table, so it cannot be checked`, shown);
      const around = ['git', 'url', 'index'].find((k) => k in (one as object));
      if (around) refuse(`[tool.uv.sources] takes ${JSON.stringify(name.slice(0, 80))} from ${around === 'index' ? 'a named index' : `a ${around} source`}`, shown);
    }
  }
}

/** pipenv's (click's) options naming a source: `--pypi-mirror`, `--index`/`-i`, `--extra-index-url`. */
const PIPENV_SOURCE_OPTION = /^(?:--pypi-mirror|--index|--extra-index-url)(?:=|$)|^-i/;

/** A uv short cluster that reaches `-i` or `-f` before a value-taking letter (`-qf DIR`; `-rreq-f.txt` is a file). */
function uvShortSource(word: string): boolean {
  if (!/^-[A-Za-z]/.test(word)) return false;
  for (const c of word.slice(1)) {
    if (c === 'i' || c === 'f') return true;
    if (UV_VALUE_SHORT.has(c)) return false;
  }
  return false;
}

/** The requirements file WORD names (`-r FILE`, `-rFILE`, `--requirement=FILE`, uv's plural spellings), or undefined. */
function requirementFile(word: string, next: string | undefined): string | undefined {
  const short = /^-[rc]/.exec(word);
  if (short) return word.length > 2 ? word.slice(2) : next;
  const eq = word.indexOf('=');
  const name = eq < 0 ? word : word.slice(0, eq);
  if (!['--requirement', '--constraint'].includes(name) && !UV_REQUIREMENT_FILE.test(name)) return undefined;
  return eq < 0 ? next : word.slice(eq + 1);
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
 * pip's source options in the order a refusal names them: an option that adds a source before one that only changes
 * how sources are used, so `--no-index --find-links ./wheels` is refused for --find-links, where packages come from.
 */
const SOURCE_ORDER = ['--index-url', '--extra-index-url', '--find-links', '--isolated', '--no-index', '--trusted-host', '--proxy'];

/** The source option among WORDS a refusal names (SOURCE_ORDER), or undefined when there is none. */
function sourceOption(words: readonly PipWord[]): PipWord | undefined {
  const found = words.filter((w) => w.option !== undefined && PIP_SOURCE_OPTIONS.includes(w.option));
  return found.sort((a, b) => SOURCE_ORDER.indexOf(a.option!) - SOURCE_ORDER.indexOf(b.option!))[0];
}

/** Refuses a source option, saying what it does: not every one of them names a source. `subject`: `the command line ` or ''. */
function refuseOption(w: PipWord, shown: string, subject: string, file: string, line?: number): never {
  const what = w.option === '--no-index' ? `turns pip's index off (${shown}): pip would then install only from local files, which the firewall never sees`
    : w.option === '--trusted-host' ? `names a trusted host (${shown}): only a source other than the firewall needs one`
      : w.option === '--proxy' ? `names a proxy (${shown}): pip sends every request through it, the firewall's included, so the proxy could answer in its place`
        : `names a package source (${shown}): the install would fetch from it around the firewall`;
  const hint = what.startsWith('names a package source') ? HINT : 'firewall run points the client at the firewall\'s index and nothing else; remove the option.';
  throw new UsageError('USAGE', `${subject}${what}`, { where: { file, ...(line ? { line } : {}) }, hint });
}

/** An option as given, and the one pip reads it as when that differs (`--find-link: pip's --find-links`). */
function optionShown(w: PipWord): string {
  const given = w.given.split('=')[0]!.slice(0, 40);
  return given === w.option ? given : `${given}: pip's ${w.option}`;
}

/**
 * pip's command line, read as pip reads it (pip-args.ts): a source option however abbreviated or clustered is
 * refused; a local archive is refused (pip installs it without the index, so nothing judges it); a local project
 * folder (`.`, `-e ./proj`) is read: direct references in its pyproject.toml are refused as in requirements files.
 */
async function checkPipCommandLine(cwd: string, args: readonly string[], seen: Set<string>, env: InstallEnv): Promise<void> {
  // pip's cli/main.py: `create_command(cmd_name, isolated=("--isolated" in cmd_args))`, a test on the raw words, so
  // `--log --isolated` (an option's value), or `-- --isolated`, still makes pip ignore PIP_INDEX_URL (review F2).
  if (args.includes('--isolated')) refuse('the command line names a package source (--isolated: pip\'s --isolated), as a word anywhere in pip\'s words, where pip finds it and then ignores the firewall\'s PIP_INDEX_URL and PIP_CONFIG_FILE', '<command line>');
  let verb: string | undefined;
  const words = [...pipWords(args)];
  // `--no-deps`: pip installs no dependency of a local project, so its build code's Requires-Dist are not fetched.
  const noDeps = words.some((w) => w.option === '--no-deps');
  for (const w of words) {
    if (w.option && PIP_SOURCE_OPTIONS.includes(w.option)) {
      const source = sourceOption(words)!;
      refuseOption(source, optionShown(source), 'the command line ', '<command line>');
    }
    if (w.option === '--requirement' || w.option === '--constraint') {
      if (w.value !== undefined) await checkRequirements(resolve(cwd, w.value), w.value, seen, 0, env, cwd, noDeps);
      continue;
    }
    if (w.value === undefined) continue;
    // `pip install https://host/x.whl`, `'x @ git+https://...'`: pip fetches a direct reference itself, not from the index.
    if (URL.test(w.value)) refuse('the command line names a package by URL (a direct reference)', '<command line>');
    if (w.option === '--editable') await checkLocal(cwd, w.value, noDeps);
    else if (!w.option) {
      if (verb === undefined) verb = w.value;
      else if (PIP_INSTALLS.has(verb)) await checkLocal(cwd, w.value, noDeps);
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
async function checkLocal(cwd: string, spec: string, noDeps = false): Promise<void> {
  if (DIRECT_REFERENCE.test(spec)) refuse(`the command line names a package by direct reference (${shortArg(spec)})`, '<command line>');
  const path = withoutExtras(spec.split(';')[0]!.trim());
  if (ARCHIVE.test(path)) {
    throw new UsageError('USAGE', `the command line names a local archive (${shortArg(spec)}): pip installs it without the firewall's index, so the policy cannot judge it`, { where: { file: '<command line>' }, hint: 'install the release from the index (publish it there), or list the file in a requirements file, where the policy judges it' });
  }
  const dir = resolve(cwd, path);
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  // pip takes a folder only when the word looks like a path; any folder is read here (fail closed).
  if (isDir) await checkProject(dir, path, noDeps);
}

/** A requirement that names a local project folder: its pyproject.toml checked (checkProject). */
async function checkLocalProject(cwd: string, spec: string, noDeps: boolean): Promise<void> {
  const path = withoutExtras(spec.split(';')[0]!.trim());
  const dir = resolve(cwd, path);
  if (await stat(dir).then((s) => s.isDirectory(), () => false)) await checkProject(dir, path, noDeps);
}

/** A local project's pyproject.toml: a direct reference among its dependencies, extras or build requirements is refused. */
async function checkProject(dir: string, spec: string, noDeps: boolean): Promise<void> {
  const folder = withoutTrailingSeparators(spec) || '.';
  const shown = `${folder}/pyproject.toml`;
  const text = await read(resolve(dir, 'pyproject.toml'), shown);
  const hasSetupPy = await lstat(resolve(dir, 'setup.py')).then(() => true, () => false);
  const parsed = text === undefined ? undefined : parseToml(text, shown, 'pyproject.toml').doc;
  // Dependencies written by the project's code (dynamic, setup.py, in-tree backend) are refused; setuptools' file lists read.
  for (const f of dynamicDependencyFiles(parsed, hasSetupPy, noDeps, shown)) await checkRequirements(resolve(dir, f), `${folder}/${f}`, new Set(), 0, {}, dir, noDeps);
  if (parsed === undefined) return;
  const doc = parsed;
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

/** Folders whose files are not project files: a stream, a process's state or a device (`/dev/stdin`, `/proc/self/fd/0`). */
const NOT_PROJECT_FILES = /^\/(?:dev|proc|sys)(?:\/|$)/;
const HINT_FILE = 'Name a regular file of the project that exists before the install starts (commit it, or write it in an earlier step of the job, outside firewall run).';

/**
 * A file's bytes as the client will read them, or undefined when it does not exist and need not (`required`: a
 * requirements or constraints file, which must). What could read differently later is refused: not a regular file
 * after symlinks (`/dev/stdin`, a FIFO, a folder), or under /dev, /proc or /sys (review F4).
 */
async function readBytes(path: string, shown: string, required = false): Promise<Buffer | undefined> {
  const here = await lstat(path).catch(() => undefined);
  if (!here) {
    if (!required) return undefined;
    throw new UsageError('USAGE', `the requirements file ${JSON.stringify(shown.slice(0, 200))} does not exist before the install runs, so firewall run cannot check the sources it names`, { where: { file: shown }, hint: HINT_FILE });
  }
  const real = await realpath(path).catch(() => undefined);
  const target = real === undefined ? undefined : await stat(real).catch(() => undefined);
  if (real === undefined || !target?.isFile() || NOT_PROJECT_FILES.test(real)) {
    // Named as the user wrote it: where a link leads (`/dev/stdin` is /dev/null with no input) would read as the project.
    const what = real === undefined || !target ? 'a link that leads nowhere' : target.isFile() ? `a file under /${real.split('/')[1]}` : `a ${fileKind(target)}`;
    throw new UsageError('USAGE', `${JSON.stringify(shown.slice(0, 200))} is not a regular file of the project (it is ${what}), so what the client reads from it can differ from what firewall run checks`, { where: { file: shown }, hint: HINT_FILE });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(real);
  } catch (e) {
    throw new UsageError('USAGE', `cannot read ${JSON.stringify(shown.slice(0, 200))} (${(e as NodeJS.ErrnoException).code ?? 'error'}), so its sources cannot be checked`, { where: { file: shown }, hint: HINT_FILE, cause: e });
  }
  if (bytes.length > MAX_FILE_BYTES) throw new UsageError('USAGE', `over ${MAX_FILE_BYTES} bytes, so its sources cannot be checked`, { where: { file: shown } });
  return bytes;
}

async function read(path: string, shown: string): Promise<string | undefined> {
  return (await readBytes(path, shown))?.toString('utf8');
}

/**
 * A requirements or constraints file, line by line as pip reads it (pip-requirements-file.ts): a source option
 * however pip's parser spells it, a URL anywhere on a line, and every `-r`/`-c` it names (followed, relative to
 * the file's folder as pip joins them; a URL one refused).
 */
async function checkRequirements(path: string, shown: string, seen: Set<string>, depth: number, env: InstallEnv, cwd: string, noDeps = false): Promise<void> {
  if (URL.test(shown) || PIP_URL_SCHEME.test(shown)) refuse('a requirements file fetched from a URL', shown);
  if (seen.has(path) || depth > MAX_DEPTH) return;
  seen.add(path);
  const bytes = (await readBytes(path, shown, true))!;
  for (const { line, text, args, options } of requirementLines(bytes, shown, env)) {
    const source = sourceOption(options);
    if (source) refuseOption(source, optionShown(source), '', shown, line);
    if (URL.test(text)) refuse('names a package by URL (a direct reference)', shown, line);
    // A local project folder (`./proj`, `-e ./proj`; pip takes its path from the working folder, not the file's):
    // its pyproject.toml is read as on the command line. A local archive here is a locked file the policy judges.
    for (const local of [args, ...options.filter((w) => w.option === '--editable').map((w) => w.value ?? '')]) {
      // pip joins the path to the working folder; read against the file's folder too (review F5: fail closed).
      if (local) for (const base of new Set([cwd, dirname(path)])) await checkLocalProject(base, local, noDeps);
    }
    for (const w of options) {
      if ((w.option === '--requirement' || w.option === '--constraint') && w.value !== undefined) {
        if (PIP_URL_SCHEME.test(w.value)) refuse('a requirements file fetched from a URL', shown, line);
        await checkRequirements(resolve(dirname(path), w.value), w.value, seen, depth + 1, env, cwd, noDeps);
      }
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
