/** A realistic GitLab CI/CD job environment, as a runner on gitlab.example would set it. */
export const PROJECT = { server: 'https://gitlab.example', path: 'group/project', id: '4242' };

export function gitlabJobEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    GITLAB_CI: 'true',
    CI: 'true',
    CI_SERVER_URL: PROJECT.server,
    CI_SERVER_VERSION: '18.6.0-ee',
    CI_PROJECT_PATH: PROJECT.path,
    CI_PROJECT_URL: `${PROJECT.server}/${PROJECT.path}`,
    CI_PROJECT_ID: PROJECT.id,
    CI_PROJECT_VISIBILITY: 'private',
    CI_PROJECT_NAMESPACE: 'group',
    CI_COMMIT_SHA: '3f786850e387550fdab836ed7e6dc881de23001b',
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_BRANCH: 'main',
    CI_CONFIG_PATH: '.gitlab-ci.yml',
    CI_PIPELINE_ID: '9001',
    CI_PIPELINE_URL: `${PROJECT.server}/${PROJECT.path}/-/pipelines/9001`,
    CI_PIPELINE_SOURCE: 'push',
    CI_JOB_ID: '777',
    CI_JOB_URL: `${PROJECT.server}/${PROJECT.path}/-/jobs/777`,
    CI_JOB_NAME: 'build',
    CI_JOB_STARTED_AT: '2026-11-29T10:00:00Z',
    CI_JOB_IMAGE: 'node:22@sha256:1111111111111111111111111111111111111111111111111111111111111111',
    CI_RUNNER_ID: '12',
    CI_RUNNER_DESCRIPTION: 'shared-runner-1',
    CI_RUNNER_VERSION: '18.6.0',
    CI_RUNNER_REVISION: 'abc123de',
    CI_RUNNER_EXECUTABLE_ARCH: 'linux/amd64',
    CI_RUNNER_TAGS: '["docker", "linux"]',
    CI_JOB_TOKEN: 'glcbt-64_job-token-secret-value-do-not-print',
    CI_REGISTRY_PASSWORD: 'registry-password-secret-value',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** The claims GitLab would put in this job's ID token. */
export function gitlabClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: PROJECT.server,
    sub: `project_path:${PROJECT.path}:ref_type:branch:ref:main`,
    aud: 'sigstore',
    iat: now,
    nbf: now,
    exp: now + 300,
    namespace_id: '11',
    namespace_path: 'group',
    project_id: PROJECT.id,
    project_path: PROJECT.path,
    pipeline_id: '9001',
    pipeline_source: 'push',
    job_id: '777',
    ref: 'main',
    ref_type: 'branch',
    ref_protected: 'true',
    runner_id: 12,
    runner_environment: 'self-hosted',
    sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    project_visibility: 'private',
    ci_config_ref_uri: `gitlab.example/${PROJECT.path}//.gitlab-ci.yml@refs/heads/main`,
    ci_config_sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    ...overrides,
  };
}

/**
 * A JWT carrying the claims, with a placeholder signature. Provenance only reads claims (Fulcio checks the
 * signature when signing); the signing tests use real tokens from the local Sigstore's issuer.
 */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${enc(claims)}.${Buffer.from('placeholder-signature-bytes').toString('base64url')}`;
}
