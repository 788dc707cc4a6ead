import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { templateJob } from '../support/template-job.js';

/**
 * An instance that issues ID tokens from another URL than its own (ci_id_tokens issuer setting) has its
 * signing certificates name that issuer: the gate expects SSCS_OIDC_ISSUER when the instance sets it, the
 * instance URL otherwise. The job's script is run by bash with the `sscs_command` input printing its arguments.
 */
const { inputs, job } = templateJob('verify-gate.yml');
const given: Record<string, string> = { sscs_command: "printf '%s\\n'", path: process.env.PATH ?? '' };
const script = (job.script as string[]).map((line) => line.replace(/\$\[\[\s*inputs\.(\w+)\s*\]\]/g, (_m, name: string) => given[name] ?? String(inputs[name]?.default ?? ''))).join('\n');

async function expectedIssuer(env: Record<string, string>): Promise<string> {
  const r = await execa('bash', ['-eo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH, ...env }, extendEnv: false, reject: false });
  const args = String(r.stdout).split('\n');
  return args[args.indexOf('--certificate-oidc-issuer') + 1] as string;
}

describe('verify-gate issuer', () => {
  const env = { CI_SERVER_URL: 'https://gitlab.example', CI_COMMIT_REF_NAME: 'main' };
  it('expects the instance URL by default', async () => {
    expect(await expectedIssuer(env)).toBe('https://gitlab.example');
  });
  it('expects SSCS_OIDC_ISSUER where the instance sets it', async () => {
    expect(await expectedIssuer({ ...env, SSCS_OIDC_ISSUER: 'https://oidc.gitlab.example' })).toBe('https://oidc.gitlab.example');
  });
});
