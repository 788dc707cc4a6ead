import { execa } from 'execa';

/** git with a fixed identity and branch, and a HOME of `cwd`, so that no user or system setting reaches it. */
function git(args: string[], cwd: string) {
  return execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd } });
}

/** Makes the folder `repo` (its files already written) a git repository with one commit; its `git+file://` URL. */
export async function commitGitRepo(repo: string): Promise<string> {
  await git(['init', '-q'], repo);
  await git(['add', '.'], repo);
  await git(['commit', '-q', '-m', 'v1'], repo);
  return `git+file://${repo}`;
}
