/**
 * The GitLab CI/CD predefined variables sscs reads, grouped as the build context groups them.
 * https://docs.gitlab.com/ci/variables/predefined_variables/
 */

/** Needed for any provenance: without them the statement could not say what was built, where or by whom. */
export const REQUIRED_VARIABLES = [
  'CI_SERVER_URL',
  'CI_PROJECT_PATH',
  'CI_PROJECT_URL',
  'CI_PROJECT_ID',
  'CI_COMMIT_SHA',
  'CI_COMMIT_REF_NAME',
  'CI_PIPELINE_ID',
  'CI_PIPELINE_URL',
  'CI_PIPELINE_SOURCE',
  'CI_JOB_ID',
  'CI_JOB_URL',
  'CI_JOB_NAME',
] as const;

/** Recorded when present. */
export const OPTIONAL_VARIABLES = [
  'CI_PROJECT_VISIBILITY',
  'CI_PROJECT_NAMESPACE',
  'CI_COMMIT_TAG',
  'CI_COMMIT_BRANCH',
  'CI_CONFIG_PATH',
  'CI_JOB_STARTED_AT',
  'CI_JOB_IMAGE',
  'CI_RUNNER_ID',
  'CI_RUNNER_DESCRIPTION',
  'CI_RUNNER_VERSION',
  'CI_RUNNER_REVISION',
  'CI_RUNNER_EXECUTABLE_ARCH',
  'CI_RUNNER_TAGS',
  'CI_SERVER_VERSION',
  'CI_PROJECT_DIR',
] as const;

export type RequiredVariable = (typeof REQUIRED_VARIABLES)[number];
export type OptionalVariable = (typeof OPTIONAL_VARIABLES)[number];

/** GitLab's default when a project sets no custom CI configuration path. */
export const DEFAULT_CONFIG_PATH = '.gitlab-ci.yml';

/** The variable GitLab fills from `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`. */
export const DEFAULT_TOKEN_VARIABLE = 'SIGSTORE_ID_TOKEN';

/** The `id_tokens` snippet that gives a job its token, shown in errors. */
export const ID_TOKENS_SNIPPET = `id_tokens:
  SIGSTORE_ID_TOKEN:
    aud: sigstore`;

/** True when the environment is a GitLab CI job. */
export function isGitLabCi(env: NodeJS.ProcessEnv): boolean {
  return env.GITLAB_CI === 'true';
}
