/**
 * Before `npm run pipeline:local` runs anything: gitlab-ci-local reads the pipeline (`--list-json`, which runs no
 * job) with the same flags, so that a pipeline it cannot read, or a --job it does not have, is bad input (exit 2,
 * one line) rather than a stack trace and exit 1, which the README keeps for "a job failed".
 */
import { execa } from 'execa';

/** The pipeline cannot be run as asked: its YAML, includes or schema, or a job name. */
export class PipelineInputError extends Error {}

const MAX_LIST_BYTES = 16 * 1024 * 1024;

/** The one line of gitlab-ci-local's output that says what is wrong (`YAMLException: ...`, an error line). */
export function gitlabCiLocalError(output: string): string {
  const lines = output.split('\n').map((l) => l.trimEnd());
  const named = lines.find((l) => /^[A-Za-z]*(Error|Exception)\b.*:/.test(l.trim()));
  if (named) return named.trim();
  const last = lines.filter((l) => l.trim() !== '' && !/^\s+at /.test(l) && !/^\s*\d+ \|/.test(l) && !/^-+\^/.test(l)).at(-1);
  return last?.trim() ?? 'gitlab-ci-local failed with no message';
}

/**
 * Lists the pipeline's jobs with gitlab-ci-local (`args` are the flags of the real run, without --needs) and
 * checks that every job in `jobs` is one of them. Throws PipelineInputError otherwise.
 */
export async function checkPipeline(nodeArgs: string[], opts: { cwd: string; env: Record<string, string>; jobs?: string[]; timeoutMs: number }): Promise<string[]> {
  const r = await execa(process.execPath, [...nodeArgs, '--list-json'], { cwd: opts.cwd, env: opts.env, extendEnv: false, reject: false, timeout: opts.timeoutMs, maxBuffer: MAX_LIST_BYTES });
  if (r.exitCode !== 0) throw new PipelineInputError(`gitlab-ci-local cannot read the pipeline: ${gitlabCiLocalError(`${String(r.stderr)}\n${String(r.stdout)}`)}`);
  let names: string[];
  try {
    const list = JSON.parse(String(r.stdout)) as { name?: unknown }[];
    names = list.map((j) => j.name).filter((n): n is string => typeof n === 'string');
  } catch {
    throw new PipelineInputError('gitlab-ci-local listed the pipeline in a form this tool does not read (--list-json)');
  }
  const missing = (opts.jobs ?? []).filter((j) => !names.includes(j));
  if (missing.length > 0) {
    throw new PipelineInputError(`--job ${missing.map((j) => `'${j}'`).join(', ')}: no such job in the pipeline (its jobs: ${names.join(', ') || 'none'})`);
  }
  return names;
}
