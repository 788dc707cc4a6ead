import { describe, expect, it } from 'vitest';
import { captureBuildContext } from '../../helper/src/gitlab/context.js';
import { InputError } from '../../helper/src/errors.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';

function captureError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('build context', () => {
  it('captures server, project, source, pipeline, job and runner from the job variables', () => {
    const c = captureBuildContext(gitlabJobEnv());
    expect(c.origin).toBe('environment');
    expect(c.server).toEqual({ url: 'https://gitlab.example', version: '18.6.0-ee' });
    expect(c.project).toMatchObject({ path: 'group/project', id: '4242', url: 'https://gitlab.example/group/project', visibility: 'private' });
    expect(c.source).toMatchObject({ sha: '3f786850e387550fdab836ed7e6dc881de23001b', ref: 'refs/heads/main', refType: 'branch', branch: 'main', configPath: '.gitlab-ci.yml' });
    expect(c.pipeline).toEqual({ id: '9001', url: 'https://gitlab.example/group/project/-/pipelines/9001', source: 'push' });
    expect(c.job).toMatchObject({ id: '777', name: 'build', startedAt: '2026-11-29T10:00:00Z' });
    expect(c.runner).toEqual({ id: '12', description: 'shared-runner-1', version: '18.6.0', revision: 'abc123de', arch: 'linux/amd64', tags: ['docker', 'linux'] });
  });

  it('takes the source facts from the ID token when the job has one', () => {
    const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(gitlabClaims()) });
    const c = captureBuildContext(env);
    expect(c.origin).toBe('token');
    expect(c.source.configRefUri).toBe('gitlab.example/group/project//.gitlab-ci.yml@refs/heads/main');
    expect(c.runner.environment).toBe('self-hosted');
  });

  it('reads the token from another variable when told to', () => {
    const env = gitlabJobEnv({ MY_TOKEN: unsignedJwt(gitlabClaims()) });
    expect(captureBuildContext(env, { tokenVariable: 'MY_TOKEN' }).origin).toBe('token');
  });

  it('records a tag pipeline as refs/tags', () => {
    const env = gitlabJobEnv({ CI_COMMIT_REF_NAME: 'v1.2.0', CI_COMMIT_TAG: 'v1.2.0', CI_COMMIT_BRANCH: undefined });
    const c = captureBuildContext(env);
    expect(c.source).toMatchObject({ ref: 'refs/tags/v1.2.0', refType: 'tag', tag: 'v1.2.0' });
    expect(c.source.branch).toBeUndefined();
  });

  it.each([
    ['CI_COMMIT_REF_NAME', 'release', 'ref'],
    ['CI_COMMIT_SHA', 'ffffffffffffffffffffffffffffffffffffffff', 'sha'],
    ['CI_PROJECT_PATH', 'other/project', 'project_path'],
    ['CI_PIPELINE_SOURCE', 'web', 'pipeline_source'],
    ['CI_SERVER_URL', 'https://evil.example', 'iss'],
  ])('fails when %s disagrees with the token', (variable, value, claim) => {
    const env = gitlabJobEnv({ [variable]: value, SIGSTORE_ID_TOKEN: unsignedJwt(gitlabClaims()) });
    const e = captureError(() => captureBuildContext(env));
    expect(e.code).toBe('CONTEXT_MISMATCH');
    expect(e.message).toContain(`${variable}='${value}'`);
    expect(e.message).toContain(`${claim} claim`);
  });

  it('fails when a branch token meets a tag variable', () => {
    const env = gitlabJobEnv({ CI_COMMIT_TAG: 'v9', SIGSTORE_ID_TOKEN: unsignedJwt(gitlabClaims()) });
    expect(captureError(() => captureBuildContext(env)).code).toBe('CONTEXT_MISMATCH');
  });

  it('lists every missing variable outside CI', () => {
    const e = captureError(() => captureBuildContext({ CI_PROJECT_PATH: 'group/project' }));
    expect(e.code).toBe('CONTEXT_MISSING');
    expect(e.message).toBe('missing GitLab CI/CD variables: CI_SERVER_URL, CI_PROJECT_URL, CI_PROJECT_ID, CI_COMMIT_SHA, CI_COMMIT_REF_NAME, CI_PIPELINE_ID, CI_PIPELINE_URL, CI_PIPELINE_SOURCE, CI_JOB_ID, CI_JOB_URL, CI_JOB_NAME');
    expect(e.hint).toContain('--local');
  });

  it('fills a local dry run from git facts and placeholders', () => {
    const c = captureBuildContext({}, { local: true, localFacts: { sha: 'a'.repeat(40), branch: 'feature' } });
    expect(c.origin).toBe('local');
    expect(c.source).toMatchObject({ sha: 'a'.repeat(40), ref: 'refs/heads/feature' });
  });

  it.each([
    ['not-a-jwt', 'is not a JWT'],
    [`a.${Buffer.from('[1]').toString('base64url')}.c`, 'not a JSON object'],
    [unsignedJwt({ iss: 'x' }), "no 'sub' claim"],
    [unsignedJwt(gitlabClaims({ ref_type: 'commit' })), "'ref_type' claim is 'commit'"],
  ])('rejects a malformed token without printing it (%#)', (token, message) => {
    const e = captureError(() => captureBuildContext(gitlabJobEnv({ SIGSTORE_ID_TOKEN: token })));
    expect(e.code).toBe('TOKEN');
    expect(e.message).toContain(message);
    expect(`${e.message}${e.hint}`).not.toContain(token);
    expect(e.hint).toContain('aud: sigstore');
  });
});

describe('sscs context', () => {
  it('prints the context and the claims, never the token', async () => {
    const { runCli } = await import('../support/cli.js');
    const token = unsignedJwt(gitlabClaims());
    const r = await runCli(['context'], { env: gitlabJobEnv({ SIGSTORE_ID_TOKEN: token }) });
    expect(r.exitCode).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.claims.project_path).toBe('group/project');
    expect(c.source.ref).toBe('refs/heads/main');
    expect(r.stdout + r.stderr).not.toContain(token);
    expect(r.stdout + r.stderr).not.toContain('glcbt-64_job-token-secret-value-do-not-print');
  });
});
