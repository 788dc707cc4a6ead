/**
 * The install command of `firewall run -- COMMAND` as the system will run it, so that the checks judge what really
 * runs, however it is wrapped:
 * - a leading `env` (GNU coreutils: `-i`, `-u NAME`, `NAME=VALUE`) is applied by firewall run itself: its
 *   assignments join the job's environment, which is then filtered and overlaid like the job's own (install-env.ts),
 *   and the command after it is what runs;
 * - `python3 -m pip ...` in every interpreter spelling (`-mpip`, `-I -m pip`, `-W x -m pip`, `pip.__main__`) is
 *   read as pip, and likewise `-m pipenv` and `-m uv`;
 * - a `sh -c`/`bash -c` string is read word for word (shell-words.ts), or refused;
 * - `env`, a shell or an interpreter further in (inside a shell string, or as an argument of another program such
 *   as `timeout 60 env -i npm ci`) is read from there; as firewall run cannot change what it does, an `env -i`, or
 *   a variable firewall run decides (npm_config_registry, PIP_INDEX_URL, UV_CONFIG_FILE...), is refused there.
 * What cannot be read exactly is refused (UsageError, exit 2) with what to write instead.
 */
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import { readShell } from './shell-words.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** One command the install runs, as its program will read it, with the environment it gets. */
export interface Invocation {
  argv: string[];
  env: Env;
}

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
const MODULES: Record<string, string> = { pip: 'pip', 'pip.__main__': 'pip', pipenv: 'pipenv', uv: 'uv' };
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
  const unsupported = (o: string, why: string): never => refuse(`'${printable(shown)}': env's ${o} ${why}, which firewall run does not read`, HINT_ENV);
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
 * and assignments), when a command follows it. Throws UsageError (exit 2) for env options it does not apply.
 */
export function leadingEnv(command: readonly string[], env: Env): { run: string[]; env: Record<string, string> } {
  let run = [...command];
  let current = applyEnv(env, { clear: false, unset: [], assign: [], command: [] });
  while (isEnv(run)) {
    const e = envArgs(run.slice(1), run.join(' '));
    if (e.command.length === 0) break;
    current = applyEnv(current, e);
    run = e.command;
  }
  return { run, env: current };
}

/**
 * Every command in RUN that firewall run can read, with the environment each gets (`env`: the environment RUN
 * starts with). `governs(name)`: the variable decides where the install fetches from, so firewall run sets or
 * drops it; setting it further in than a leading env is refused. Throws UsageError (exit 2).
 */
export function invocations(run: readonly string[], env: Env, governs: (name: string) => boolean): Invocation[] {
  const out: Invocation[] = [];
  read(run, env, 0, run.join(' '), governs, out);
  return out;
}

function read(argv: readonly string[], env: Env, depth: number, top: string, governs: (name: string) => boolean, out: Invocation[]): void {
  if (argv.length === 0) return;
  if (depth > MAX_DEPTH) refuse(`'${printable(top)}' wraps commands in each other more than ${MAX_DEPTH} deep`, 'Give the install command itself.');
  const program = basename(argv[0]!);
  if (program === 'env' && depth > 0) return readNestedEnv(argv, env, depth, top, governs, out);
  if (ELSEWHERE.has(program)) refuse(`'${printable(top)}' runs ${program}, which starts the command as another user, in a container or on another host, with an environment firewall run does not set`, 'Run the install command itself: the job already runs as the user and in the image it needs.');
  if (runsShellString(argv)) refuse(`'${printable(top)}' runs a shell string through ${program} (-c/--call), which firewall run does not read`, 'Give the install command as words, or use sh -c.');
  if (READ_SHELLS.has(program) || OTHER_SHELLS.has(program)) {
    const script = shellScript(argv, program, top);
    if (script !== undefined) {
      if (OTHER_SHELLS.has(program)) refuse(`'${printable(top)}' runs a ${program} string, which firewall run does not read`, 'Give the install command as words, or use sh -c.');
      const startup = Object.keys(env).find((k) => SHELL_STARTUP.test(k) && env[k] !== undefined);
      if (startup) refuse(`'${printable(top)}' runs ${program} with ${startup} in its environment: the shell would read code or parsing rules from it that firewall run does not see`, `Unset ${startup} for the install, or give the install command as words.`);
      for (const c of readShell(script, env)) {
        for (const [name] of c.assignments) if (governs(name)) refuseGoverned(name, top);
        readShellCommand(c.words, { ...env, ...Object.fromEntries(c.assignments) }, depth + 1, top, governs, out);
      }
      return;
    }
  }
  const python = PYTHON.test(program) ? pythonModule(argv) : undefined;
  if (python) return void out.push({ argv: python, env });
  out.push({ argv: [...argv], env });
  // A program this reader knows, named as an argument (`timeout 60 env -i npm ci`, `xargs sh -c ...`, `pipenv run
  // pip ...`), is read from there too: the first one reads the rest. An install client's words are package names,
  // folders and options (`pip install --target env`), not commands, unless its verb runs one (`npm exec`).
  if (installsOnly(argv)) return;
  const at = argv.findIndex((w, i) => i > 0 && known(basename(w)));
  if (at > 0) read(argv.slice(at), env, depth + 1, top, governs, out);
}

/** pip, and npm, pnpm and yarn with a verb other than one that runs a command (`exec`, `x`, `dlx`). */
function installsOnly(argv: readonly string[]): boolean {
  const program = basename(argv[0]!);
  if (PIP.test(program)) return true;
  if (!JS_CLIENTS.has(program)) return false;
  const verb = argv.slice(1).find((w) => !w.startsWith('-'));
  return verb === undefined || !RUNS_A_COMMAND.has(verb);
}

/** `npx -c STRING`, `npm exec --call STRING`: npm runs the string in a shell. */
function runsShellString(argv: readonly string[]): boolean {
  const program = basename(argv[0]!);
  const verb = argv.slice(1).find((w) => !w.startsWith('-'));
  if (program !== 'npx' && !(JS_CLIENTS.has(program) && verb !== undefined && RUNS_A_COMMAND.has(verb))) return false;
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((w) => w === '-c' || w === '--call' || w.startsWith('--call='));
}

const known = (program: string) => program === 'env' || ELSEWHERE.has(program) || READ_SHELLS.has(program) || OTHER_SHELLS.has(program) || PYTHON.test(program) || PIP.test(program) || ['uv', 'uvx', 'pipenv'].includes(program);

function refuseGoverned(name: string, top: string): never {
  return refuse(`'${printable(top)}' sets ${printable(name)} further in than a leading env: it decides where the install fetches from or which client configuration it reads, which firewall run sets or checks in the environment the install starts with`, `Drop ${printable(name)}, or set it with env first on the command line or in the job, where firewall run applies and checks it.`);
}

/** A shell's simple command: stateful builtins refused, `exec` and `command` read through, the rest read. */
function readShellCommand(words: readonly string[], env: Env, depth: number, top: string, governs: (name: string) => boolean, out: Invocation[]): void {
  const first = words[0]!;
  if (STATEFUL_BUILTINS.has(first)) refuse(`'${printable(top)}' runs the shell builtin '${first}', which changes what later commands see or runs a string firewall run cannot read`, 'Give the install command as words, or keep the shell string to the commands themselves.');
  if (first === 'exec' || first === 'command') {
    if ((words[1] ?? '').startsWith('-')) refuse(`'${printable(top)}' runs '${first} ${printable(words[1]!)}', which firewall run does not read`, 'Drop the option.');
    return read(words.slice(1), env, depth, top, governs, out);
  }
  read(words, env, depth, top, governs, out);
}

/** `env` inside another command: firewall run cannot change it, so it may not clear or set what firewall run decides. */
function readNestedEnv(argv: readonly string[], env: Env, depth: number, top: string, governs: (name: string) => boolean, out: Invocation[]): void {
  const e = envArgs(argv.slice(1), top);
  if (e.clear) refuse(`'${printable(top)}' runs env -i further in than a leading env: the install would start without the firewall's settings and fetch around it`, HINT_ENV);
  for (const name of [...e.unset, ...e.assign.map(([n]) => n)]) if (governs(name)) refuseGoverned(name, top);
  read(e.command, applyEnv(env, e), depth + 1, top, governs, out);
}

/** The string a shell runs with `-c`, or undefined when it runs a script file (read as any program is). */
function shellScript(argv: readonly string[], program: string, top: string): string | undefined {
  const bad = (o: string): never => refuse(`'${printable(top)}' starts ${program} with ${printable(o)}, which reads startup files or changes how the string is read`, 'Drop the option.');
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

/** `python [options] -m pip ARGS` as `pip ARGS` (and pipenv, uv); undefined for a script, `-c` or another module. */
function pythonModule(argv: readonly string[]): string[] | undefined {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (PY_LONG_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('--')) continue; // --help, --version: nothing runs
    if (!a.startsWith('-') || a === '-') return undefined;
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
