/**
 * JSON Schema of the parameters of sscs's own SLSA build type (schemas/build-type-v1.md documents it).
 * The single source of schemas/build-type-v1.schema.json (npm run schemas) and of the TypeScript types of
 * the predicate sscs writes.
 */
const str = { type: 'string', minLength: 1 } as const;

export const EXTERNAL_PARAMETERS_SCHEMA = {
  type: 'object',
  description: 'Everything a user controls that shaped the build, and nothing else.',
  required: ['source', 'config', 'pipeline'],
  properties: {
    source: {
      type: 'object',
      required: ['repository', 'ref'],
      properties: {
        repository: { ...str, format: 'uri', description: 'The GitLab project that was built (from the token: server + project_path; schemas/build-type-v1.md says where each field comes from).' },
        ref: { type: 'string', pattern: '^refs/(heads|tags)/.+$', description: 'refs/heads/<branch> or refs/tags/<tag>.' },
      },
      additionalProperties: false,
    },
    config: {
      type: 'object',
      required: ['path'],
      properties: {
        path: { ...str, description: 'The pipeline configuration file (from the token: the path in ci_config_ref_uri).' },
        refUri: { ...str, description: "The token's ci_config_ref_uri: <host>/<project>//<path>@<ref>; Fulcio's certificate identity is https:// + this." },
        sha: { type: 'string', pattern: '^[0-9a-f]{40,64}$', description: "The token's ci_config_sha: the commit of the configuration." },
      },
      additionalProperties: false,
    },
    pipeline: {
      type: 'object',
      required: ['source'],
      properties: { source: { ...str, description: 'What triggered the pipeline: push, merge_request_event, schedule, web, api...' } },
      additionalProperties: false,
    },
    job: {
      type: 'object',
      required: ['name'],
      description: 'Absent when trust.factsFrom is verified-token: no claim carries the job name, and a dotenv report can set CI_JOB_NAME.',
      properties: { name: { ...str, description: 'The job that ran, the entry point of the build (CI_JOB_NAME: no claim carries it).' } },
      additionalProperties: false,
    },
    inputs: { type: 'object', description: 'CI/CD component inputs that shaped the build.', additionalProperties: { type: 'string' } },
    variables: { type: 'object', description: 'Variables the user allow-listed by name, with their values.', additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

export const INTERNAL_PARAMETERS_SCHEMA = {
  type: 'object',
  description: 'Facts of the platform: the GitLab instance, the pipeline, the job and the runner.',
  required: ['gitlab', 'runner', 'trust'],
  properties: {
    gitlab: {
      type: 'object',
      required: ['serverUrl', 'projectId', 'pipelineId', 'pipelineUrl', 'jobId'],
      properties: {
        serverUrl: { ...str, format: 'uri' },
        serverVersion: str,
        projectPath: str,
        projectId: str,
        projectVisibility: str,
        pipelineId: str,
        pipelineUrl: { ...str, format: 'uri' },
        jobId: str,
        jobImage: str,
        refProtected: { enum: ['true', 'false'], description: "The token's ref_protected: whether the ref built was a protected branch or tag." },
        environment: { ...str, description: "The token's environment: the GitLab environment the job that wrote this ran in (the isolated-provenance job's provenance_environment)." },
        environmentProtected: { enum: ['true', 'false'], description: "The token's environment_protected: whether that environment was protected (Fulcio does not certify this; a verified token does)." },
      },
      additionalProperties: false,
    },
    runner: {
      type: 'object',
      properties: {
        id: str,
        description: { type: 'string' },
        version: str,
        revision: str,
        arch: str,
        tags: { type: 'array', items: { type: 'string' } },
        environment: { enum: ['gitlab-hosted', 'self-hosted'] },
      },
      additionalProperties: false,
    },
    trust: {
      type: 'object',
      required: ['mode', 'factsFrom'],
      properties: {
        mode: { enum: ['build-job', 'isolated', 'local'], description: 'Who wrote this provenance: the build job itself (L2), an isolated job (L3), or a laptop dry run.' },
        factsFrom: {
          enum: ['verified-token', 'token', 'environment', 'local'],
          description: "verified-token: sscs verified the job's ID token against the instance's keys, and every fact no claim carries is left out; token: the job's ID token (decoded, its signature left to Fulcio) vouched for the source facts; environment: only variables did.",
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const BUILD_TYPE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://sscs.dev/schemas/build-type-v1.schema.json',
  title: 'sscs GitLab CI/CD build type v1: external and internal parameters',
  type: 'object',
  required: ['externalParameters', 'internalParameters'],
  properties: {
    externalParameters: EXTERNAL_PARAMETERS_SCHEMA,
    internalParameters: INTERNAL_PARAMETERS_SCHEMA,
  },
} as const;
