import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';

const files = { 'dist/app.tgz': 'app' };
const statement = (dir: string) => JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8'));
const provenance = (dir: string, env: Record<string, string>, extra: string[] = []) => runCli(['provenance', '--subject', 'dist/app.tgz', '-o', 'p.jsonl', ...extra], { cwd: dir, env });

describe('provenance fields come from the token', () => {
  const token = unsignedJwt(gitlabClaims());

  it.each([
    ['CI_PROJECT_URL', 'https://evil.example/other/repo'],
    ['CI_JOB_URL', 'https://evil.example/other/repo/-/jobs/1'],
    ['CI_PIPELINE_URL', 'https://evil.example/other/repo/-/pipelines/1'],
    ['CI_CONFIG_PATH', 'other.yml'],
  ])('refuses %s that disagrees with the claims, instead of signing it', async (variable, value) => {
    const dir = tempDir(files);
    const r = await provenance(dir, gitlabJobEnv({ SIGSTORE_ID_TOKEN: token, [variable]: value }));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${variable}='${value}' but the token's`);
    expect(r.stderr).not.toContain(token);
  });
});

describe('GitLab instances that issue ID tokens from another URL', () => {
  const ISSUER = 'https://oidc.gitlab.example';
  const token = unsignedJwt(gitlabClaims({ iss: ISSUER }));
  const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: token });

  it('without the issuer configured, an iss that is not CI_SERVER_URL stays an error, and the hint names the setting', async () => {
    const r = await provenance(tempDir(files), env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`CI_SERVER_URL='https://gitlab.example' but the token's iss claim is '${ISSUER}'`);
    expect(r.stderr).toContain('--oidc-issuer or SSCS_OIDC_ISSUER');
  });

  it.each([
    ['--oidc-issuer', [ '--oidc-issuer', ISSUER ], {}],
    ['SSCS_OIDC_ISSUER', [], { SSCS_OIDC_ISSUER: ISSUER }],
    ['the flag over the variable', ['--oidc-issuer', ISSUER], { SSCS_OIDC_ISSUER: 'https://wrong.example' }],
  ])('accepts the configured issuer (%s) and takes the server from ci_config_ref_uri', async (_, flags, vars) => {
    const dir = tempDir(files);
    const r = await provenance(dir, { ...env, ...vars }, flags as string[]);
    expect(r.stderr).toBe('sscs provenance: wrote 1 statement covering 1 subject to p.jsonl\n');
    const def = statement(dir).predicate.buildDefinition;
    expect(def.externalParameters.source.repository).toBe('https://gitlab.example/group/project');
    expect(def.internalParameters.gitlab.serverUrl).toBe('https://gitlab.example');
    expect(statement(dir).predicate.runDetails.metadata.invocationId).toBe('https://gitlab.example/group/project/-/jobs/777');
  });

  it('refuses a token from any other issuer, the variable losing to the flag', async () => {
    const r = await provenance(tempDir(files), { ...env, SSCS_OIDC_ISSUER: ISSUER }, ['--oidc-issuer', 'https://other.example']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`the token's iss claim is '${ISSUER}' but the configured issuer (--oidc-issuer or SSCS_OIDC_ISSUER) is 'https://other.example'`);
  });

  it('keeps every other cross-check', async () => {
    for (const [variable, value] of [['CI_COMMIT_SHA', 'f'.repeat(40)], ['CI_SERVER_URL', 'https://evil.example'], ['CI_PROJECT_URL', 'https://evil.example/group/project']]) {
      const r = await provenance(tempDir(files), { ...env, [variable as string]: value as string }, ['--oidc-issuer', ISSUER]);
      expect(r.exitCode, variable).toBe(2);
      expect(r.stderr).toContain(`${variable}='${value}'`);
    }
  });

  it('finds an instance under a relative root, and one served over http', async () => {
    const rooted = unsignedJwt(gitlabClaims({ iss: ISSUER, ci_config_ref_uri: 'example.com/gitlab/group/project//.gitlab-ci.yml@refs/heads/main' }));
    const rootEnv = gitlabJobEnv({ SIGSTORE_ID_TOKEN: rooted, CI_SERVER_URL: 'https://example.com/gitlab', CI_PROJECT_URL: 'https://example.com/gitlab/group/project', CI_JOB_URL: 'https://example.com/gitlab/group/project/-/jobs/777', CI_PIPELINE_URL: 'https://example.com/gitlab/group/project/-/pipelines/9001' });
    const dir = tempDir(files);
    expect((await provenance(dir, rootEnv, ['--oidc-issuer', ISSUER])).exitCode).toBe(0);
    expect(statement(dir).predicate.buildDefinition.externalParameters.source.repository).toBe('https://example.com/gitlab/group/project');
    const plain = gitlabJobEnv({ SIGSTORE_ID_TOKEN: token, CI_SERVER_URL: 'http://gitlab.example', CI_PROJECT_URL: 'http://gitlab.example/group/project', CI_JOB_URL: 'http://gitlab.example/group/project/-/jobs/777', CI_PIPELINE_URL: 'http://gitlab.example/group/project/-/pipelines/9001' });
    const dir2 = tempDir(files);
    expect((await provenance(dir2, plain, ['--oidc-issuer', ISSUER])).exitCode).toBe(0);
    expect(statement(dir2).predicate.buildDefinition.externalParameters.source.repository).toBe('http://gitlab.example/group/project');
  });

  it('sscs context takes the same setting', async () => {
    expect((await runCli(['context'], { env })).exitCode).toBe(2);
    const r = await runCli(['context'], { env: { ...env, SSCS_OIDC_ISSUER: ISSUER } });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).project.url).toBe('https://gitlab.example/group/project');
  });

  it('refuses a configured issuer that is not an http(s) URL', async () => {
    const r = await provenance(tempDir(files), env, ['--oidc-issuer', 'oidc.gitlab.example']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--oidc-issuer 'oidc.gitlab.example' is not an http(s) URL");
  });
});

describe('SHA-256 repositories', () => {
  const SHA256_COMMIT = 'a1'.repeat(32);
  it('records a 64-hex commit as the gitCommit of the source', async () => {
    const token = unsignedJwt(gitlabClaims({ sha: SHA256_COMMIT, ci_config_sha: SHA256_COMMIT }));
    const dir = tempDir(files);
    const r = await provenance(dir, gitlabJobEnv({ SIGSTORE_ID_TOKEN: token, CI_COMMIT_SHA: SHA256_COMMIT }));
    expect(r.exitCode).toBe(0);
    const def = statement(dir).predicate.buildDefinition;
    expect(def.resolvedDependencies[0]).toEqual({ uri: 'git+https://gitlab.example/group/project@refs/heads/main', digest: { gitCommit: SHA256_COMMIT } });
    expect(def.externalParameters.config.sha).toBe(SHA256_COMMIT);
  });
});
