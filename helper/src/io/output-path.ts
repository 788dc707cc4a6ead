import { constants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError, systemErrorCode } from '../errors.js';
import { isInside } from './files.js';
import { whyNotRegularOutput } from './path-kind.js';

/** One output option as given: the flag (`--junit`) and its value as the user wrote it. */
export interface OutputOption {
  flag: string;
  path: string;
}

/**
 * Checks, before a command does its work, that each output path can be written the way writeFileAtomic writes it
 * (io/files.ts): the path is a regular file or does not exist (not a folder, symlink, FIFO, socket or device);
 * its missing folders can be created (as every sscs output's are) under the nearest existing one, which is a folder and not a file; and that folder may be written. Two options naming
 * the same file, an empty path, and a path naming one of `inputs` (files the command reads) are refused too.
 * `cwd`: what relative paths are resolved against. Throws UsageError (exit 2) naming the option and the path as given.
 */
export async function checkOutputPaths(cwd: string, options: readonly OutputOption[], inputs: readonly OutputOption[] = []): Promise<void> {
  // `inputs`: files the command reads (--policy), which a report must not replace.
  const seen = new Map<string, string>(inputs.map(({ flag, path }) => [resolve(cwd, path), `${flag} ${path}`]));
  const read = new Set(seen.keys());
  for (const { flag, path } of options) {
    if (path === '') throw new UsageError('USAGE', `${flag} is empty: name the file to write, or leave the option out`);
    const abs = resolve(cwd, path);
    const other = seen.get(abs);
    if (other) throw new UsageError('USAGE', `${flag} ${path} names the same file as ${other}: ${read.has(abs) ? 'the report would replace it' : 'one report would replace the other'}`, { hint: 'Give each report its own file.' });
    seen.set(abs, `${flag} ${path}`);
    const problem = await whyNotWritable(abs, cwd);
    if (problem) throw new UsageError('USAGE', `${flag} ${path}: cannot write the report there: ${problem}`, { hint: 'Name a file in a folder that exists or can be created; the check runs before anything else, so nothing has run yet.' });
  }
}

/** Why `abs` cannot be written as a new or replaced file, or undefined when it can. */
async function whyNotWritable(abs: string, cwd: string): Promise<string | undefined> {
  // lstat: the path itself. A symlink (to a file, dangling, or /dev/stdout), a FIFO, a socket or a device is
  // refused: the report's temp file renamed over it would replace it, and a FIFO would block the write.
  const here = await lstat(abs).catch((e: unknown) => systemErrorCode(e) ?? 'ERROR');
  if (typeof here !== 'string') {
    if (here.isDirectory()) return `${shown(abs, cwd)} is a folder, not a file`;
    if (!here.isFile()) return whyNotRegularOutput(abs, shown(abs, cwd));
  } else if (here !== 'ENOENT' && here !== 'ENOTDIR') {
    return `${shown(abs, cwd)} cannot be checked (${here})`;
  }
  // The nearest folder that exists: the file goes in it, or the missing folders below it are created.
  for (let cur = dirname(abs); ; cur = dirname(cur)) {
    const st = await stat(cur).catch((e: unknown) => systemErrorCode(e) ?? 'ERROR');
    if (typeof st === 'string') {
      if (st !== 'ENOENT' && st !== 'ENOTDIR') return `${shown(cur, cwd)} cannot be checked (${st})`;
      if (dirname(cur) === cur) return `${shown(cur, cwd)} does not exist`;
      continue;
    }
    if (!st.isDirectory()) return `${shown(cur, cwd)} is a file, not a folder`;
    return (await writable(cur, constants.W_OK | constants.X_OK)) ? undefined : `the folder ${shown(cur, cwd)} cannot be written (permission denied)`;
  }
}

const writable = (path: string, mode: number): Promise<boolean> => access(path, mode).then(() => true, () => false);

/** A path relative to the working folder when inside it, as the user most likely wrote it; else absolute. */
function shown(abs: string, cwd: string): string {
  const r = relative(cwd, abs);
  return r && isInside(cwd, abs) && !isAbsolute(r) ? r : abs;
}
