import { promisify } from 'node:util';

/** git answers in milliseconds; a hung git (a network remote, a lock) must not hang the dry run. */
const GIT_TIMEOUT_MS = 5_000;

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    // Loaded here, not at the top: only a --local dry run needs child_process, and every job pays its load.
    const { execFile } = await import('node:child_process');
    const { stdout } = await promisify(execFile)('git', args, { cwd, timeout: GIT_TIMEOUT_MS });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Facts of the local git checkout for a --local dry run; each is absent when git cannot tell. */
export async function localGitFacts(cwd: string): Promise<{ sha?: string; branch?: string }> {
  const [sha, branch] = await Promise.all([git(cwd, ['rev-parse', 'HEAD']), git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD'])]);
  return { ...(sha ? { sha } : {}), ...(branch && branch !== 'HEAD' ? { branch } : {}) };
}
