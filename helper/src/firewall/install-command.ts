/**
 * The install command of `firewall run -- COMMAND` as the system will run it, so that the checks judge what really
 * runs, however it is wrapped:
 * - a leading `env` (GNU coreutils: `-i`, `-u NAME`, `NAME=VALUE`) is applied by firewall run itself: its
 *   assignments join the job's environment, which is then filtered and overlaid like the job's own (install-env.ts),
 *   and the command after it is what runs;
 * - `python3 -m pip ...` in every interpreter spelling (`-mpip`, `-I -m pip`, `-W x -m pip`, `pip.__main__`) is
 *   read as pip, and likewise `-m pipenv`, `-m uv` and `-m poetry`;
 * - a `sh -c`/`bash -c` string is read word for word (shell-words.ts), or refused; a string that is `cd DIR &&
 *   COMMAND`, DIR a plain relative folder inside the project, is COMMAND run in DIR (change-folder.ts);
 * - `env`, a shell or an interpreter further in (inside a shell string, or as an argument of another program such
 *   as `timeout 60 env -i npm ci`) is read from there; as firewall run cannot change what it does, an `env -i`, or
 *   a variable firewall run decides (npm_config_registry, PIP_INDEX_URL, UV_CONFIG_FILE...), is refused there.
 * What cannot be read exactly is refused (UsageError, exit 2) with what to write instead.
 */
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import { shellLine } from '../io/shell-quote.js';
import { isWrapper, wrappedCommand } from './command-wrappers.js';
import { firstOperands, npmCallsAString } from './js-client-words.js';
import { changeOfFolder, refuseCd, type Folder } from './change-folder.js';
import { readShell } from './shell-words.js';
import { poetryCommand } from './poetry-verbs.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** One command the install runs, as its program will read it, with the environment it gets. */
export interface Invocation {
  argv: string[];
  env: Env;
  /** Which pipeline of the install it is in (commands of one pipeline run at once; 0 for the command itself). */
  pipeline: number;
  /** Files its shell output redirections write. */
  writes?: string[];
  /** It only runs the next invocation (a wrapper, `npm exec`, `pipenv run`): the same command. */
  wraps?: true;
  /** The folder it runs in, when a `cd DIR &&` before it moved there (absolute; change-folder.ts). */
  cwd?: string;
}

const here = (at: Folder): { cwd?: string } => (at.cwd !== undefined ? { cwd: at.cwd } : {});

/** Shells whose `-c` strings are read (POSIX sh, dash, bash, ash). */
const READ_SHELLS = new Set(['sh', 'dash', 'bash', 'ash']);
/** Shells with other expansion rules: their `-c` strings are refused. */
const OTHER_SHELLS = new Set(['zsh', 'ksh', 'ksh93', 'mksh', 'pdksh', 'yash', 'posh', 'fish', 'csh', 'tcsh', 'busybox', 'pwsh']);
/** Shell options that change nothing firewall run reads; `-i`, `-l`, `-s`, `-k`, `-O` and the rc-file options do. */
const SHELL_FLAGS = new Set([...'abefhmnuvxBCEHPTpr']);
const SHELL_LONG = new Set(['--norc', '--noprofile', '--posix', '--noediting', '--restricted']);
/** Environment a shell reads code or parsing rules from before the string: refused (its content is not read). */
const SHELL_STARTUP = /^(?:BASH_ENV|ENV|IFS|SHELLOPTS|BASHOPTS)$|^BASH_FUNC_/;
/** Shell builtins that change what later commands see (folder, variables, definitions) or run a string. */
const STATEFUL_BUILTINS = new Set(['cd', 'pushd', 'popd', 'export', 'unset', 'set', 'eval', '.', 'source', 'alias', 'unalias', 'readonly', 'local', 'declare', 'typeset', 'shopt', 'trap', 'hash', 'enable', 'builtin', 'let', 'read', 'mapfile', 'readarray', 'getopts', 'shift']);
/** Interpreters whose `-m MODULE` is read. */
const PYTHON = /^(?:python|pypy)(?:[0-9][0-9.]*)?$/;
/** Modules run by `-m` that are Python clients firewall run reads, and the program each stands for. */
const MODULES: Record<string, string> = { pip: 'pip', 'pip.__main__': 'pip', pipenv: 'pipenv', uv: 'uv', poetry: 'poetry' };
/** CPython's options that take a value (the rest of the word or the next one); `-c` and `-m` end the options. */
const PYTHON_VALUE = new Set(['W', 'X']);
const PY_LONG_VALUE = new Set(['--check-hash-based-pycs']);
/** GNU env's long options (getopt_long takes an unambiguous prefix). */
const ENV_LONG = ['--ignore-environment', '--null', '--unset', '--chdir', '--split-string', '--block-signal', '--default-signal', '--ignore-signal', '--list-signal-handling', '--debug', '--help', '--version', '--argv0'];
/** pip's program names: `pip`, `pip3`, `pip3.11`, `pip-3.11`. */
const PIP = /^pip(?:-?[0-9][0-9.]*)?$/;
const JS_CLIENTS = new Set(['npm', 'pnpm', 'yarn', 'yarnpkg']);
/** npm, pnpm and yarn verbs whose words are a command to run. */
const RUNS_A_COMMAND = new Set(['exec', 'x', 'dlx']);
/** Programs that run a command as another user, in a container or elsewhere, with an environment of their own (sudo resets it). */
const ELSEWHERE = new Set(['sudo', 'su', 'doas', 'runuser', 'pkexec', 'systemd-run', 'machinectl', 'docker', 'podman', 'nerdctl', 'kubectl', 'ssh', 'flatpak-spawn']);
/** uv's verbs that run a command (`uv run CMD`, `uv tool run CMD`); pipenv's (poetry's: poetry-verbs.ts). */
const RUNS_A_COMMAND_UV = new Set(['run', 'tool']);
const RUNS_A_COMMAND_PY = new Set(['run']);
const PY_RUNNERS = new Set(['uv', 'pipenv']);
/** pip run as a script: its `__main__.py`, its package folder, a zip app (`pip.pyz`, `pip-23.2.pyz`). */
const PIP_SCRIPT = /(?:^|\/)pip(?:\/__main__\.py)?$|(?:^|\/)pip(?:-[0-9][0-9.]*)?\.pyz$/;
/** Programs that run none of their arguments (so a client's name among them is only text). */
const RUNS_NOTHING = new Set(['echo', 'printf', 'true', 'false', ':', 'test', '[', 'which', 'type', 'whereis', 'ls', 'pwd', 'cat', 'mkdir', 'rm', 'cp', 'mv', 'ln', 'touch', 'chmod', 'head', 'tail', 'wc', 'sleep', 'date', 'uname', 'id', 'whoami', 'basename', 'dirname', 'realpath', 'readlink', 'stat', 'du', 'df', 'tee']);
/** Characters that make an argument a string a program may run (a shell line, Python or JavaScript code). */
const STRING_SEPARATOR = /[\s;&|()<>`'"$]/;
const STRING_SEPARATORS = /[\s;&|()<>`'"$,]+/;
/** Long options (and their prefixes, as pip, nopt and getopt take them) that name a package source. */
const SOURCE_LONG = ['--index-url', '--extra-index-url', '--find-links', '--pypi-url', '--isolated', '--trusted-host', '--no-index', '--registry', '--default-index'];
const HINT_WRAPPER = 'Run the install command itself, or through sh -c, env, timeout, nice, nohup, stdbuf, time, ionice, setsid or chronic, which firewall run reads; a script or program that runs installs is not read (see the README).';
/** How deep wrappers may nest before firewall run stops reading (and refuses). */
const MAX_DEPTH = 8;

const HINT_ENV = 'Write env NAME=VALUE... COMMAND first on the install command line (firewall run applies it), or set the variables in the job.';

function refuse(message: string, hint: string): never {
  throw new UsageError('USAGE', `sscs firewall run: ${message}`, { hint });
}

/** What a GNU `env` word list does: the variables it unsets or clears, its assignments, and the command after. */
interface EnvArgs {
  clear: boolean;
  unset: string[];
  assign: [string, string][];
  command: string[];
}

/** GNU coreutils env's arguments; refuses the options firewall run does not apply (-S, -C, -a, -0, unknown). */
function envArgs(args: readonly string[], shown: string): EnvArgs {
  const out: EnvArgs = { clear: false, unset: [], assign: [], command: [] };
  const unsupported = (o: string, why: string): never => refuse(`\`${printable(shown)}\`: env's ${o} ${why}, which firewall run does not read`, HINT_ENV);
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-') out.clear = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      const matches = ENV_LONG.filter((o) => o.startsWith(name));
      const o = matches.includes(name) ? name : matches.length === 1 ? matches[0]! : undefined;
      if (o === '--ignore-environment') out.clear = true;
      else if (o === '--unset') out.unset.push(eq < 0 ? (args[++i] ?? '') : a.slice(eq + 1));
      else if (o === '--debug' || o === '--block-signal' || o === '--default-signal' || o === '--ignore-signal' || o === '--list-signal-handling') continue;
      else if (o === '--split-string') unsupported(a, 'splits a string into the command');
      else if (o === '--chdir') unsupported(a, 'runs the command in another folder');
      else unsupported(a, 'is an option');
    } else if (a.startsWith('-')) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (c === 'i') out.clear = true;
        else if (c === 'v') continue;
        else if (c === 'u') {
          out.unset.push(a.slice(k + 1) || (args[++i] ?? ''));
          break;
        } else if (c === 'S') unsupported(`-${c}`, 'splits a string into the command');
        else if (c === 'C') unsupported(`-${c}`, 'runs the command in another folder');
        else unsupported(`-${c}`, 'is an option');
      }
    } else break;
  }
  for (; i < args.length && args[i]!.includes('='); i++) {
    const a = args[i]!;
    out.assign.push([a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]);
  }
  out.command = args.slice(i);
  return out;
}

function applyEnv(env: Env, e: EnvArgs): Record<string, string> {
  const out: Record<string, string> = {};
  if (!e.clear) for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  for (const name of e.unset) delete out[name];
  for (const [k, v] of e.assign) out[k] = v;
  return out;
}

const isEnv = (argv: readonly string[]) => basename(argv[0] ?? '') === 'env';

/**
 * The command firewall run starts and the job's environment for it: every leading `env` applied (its `-i`, `-u`
 * and assignments), when a command follows it. Throws UsageError (exit 2) for env options it does not apply,
 * showing the command as shell words (io/shell-quote.ts) with each of `secrets` redacted.
 */
export function leadingEnv(command: readonly string[], env: Env, secrets: readonly string[] = []): { run: string[]; env: Record<string, string> } {
  let run = [...command];
  let current = applyEnv(env, { clear: false, unset: [], assign: [], command: [] });
  while (isEnv(run)) {
    const e = envArgs(run.slice(1), shellLine(run, secrets));
    if (e.command.length === 0) break;
    current = applyEnv(current, e);
    run = e.command;
  }
  return { run, env: current };
}

/**
 * Every command in RUN that firewall run can read, with the environment each gets (`env`: the environment RUN
 * starts with). `governs(name)`: the variable decides where the install fetches from, so firewall run sets or
 * drops it; setting it further in than a leading env is refused. Throws UsageError (exit 2), showing RUN as shell
 * words (io/shell-quote.ts) with each of `secrets` redacted.
 */
export function invocations(run: readonly string[], env: Env, governs: (name: string) => boolean, project?: string, secrets: readonly string[] = []): Invocation[] {
  const out: Invocation[] = [];
  read(run, env, 0, shellLine(run, secrets), governs, out, project !== undefined ? { root: project } : {});
  return out;
}

function read(argv: readonly string[], env: Env, depth: number, top: string, governs: (name: string) => boolean, out: Invocation[], at: Folder): void {
  if (argv.length === 0) return;
  if (depth > MAX_DEPTH) refuse(`\`${printable(top)}\` wraps commands in each other more than ${MAX_DEPTH} deep`, 'Give the install command itself.');
  const program = basename(argv[0]!);
  if (program === 'env' && depth > 0) return readNestedEnv(argv, env, depth, top, governs, out, at);
  if (ELSEWHERE.has(program)) refuse(`\`${printable(top)}\` runs ${program}, which starts the command as another user, in a container or on another host, with an environment firewall run does not set`, 'Run the install command itself: the job already runs as the user and in the image it needs.');
  if (runsShellString(argv)) refuse(`\`${printable(top)}\` runs a shell string through ${program} (-c/--call), which firewall run does not read`, 'Give the install command as words, or use sh -c.');
  if (READ_SHELLS.has(program) || OTHER_SHELLS.has(program)) {
    const script = shellScript(argv, program, top);
    if (script !== undefined) {
      if (OTHER_SHELLS.has(program)) refuse(`\`${printable(top)}\` runs a ${program} string, which firewall run does not read`, 'Give the install command as words, or use sh -c.');
      const startup = Object.keys(env).find((k) => SHELL_STARTUP.test(k) && env[k] !== undefined);
      if (startup) refuse(`\`${printable(top)}\` runs ${program} with ${startup} in its environment: the shell would read code or parsing rules from it that firewall run does not see`, `Unset ${startup} for the install, or give the install command as words.`);
      let pipeline = Math.max(0, ...out.map((o) => o.pipeline));
      const commands = readShell(script, env);
      // `cd DIR && COMMAND`: COMMAND is read as running in DIR (change-folder.ts), and the cd is no command of its own.
      const moved = changeOfFolder(commands, env, at, top);
      for (const c of moved ? commands.slice(1) : commands) {
        for (const [name] of c.assignments) if (governs(name)) refuseGoverned(name, top);
        const from = out.length;
        readShellCommand(c.words, { ...env, ...Object.fromEntries(c.assignments) }, depth + 1, top, governs, out, moved ? { ...at, cwd: moved } : at);
        // Every command read from this one (a nested shell's too) is taken as running at once with its pipeline.
        if (!c.piped) pipeline = Math.max(pipeline, ...out.map((o) => o.pipeline)) + 1;
        for (const o of out.slice(from)) {
          o.pipeline = pipeline;
          if (c.writes) o.writes = [...(o.writes ?? []), ...c.writes];
        }
      }
      return;
    }
  }
  if (PYTHON.test(program)) {
    // Read as the client itself: `python -m poetry install` is refused as poetry's, `-m pipenv run CMD` reads CMD.
    const pip = pythonPip(argv);
    if (pip) return read(pip, env, depth + 1, top, governs, out, at);
  }
  const self: Invocation = { argv: [...argv], env, pipeline: 0, ...here(at) };
  out.push(self);
  const inner = commandRun(argv, top);
  if (inner === 'nothing') return;
  if (inner) {
    self.wraps = true;
    read(inner, env, depth + 1, top, governs, out, at);
    // npm's parser drops the first `--` (`npm exec pip -- download -i URL` runs `pip download -i URL`); other
    // clients may not: both readings are checked.
    const dashes = inner.indexOf('--');
    if (dashes > 0 && !isWrapper(program)) read([...inner.slice(0, dashes), ...inner.slice(dashes + 1)], env, depth + 1, top, governs, out, at);
    return;
  }
  refuseHidden(argv, top);
}

/** `npx -c STRING`, `npm --loglevel warn exec --call STRING`, `pnpm exec --shell-mode`: the client runs the string in a shell. */
function runsShellString(argv: readonly string[]): boolean {
  const program = basename(argv[0]!);
  const runs = program === 'npx' || program === 'pnpx' || (JS_CLIENTS.has(program) && firstOperands(argv, 1, program === 'npm').some((i) => RUNS_A_COMMAND.has(argv[i]!)));
  return runs && npmCallsAString(argv.slice(1));
}

/**
 * The command ARGV runs with its words unchanged: a wrapper's (command-wrappers.ts), `npm exec`/`npx`/`pnpm dlx`'s,
 * `pipenv run`/`poetry run`/`uv run`/`uvx`'s, `corepack pnpm`'s. 'nothing': an install client's verb that runs no
 * command (its words are package names, folders and options: `pip install --target env`), or a program known to
 * run none of its arguments (`echo`). undefined: any other program, whose arguments are its own (refuseHidden).
 */
function commandRun(argv: readonly string[], top: string): string[] | 'nothing' | undefined {
  const program = basename(argv[0]!);
  const at = (i: number | undefined): string[] | 'nothing' => (i === undefined ? 'nothing' : argv.slice(i));
  if (isWrapper(program)) return wrappedCommand(program, argv, (what) => refuse(`\`${printable(top)}\` gives ${what}`, HINT_WRAPPER));
  if (PIP.test(program) || RUNS_NOTHING.has(program)) return 'nothing';
  if (program === 'npx' || program === 'pnpx' || program === 'uvx') return at(firstOperands(argv, 1, program === 'npx')[0]);
  if (program === 'poetry') {
    // A verb that resolves or downloads is refused (poetry-verbs.ts); `poetry run CMD` is CMD.
    const run = poetryCommand(argv, top);
    return run === 'nothing' ? run : at(firstOperands(argv, run + 1, false)[0]);
  }
  if (JS_CLIENTS.has(program) || PY_RUNNERS.has(program)) {
    const runs = program === 'uv' ? RUNS_A_COMMAND_UV : JS_CLIENTS.has(program) ? RUNS_A_COMMAND : RUNS_A_COMMAND_PY;
    const verb = firstOperands(argv, 1, program === 'npm').find((i) => runs.has(argv[i]!));
    if (verb === undefined) return 'nothing';
    const from = program === 'uv' && argv[verb] === 'tool' ? verb + 1 : verb;
    return at(firstOperands(argv, from + 1, program === 'npm')[0]);
  }
  if (program === 'corepack') {
    const word = argv[1] ?? '';
    const client = word.includes('@') ? word.slice(0, word.indexOf('@')) : word;
    return JS_CLIENTS.has(client) || client === 'npx' || client === 'pnpx' ? [client, ...argv.slice(2)] : 'nothing';
  }
  return undefined;
}

/**
 * Any other program's arguments are its own, and firewall run does not know what it does with them (`xargs`
 * appends words, `find -exec`, `parallel`, `flock -c`, `script -c`, `watch`, `node -e`, `python -c` run them):
 * an install client, shell or wrapper named among them, in a word or inside a string, or an argument that looks
 * like a pip or npm source option, is refused (review F3, F6, F8).
 */
function refuseHidden(argv: readonly string[], top: string): void {
  const program = basename(argv[0]!);
  for (const word of argv.slice(1)) {
    const tokens = STRING_SEPARATOR.test(word) ? word.split(STRING_SEPARATORS) : [word];
    const named = tokens.find((t) => t !== '' && known(basename(t)));
    if (named !== undefined) refuse(`\`${printable(top)}\` names ${printable(named.slice(0, 80))} in an argument of ${printable(program)}, which firewall run does not read through (it may add words to that command or run it as a string)`, HINT_WRAPPER);
  }
  const source = sourceLike(argv.slice(1));
  if (source !== undefined) refuse(`\`${printable(top)}\` passes ${printable(source)} to ${printable(program)}, which firewall run does not read: if it is an install client under another name, it would fetch around the firewall`, 'Run pip, npm, pnpm, yarn, uv or pipenv by their own names (or python -m pip), where firewall run reads their options.');
}

/** An argument that looks like a pip, uv or npm package-source option: a long one or its prefix, or `-i`/`-f` with a URL. */
function sourceLike(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.split('=')[0]!;
    if (name.length >= 5 && name.startsWith('--') && SOURCE_LONG.some((o) => o.startsWith(name))) return name;
    if (/^--@[^=]*:registry(?:=|$)/.test(a)) return name;
    if (/^-[if]/.test(a) && a.length >= 2 && (a.length > 2 ? a : (args[i + 1] ?? '')).includes('://')) return a.slice(0, 2);
  }
  return undefined;
}

const known = (program: string) => program === 'env' || program === 'xargs' || program === 'corepack' || isWrapper(program) || ELSEWHERE.has(program) || READ_SHELLS.has(program) || OTHER_SHELLS.has(program) || PYTHON.test(program) || PIP.test(program) || JS_CLIENTS.has(program) || program === 'npx' || program === 'pnpx' || ['uv', 'uvx', 'pipenv', 'poetry'].includes(program);

function refuseGoverned(name: string, top: string): never {
  return refuse(`\`${printable(top)}\` sets ${printable(name)} further in than a leading env: it decides where the install fetches from or which client configuration it reads, which firewall run sets or checks in the environment the install starts with`, `Drop ${printable(name)}, or set it with env first on the command line or in the job, where firewall run applies and checks it.`);
}

/** A shell's simple command: stateful builtins refused, `exec` and `command` read through, the rest read. */
function readShellCommand(words: readonly string[], env: Env, depth: number, top: string, governs: (name: string) => boolean, out: Invocation[], at: Folder): void {
  let k = 0;
  // `command export X=1` and `exec command cd DIR` run the builtin all the same: read through to it first.
  for (; words[k] === 'exec' || words[k] === 'command'; k++) {
    if ((words[k + 1] ?? '').startsWith('-')) refuse(`\`${printable(top)}\` runs \`${printable(shellLine([words[k]!, words[k + 1]!]))}\`, which firewall run does not read`, 'Drop the option.');
  }
  const first = words[k];
  if (first === undefined) return;
  if (first === 'cd') refuseCd(top, "in a form other than 'cd DIR && COMMAND' as the whole shell string");
  if (STATEFUL_BUILTINS.has(first)) refuse(`\`${printable(top)}\` runs the shell builtin '${first}', which changes what later commands see or runs a string firewall run cannot read`, 'Give the install command as words, or keep the shell string to the commands themselves.');
  read(words.slice(k), env, depth, top, governs, out, at);
}

/** `env` inside another command: firewall run cannot change it, so it may not clear or set what firewall run decides. */
function readNestedEnv(argv: readonly string[], env: Env, depth: number, top: string, governs: (name: string) => boolean, out: Invocation[], at: Folder): void {
  const e = envArgs(argv.slice(1), top);
  if (e.clear) refuse(`\`${printable(top)}\` runs env -i further in than a leading env: the install would start without the firewall's settings and fetch around it`, HINT_ENV);
  for (const name of [...e.unset, ...e.assign.map(([n]) => n)]) if (governs(name)) refuseGoverned(name, top);
  read(e.command, applyEnv(env, e), depth + 1, top, governs, out, at);
}

/** The string a shell runs with `-c`, or undefined when it runs a script file (read as any program is). */
function shellScript(argv: readonly string[], program: string, top: string): string | undefined {
  const bad = (o: string): never => refuse(`\`${printable(top)}\` starts ${program} with ${printable(o)}, which reads startup files or changes how the string is read`, 'Drop the option.');
  let command = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || a === '-') return command ? argv[i + 1] : undefined;
    if (a.startsWith('--')) {
      if (!SHELL_LONG.has(a)) bad(a);
      continue;
    }
    if (!/^[-+][A-Za-z]/.test(a)) return command ? a : undefined;
    for (const c of a.slice(1)) {
      if (c === 'c') command = true;
      else if (c === 'o') i++;
      else if (!SHELL_FLAGS.has(c)) bad(`${a[0]}${c}`);
    }
  }
  return undefined;
}

/**
 * `python [options] -m pip ARGS` as `pip ARGS` (and pipenv, uv), and pip run as a script path: `python
 * .../site-packages/pip/__main__.py ARGS`, the package folder `.../pip`, a zip app `pip.pyz` (review F8).
 * undefined for `-c`, another module or another script (their arguments are judged by refuseHidden).
 */
function pythonPip(argv: readonly string[]): string[] | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (PY_LONG_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('--')) continue; // --help, --version: nothing runs
    if (a === '-') return undefined;
    if (!a.startsWith('-')) {
      let end = a.length;
      while (end > 1 && a[end - 1] === '/') end--; // a folder's trailing slashes, in one pass
      return PIP_SCRIPT.test(a.slice(0, end)) ? ['pip', ...argv.slice(i + 1)] : undefined;
    }
    for (let k = 1; k < a.length; k++) {
      const c = a[k]!;
      if (c === 'c') return undefined;
      if (c === 'm') {
        const module = a.slice(k + 1) || argv[++i];
        const tool = module === undefined ? undefined : MODULES[module];
        return tool ? [tool, ...argv.slice(i + 1)] : undefined;
      }
      if (PYTHON_VALUE.has(c)) {
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  return undefined;
}
