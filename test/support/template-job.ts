import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { execa } from 'execa';
import { CLI, REPO_ROOT } from './cli.js';

export interface TemplateInput {
  description: string;
  type: string;
  default?: unknown;
  options?: string[];
}

/**
 * A single-job component read from templates/: its inputs, its job, and a way to run the job's script with
 * bash as a runner would, inputs interpolated over their defaults, with the `sscs_command` input the compiled CLI
 * and the `path` input this machine's PATH. No template has job variables; any would be applied as GitLab does.
 */
export function templateJob(file: string) {
  const [header, body] = parseAllDocuments(readFileSync(join(REPO_ROOT, 'templates', file), 'utf8')).map((d) => d.toJS());
  const inputs = header.spec.inputs as Record<string, TemplateInput>;
  const job = body['$[[ inputs.as ]]'];
  /** Interpolates `$[[ inputs.x ]]` as GitLab does, for the given input values over the defaults. */
  const interpolate = (text: string, values: Record<string, unknown>): string =>
    text.replace(/\$\[\[\s*inputs\.(\w+)\s*\]\]/g, (_m, name: string) => String(values[name] ?? inputs[name]?.default ?? ''));
  const run = (cwd: string, given: Record<string, unknown>, env: Record<string, string> = {}) => {
    const values = { sscs_command: `${process.execPath} ${CLI}`, path: process.env.PATH, ...given };
    const variables = Object.fromEntries(Object.entries((job.variables ?? {}) as Record<string, string>).map(([k, v]) => [k, interpolate(v, values)]));
    const script = (job.script as string[]).map((line) => interpolate(line, values)).join('\n');
    return execa('bash', ['-eo', 'pipefail', '-c', script], {
      cwd,
      reject: false,
      env: { PATH: process.env.PATH, HOME: cwd, ...env, ...variables },
      extendEnv: false,
      all: true,
    });
  };
  return { inputs, job, run };
}
