import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { InputError, systemErrorCode } from '../errors.js';

/**
 * Why realpath failed, when a symlink is to blame: `path`, or the folder it is in or one above, is a symlink whose
 * target does not exist (ENOENT), or a chain of symlinks that loops (ELOOP). InputError NOT_A_FILE naming the link and
 * what it points to; undefined when no symlink is to blame (the path does not exist: the caller says so).
 */
export function brokenLinkError(path: string, cause: unknown): InputError | undefined {
  const code = systemErrorCode(cause);
  if (code !== 'ENOENT' && code !== 'ELOOP') return undefined;
  // The path itself first, then the folders above it, up to the first one that exists and is not a broken link.
  for (let p = path; ; p = dirname(p)) {
    let st: Stats | undefined;
    try {
      st = lstatSync(p, { throwIfNoEntry: false });
    } catch {
      // ELOOP from a looping folder above, ENOTDIR, EACCES: look further up.
    }
    if (st?.isSymbolicLink()) {
      let why: string | undefined;
      try {
        statSync(p);
      } catch (e) {
        why = systemErrorCode(e) === 'ELOOP' ? 'that leads back to itself (too many levels of symbolic links)' : 'whose target does not exist';
      }
      if (why) {
        let target = '?';
        try {
          target = readlinkSync(p);
        } catch {
          /* removed meanwhile: the message still names the link */
        }
        return new InputError('NOT_A_FILE', `${p} is a symbolic link ${why} (it points to ${JSON.stringify(target)})`, {
          cause,
          hint: 'sscs reads what a symbolic link points to; point it at an existing file inside the project, or remove it.',
        });
      }
      return undefined;
    }
    if (st || p === dirname(p)) return undefined;
  }
}
