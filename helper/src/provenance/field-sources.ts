/**
 * Where each field of sscs's build type comes from: the single source of the "source" columns of
 * schemas/build-type-v1.md (rendered by `npm run docs`, checked by test/provenance/field-sources.test.ts,
 * which also forges each variable in a job that has a token and checks that sscs does what this table says).
 */
export interface FieldSource {
  /** Path in the predicate, e.g. `externalParameters.source.repository`. */
  field: string;
  /** With an ID token: the claims it is built from; absent when no claim determines it. */
  claims?: string;
  /** The variable it comes from without a token (or always, when no claim determines it). */
  variable?: string;
  /** With a token, the variable is cross-checked: a disagreeing value stops provenance (exit 2). */
  checked?: boolean;
  /** Where it comes from when neither claims nor a variable: a flag, or sscs itself. */
  other?: string;
  meaning: string;
}

const EXTERNAL: FieldSource[] = [
  { field: 'source.repository', claims: 'server + `/` + `project_path`', variable: 'CI_PROJECT_URL', checked: true, meaning: 'the project that was built' },
  { field: 'source.ref', claims: '`ref`, `ref_type`', variable: 'CI_COMMIT_REF_NAME', checked: true, meaning: '`refs/heads/<branch>` or `refs/tags/<tag>` (`CI_COMMIT_TAG` is checked too)' },
  { field: 'config.path', claims: 'the path in `ci_config_ref_uri`', variable: 'CI_CONFIG_PATH', checked: true, meaning: 'the pipeline configuration file' },
  { field: 'config.refUri', claims: '`ci_config_ref_uri`', meaning: '`<host>/<project>//<path>@<ref>`: Fulcio\'s certificate identity is `https://` + this; its ref is the ref the configuration was read at' },
  { field: 'config.sha', claims: '`ci_config_sha`', meaning: 'the commit the configuration was read from' },
  { field: 'pipeline.source', claims: '`pipeline_source`', variable: 'CI_PIPELINE_SOURCE', checked: true, meaning: '`push`, `merge_request_event`, `schedule`, `web`, `api`, ...' },
  { field: 'job.name', variable: 'CI_JOB_NAME', meaning: 'the job that ran: the entry point (no claim carries it)' },
  { field: 'inputs', other: '`--input KEY=VALUE`', meaning: 'CI/CD component inputs that shaped the build' },
  { field: 'variables', other: '`--allow-variable NAME`', meaning: 'variables the user allow-listed by name, with their values; secret-looking names are refused' },
];

const INTERNAL: FieldSource[] = [
  { field: 'gitlab.serverUrl', claims: 'server: `iss`, or with a configured issuer (`--oidc-issuer`) the host in `ci_config_ref_uri`', variable: 'CI_SERVER_URL', checked: true, meaning: 'the GitLab instance' },
  { field: 'gitlab.serverVersion', variable: 'CI_SERVER_VERSION', meaning: 'its version' },
  { field: 'gitlab.projectPath', claims: '`project_path`', variable: 'CI_PROJECT_PATH', checked: true, meaning: 'the project' },
  { field: 'gitlab.projectId', claims: '`project_id`', variable: 'CI_PROJECT_ID', checked: true, meaning: 'its numeric id' },
  { field: 'gitlab.projectVisibility', claims: '`project_visibility`', variable: 'CI_PROJECT_VISIBILITY', checked: true, meaning: '`public`, `internal` or `private`' },
  { field: 'gitlab.pipelineId', claims: '`pipeline_id`', variable: 'CI_PIPELINE_ID', checked: true, meaning: 'the pipeline' },
  { field: 'gitlab.pipelineUrl', claims: 'source.repository + `/-/pipelines/` + `pipeline_id`', variable: 'CI_PIPELINE_URL', checked: true, meaning: 'its page' },
  { field: 'gitlab.jobId', claims: '`job_id`', variable: 'CI_JOB_ID', checked: true, meaning: 'the job' },
  { field: 'gitlab.refProtected', claims: '`ref_protected`', meaning: '`true` when the ref was a protected branch or tag' },
  { field: 'gitlab.environment', claims: '`environment`', meaning: 'the environment the job that wrote the provenance ran in (`environment:` of the job)' },
  { field: 'gitlab.environmentProtected', claims: '`environment_protected`', meaning: '`true` when that environment was protected: with a signing key and a verified token, the one place a verifier can read it (Fulcio does not certify it)' },
  { field: 'gitlab.jobImage', variable: 'CI_JOB_IMAGE', meaning: 'the job\'s image (no claim carries it)' },
  { field: 'runner.id', claims: '`runner_id`', variable: 'CI_RUNNER_ID', checked: true, meaning: 'the runner' },
  { field: 'runner.environment', claims: '`runner_environment`', meaning: '`gitlab-hosted` or `self-hosted`' },
  { field: 'runner.description', variable: 'CI_RUNNER_DESCRIPTION', meaning: 'what the runner says of itself (no claim carries it)' },
  { field: 'runner.version', variable: 'CI_RUNNER_VERSION', meaning: 'likewise' },
  { field: 'runner.revision', variable: 'CI_RUNNER_REVISION', meaning: 'likewise' },
  { field: 'runner.arch', variable: 'CI_RUNNER_EXECUTABLE_ARCH', meaning: 'likewise' },
  { field: 'runner.tags', variable: 'CI_RUNNER_TAGS', meaning: 'likewise' },
  { field: 'trust.mode', other: '`--builder`', meaning: '`build-job` (the build job wrote this: SLSA Build L2), `isolated` (a separate job the build could not touch: L3), `local` (a dry run)' },
  { field: 'trust.factsFrom', other: 'sscs', meaning: '`token` when the job\'s ID token vouched for the facts marked as claims here, `environment` when only variables did' },
];

const OTHER: FieldSource[] = [
  { field: 'resolvedDependencies[0].uri', claims: '`git+` source.repository `@` source.ref', variable: 'CI_PROJECT_URL', checked: true, meaning: 'the source' },
  { field: 'resolvedDependencies[0].digest.gitCommit', claims: '`sha`', variable: 'CI_COMMIT_SHA', checked: true, meaning: 'the commit: 40 hex digits (SHA-1) or 64 (a SHA-256 repository)' },
  { field: 'runDetails.metadata.invocationId', claims: 'source.repository + `/-/jobs/` + `job_id`', variable: 'CI_JOB_URL', checked: true, meaning: 'the job\'s page' },
  { field: 'runDetails.metadata.startedOn', variable: 'CI_JOB_STARTED_AT', meaning: 'when the job started (no claim carries it)' },
];

/** Every field, with its full path in the predicate's buildDefinition/runDetails. */
export const FIELD_SOURCES: readonly FieldSource[] = [
  ...EXTERNAL.map((f) => ({ ...f, field: `buildDefinition.externalParameters.${f.field}` })),
  ...INTERNAL.map((f) => ({ ...f, field: `buildDefinition.internalParameters.${f.field}` })),
  ...OTHER.map((f) => ({ ...f, field: f.field.startsWith('run') ? f.field : `buildDefinition.${f.field}` })),
];

function source(f: FieldSource): [string, string] {
  const variable = f.variable ? `\`${f.variable}\`` : f.other ?? '';
  // With a verified token (`--verify-id-token`, trust.factsFrom verified-token) a field no claim carries is left out.
  if (!f.claims) return [f.variable ? 'left out when verified (`--verify-id-token`); else as without one' : '', variable];
  const withToken = f.variable ? `token: ${f.claims}${f.checked ? `; \`${f.variable}\` must agree` : ''}` : `token: ${f.claims}`;
  return [withToken, f.variable ? variable : '(absent)'];
}

/** The markdown tables of schemas/build-type-v1.md, one per section. */
export function renderFieldSourceTables(): Record<'external' | 'internal' | 'other', string> {
  const table = (rows: FieldSource[]) =>
    ['| field | with an ID token | without one (or no claim) | meaning |', '|---|---|---|---|', ...rows.map((f) => {
      const [withToken, without] = source(f);
      return `| \`${f.field}\` | ${withToken || '—'} | ${without} | ${f.meaning} |`;
    })].join('\n');
  return { external: table(EXTERNAL), internal: table(INTERNAL), other: table(OTHER) };
}
