import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The compiled CLI, as users run it. `npm test` builds it first. */
export const CLI = fileURLToPath(new URL('../../helper/dist/cli.js', import.meta.url));
/** The single-file bundle. */
export const BUNDLE = fileURLToPath(new URL('../../helper/dist/sscs.mjs', import.meta.url));

/** Where the shared read-only fixtures live; SSCS_FIXTURES overrides it. */
export const FIXTURES = process.env.SSCS_FIXTURES ?? fileURLToPath(new URL('../../../shared/fixtures', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sscs` as a separate process with exactly the environment given (plus PATH, HOME and TMPDIR), so that the
 * developer's or CI's own variables never leak into a test.
 */
export async function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    // TMPDIR too: the run's own temporary folder (run-tmpdir.ts), removed when the run ends.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}), ...opts.env },
    extendEnv: false,
    stripFinalNewline: false,
    reject: false,
    timeout: opts.timeoutMs ?? 120_000,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
