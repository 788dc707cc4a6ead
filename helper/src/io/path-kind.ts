import { lstatSync } from 'node:fs';

/**
 * Why an output path cannot be written by replacing it, or undefined when it can: it does not exist, or it is a
 * regular file. Anything else that exists is refused, looked at with lstat (the path itself, not where it leads):
 * the temp file renamed over a symlink replaces the link (as root, `-o /dev/stdout` replaced the system's
 * /dev/stdout link with a file), renaming over a device or FIFO replaces the node, and writing into a FIFO in
 * place blocks until something reads it. `shown`: the path as the message should name it.
 * Self-contained (node:fs only): the CLI checks every output option with it before a command runs.
 */
export function whyNotRegularOutput(abs: string, shown: string): string | undefined {
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    // Missing (or under a missing folder, or unreadable): the write itself reports what stops it.
    return undefined;
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return `${shown} is a folder, not a file`;
  const kind = st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'character device' : 'block device';
  return `${shown} is a ${kind}, not a regular file${kind === 'symlink' ? ' (sscs does not write through or replace symlinks)' : ''}`;
}
