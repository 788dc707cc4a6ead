/**
 * `sh -c 'cd DIR && npm ci'`, the way a CI script most often installs in a subfolder: the install command is read
 * as running in DIR (its .npmrc, lockfile and project files; client-folders.ts, run-report.ts), where the shell will
 * run it. Only that form is read, as the whole shell string: one `cd` with one folder, `&&`, one command. DIR must
 * be a plain relative path inside the project: written out (no `$NAME`), no option, not absolute, no `..` (the
 * shell's logical `..` and the kernel's differ across symbolic links), an existing folder whose real path is inside
 * the project's (no symbolic link out of it), and no CDPATH in the shell's environment (POSIX cd looks a relative
 * folder up in CDPATH first). Anything else with `cd` is refused (UsageError, exit 2) with what was wrong.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import { shellLine } from '../io/shell-quote.js';
import type { SimpleCommand } from './shell-words.js';

/** Where a command runs: the project folder firewall run was started in, and the folder a `cd DIR &&` moved to. */
export interface Folder {
  /** Absent: the caller gave no project folder, and no `cd` is read. */
  root?: string;
  cwd?: string;
}

const HINT_CD = "Write the shell string as 'cd DIR && COMMAND' alone (DIR a relative folder inside the project, written out), or use the client's own folder option (npm --prefix DIR, pnpm -C DIR, yarn --cwd DIR).";

/** Refuses a `cd` in the shell string TOP: WHY says what was wrong. */
export function refuseCd(top: string, why: string, hint = HINT_CD): never {
  throw new UsageError('USAGE', `sscs firewall run: \`${printable(top)}\`: ${why}; firewall run reads a change of folder only as the whole shell string 'cd DIR && COMMAND', DIR a relative folder inside the project, written out`, { hint });
}

/** The first word a simple command runs after `exec` and `command`, which run the builtin all the same. */
const builtin = (words: readonly string[]): string | undefined => words.find((w) => w !== 'exec' && w !== 'command');

/**
 * The folder COMMANDS (a shell string's simple commands, in order) move to when they are `cd DIR && COMMAND`
 * (absolute: the project folder as given, joined with DIR's real path inside it); undefined when no command is a
 * `cd`. ENV: the shell's environment. Throws UsageError (exit 2) for any other use of cd.
 */
export function changeOfFolder(commands: readonly SimpleCommand[], env: Readonly<Record<string, string | undefined>>, at: Folder, top: string): string | undefined {
  const k = commands.findIndex((c) => builtin(c.words) === 'cd');
  if (k < 0) return undefined;
  const cd = commands[k]!;
  if (k !== 0 || cd.words[0] !== 'cd') refuseCd(top, 'cd comes after another command, or through exec or command');
  if (commands.length !== 2 || !commands[1]!.and) refuseCd(top, commands.length === 1 ? 'cd has no command after it' : commands.length > 2 ? `cd is followed by ${commands.length - 1} commands (one install command may follow it)` : "cd is joined to the next command by something other than '&&'");
  if (cd.assignments.length) refuseCd(top, `cd has an assignment before it (${printable(cd.assignments[0]![0])}=...)`);
  if (at.root === undefined) refuseCd(top, 'no project folder is known to read cd against');
  const words = cd.words.slice(1);
  if (words.length !== 1) refuseCd(top, words.length === 0 ? 'cd has no folder (it would go to the home folder)' : `cd has ${words.length} words (give one folder, no option)`);
  // Not shown: a variable's value may be anything the job holds.
  if (cd.expanded?.includes(1)) refuseCd(top, 'cd takes its folder from a variable');
  const dir = words[0]!;
  const shown = `\`${printable(shellLine(['cd', dir]))}\``;
  if (dir.startsWith('-')) refuseCd(top, `${shown} is an option, not a folder`);
  if (dir === '' || isAbsolute(dir) || dir.split('/').includes('..')) refuseCd(top, `${shown} ${dir === '' ? 'names no folder' : isAbsolute(dir) ? 'names an absolute folder' : "goes through '..'"}`);
  if (env.CDPATH) refuseCd(top, `${shown} runs with CDPATH set, so the shell would look for the folder in CDPATH's folders first`, "Unset CDPATH for the install, or use the client's own folder option (npm --prefix DIR, pnpm -C DIR, yarn --cwd DIR).");
  const from = at.cwd ?? at.root;
  let real: string;
  try {
    real = realpathSync(resolve(from, dir));
    if (!statSync(real).isDirectory()) throw new Error('not a folder');
  } catch {
    return refuseCd(top, `${shown}: ${printable(resolve(from, dir))} is not a folder`);
  }
  const inside = relative(realpathSync(at.root), real);
  if (inside === '..' || inside.startsWith('../') || isAbsolute(inside)) refuseCd(top, `${shown}: ${printable(resolve(from, dir))} is a symbolic link out of the project (to ${printable(real)})`);
  return join(at.root, inside);
}

/**
 * An error about a file of a command that runs after `cd DIR` (a requirements file), with the file named from the
 * project folder (`web/requirements.txt`, not `requirements.txt`); any other error as it is.
 */
export function fromProject(e: unknown, root: string, cwd: string | undefined): unknown {
  const file = e instanceof UsageError ? e.where?.file : undefined;
  if (!(e instanceof UsageError) || cwd === undefined || cwd === root || !file || file.startsWith('<') || isAbsolute(file)) return e;
  return new UsageError(e.code, e.message, { where: { ...e.where, file: join(relative(root, cwd), file) }, ...(e.hint !== undefined ? { hint: e.hint } : {}), cause: e });
}
