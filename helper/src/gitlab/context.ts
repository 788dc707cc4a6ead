import { InputError } from '../errors.js';
import { decodeGitLabToken, fullRef, type GitLabClaims } from './oidc.js';
import { DEFAULT_CONFIG_PATH, DEFAULT_TOKEN_VARIABLE, REQUIRED_VARIABLES, isGitLabCi } from './variables.js';
import { crossCheckClaims } from './crosscheck.js';
import { claimFacts, type ClaimFacts } from './claim-facts.js';

/** The build environment of one GitLab CI/CD job, typed and validated. Contains no secret. */
export interface BuildContext {
  server: { url: string; version?: string };
  project: { path: string; url: string; id: string; visibility?: string; namespace?: string; dir?: string };
  source: {
    sha: string;
    /** `refs/heads/<branch>` or `refs/tags/<tag>`. */
    ref: string;
    refName: string;
    refType: 'branch' | 'tag';
    tag?: string;
    branch?: string;
    configPath: string;
    /** From the token: `<host>/<project>//<config path>@<ref>`, the identity Fulcio certifies. */
    configRefUri?: string;
    configSha?: string;
    /** The token's `ref_protected`: `true` when the ref was a protected branch or tag. */
    refProtected?: 'true' | 'false';
  };
  pipeline: { id: string; url: string; source: string };
  /** `name`, `startedAt` and `image` come from variables only: left out when the facts come from a verified token. */
  job: {
    id: string;
    url: string;
    name?: string;
    startedAt?: string;
    image?: string;
    /** The token's `environment` and `environment_protected`: the environment the job ran in, and whether it was protected. */
    environment?: string;
    environmentProtected?: 'true' | 'false';
  };
  runner: { id?: string; description?: string; version?: string; revision?: string; arch?: string; tags?: string[]; environment?: string };
  /**
   * Where the facts came from: `verified-token` when sscs checked the job ID token's signature against the
   * instance's keys (and left out every fact no claim carries), `token` when the token was only decoded (Fulcio
   * checks it when signing keyless), `environment` when only variables said.
   */
  origin: 'verified-token' | 'token' | 'environment' | 'local';
  /** The claims of the job's ID token, when one was present. */
  claims?: GitLabClaims;
}

export interface CaptureOptions {
  /** The variable holding the job's OIDC token. */
  tokenVariable?: string;
  /** Fill what is missing from the local git checkout instead of failing (a dry run on a laptop). */
  local?: boolean;
  /** Facts for local mode, read from git by the caller. */
  localFacts?: { sha?: string; branch?: string; remoteUrl?: string };
  /**
   * The URL this instance issues its ID tokens from, when it is not the instance URL (GitLab's `ci_id_tokens`
   * issuer setting): --oidc-issuer, else SSCS_OIDC_ISSUER. Unset, the token's `iss` must be CI_SERVER_URL.
   */
  expectedIssuer?: string;
  /**
   * Claims whose signature, issuer, audience and times were verified (gitlab/id-token-verify.ts) against the
   * issuer in `expectedIssuer`. Then the token is not decoded again, and facts no claim carries are left out.
   */
  verifiedClaims?: GitLabClaims;
}

/** Claims GitLab puts in every CI/CD ID token that, with a verified token, must come from it and not from a variable. */
const VERIFIED_REQUIRED_CLAIMS = ['project_id', 'pipeline_id', 'pipeline_source', 'job_id'] as const;

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

function parseRunnerTags(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  // GitLab writes CI_RUNNER_TAGS as a JSON array (`["docker", "linux"]`); older runners as a comma list.
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((t) => typeof t === 'string')) return parsed;
  } catch {
    /* a comma-separated list */
  }
  return raw.split(',').map((t) => t.trim()).filter(Boolean);
}

/**
 * Turns the job environment into a build context. Where the job has an ID token, its claims (issued by
 * GitLab, out of reach of the job's script) are the source of truth, and any disagreeing variable (which a
 * script can change) is an error.
 */
export function captureBuildContext(env: NodeJS.ProcessEnv, options: CaptureOptions = {}): BuildContext {
  const tokenVariable = options.tokenVariable ?? DEFAULT_TOKEN_VARIABLE;
  const token = nonEmpty(env[tokenVariable]);
  const verified = options.verifiedClaims !== undefined;
  if (verified && (options.local || options.expectedIssuer === undefined)) {
    throw new InputError('INPUT', 'verified claims need the issuer they were verified against, and are not for a --local run');
  }
  const claims = options.verifiedClaims ?? (token ? decodeGitLabToken(token, tokenVariable) : undefined);
  const v = (name: string) => nonEmpty(env[name]);

  if (!options.local) {
    const missing = REQUIRED_VARIABLES.filter((name) => !v(name));
    if (missing.length > 0) {
      throw new InputError('CONTEXT_MISSING', `missing GitLab CI/CD variables: ${missing.join(', ')}`, {
        hint: isGitLabCi(env)
          ? 'These are predefined in every GitLab CI/CD job; check that the job does not unset them.'
          : "This does not look like a GitLab CI/CD job (GITLAB_CI is not 'true'). Use --local for a dry run outside CI.",
      });
    }
  }
  // A verified iss is the configured issuer: the instance URL when it names the instance ci_config_ref_uri names.
  const facts = claims ? claimFacts(claims, options.expectedIssuer === undefined, verified ? claims.iss : v('CI_SERVER_URL')) : undefined;
  if (claims && facts) crossCheckClaims(env, claims, facts, options.expectedIssuer !== undefined ? { expectedIssuer: options.expectedIssuer } : {});
  if (options.local) return localContext(env, claims, options);
  return verified ? verifiedContext(ciContext(env, claims, facts)) : ciContext(env, claims, facts);
}

/**
 * The context of a verified token keeps only what the claims, or sscs itself, vouch for: a dotenv report of a
 * job this one needs outranks every predefined variable (README, "Dotenv reports"), so CI_JOB_NAME,
 * CI_JOB_IMAGE, CI_JOB_STARTED_AT, CI_SERVER_VERSION and the runner's self-description (which no claim carries)
 * could be anything. Left out rather than recorded unverified in a statement a key then signs as L3.
 */
function verifiedContext(c: BuildContext): BuildContext {
  const { project, job, runner } = c;
  const missing = VERIFIED_REQUIRED_CLAIMS.filter((name) => c.claims?.[name] === undefined || c.claims[name] === '');
  if (missing.length > 0) {
    throw new InputError('TOKEN', `the verified ID token has no ${missing.join(', ')} claim${missing.length === 1 ? '' : 's'}: GitLab puts ${missing.length === 1 ? 'it' : 'them'} in every CI/CD job's token, and provenance will not take ${missing.length === 1 ? 'it' : 'them'} from a variable instead`);
  }
  return {
    ...c,
    server: { url: c.server.url },
    project: { path: project.path, url: project.url, id: project.id, ...opt('visibility', c.claims?.project_visibility), ...opt('namespace', c.claims?.namespace_path) },
    job: { id: job.id, url: job.url, ...opt('environment', job.environment), ...opt('environmentProtected', job.environmentProtected) },
    runner: { ...opt('id', runner.id), ...opt('environment', runner.environment) },
    origin: 'verified-token',
  };
}

/**
 * With a token, every field a claim determines comes from the claims (the variables were checked to agree);
 * the rest comes from variables. schemas/build-type-v1.md lists which is which (provenance/field-sources.ts).
 */
function ciContext(env: NodeJS.ProcessEnv, claims: GitLabClaims | undefined, facts: ClaimFacts | undefined): BuildContext {
  const v = (name: string) => nonEmpty(env[name]);
  const req = (name: string) => v(name) as string;
  const tag = claims ? (claims.ref_type === 'tag' ? claims.ref : undefined) : v('CI_COMMIT_TAG');
  const refType = claims?.ref_type ?? (tag ? 'tag' : 'branch');
  const refName = claims?.ref ?? req('CI_COMMIT_REF_NAME');
  return {
    server: { url: facts?.serverUrl ?? req('CI_SERVER_URL'), ...opt('version', v('CI_SERVER_VERSION')) },
    project: {
      path: claims?.project_path ?? req('CI_PROJECT_PATH'),
      url: facts?.projectUrl ?? req('CI_PROJECT_URL'),
      id: claims?.project_id ?? req('CI_PROJECT_ID'),
      ...opt('visibility', claims?.project_visibility ?? v('CI_PROJECT_VISIBILITY')),
      ...opt('namespace', claims?.namespace_path ?? v('CI_PROJECT_NAMESPACE')),
      ...opt('dir', v('CI_PROJECT_DIR')),
    },
    source: {
      sha: claims?.sha ?? req('CI_COMMIT_SHA'),
      ref: fullRef(refType, refName),
      refName,
      refType,
      ...opt('tag', tag),
      ...opt('branch', refType === 'branch' ? refName : undefined),
      configPath: facts?.config?.path ?? v('CI_CONFIG_PATH') ?? DEFAULT_CONFIG_PATH,
      ...opt('configRefUri', claims?.ci_config_ref_uri),
      ...opt('configSha', claims?.ci_config_sha),
      ...opt('refProtected', flag(claims?.ref_protected)),
    },
    pipeline: { id: claims?.pipeline_id ?? req('CI_PIPELINE_ID'), url: facts?.pipelineUrl ?? req('CI_PIPELINE_URL'), source: claims?.pipeline_source ?? req('CI_PIPELINE_SOURCE') },
    job: {
      id: claims?.job_id ?? req('CI_JOB_ID'),
      url: facts?.jobUrl ?? req('CI_JOB_URL'),
      name: req('CI_JOB_NAME'),
      ...opt('startedAt', v('CI_JOB_STARTED_AT')),
      ...opt('image', v('CI_JOB_IMAGE')),
      ...opt('environment', claims?.environment),
      ...opt('environmentProtected', flag(claims?.environment_protected)),
    },
    runner: runnerFacts(env, claims),
    origin: claims ? 'token' : 'environment',
    ...(claims ? { claims } : {}),
  };
}

function runnerFacts(env: NodeJS.ProcessEnv, claims: GitLabClaims | undefined): BuildContext['runner'] {
  const v = (name: string) => nonEmpty(env[name]);
  return {
    ...opt('id', claims?.runner_id !== undefined ? String(claims.runner_id) : v('CI_RUNNER_ID')),
    ...opt('description', v('CI_RUNNER_DESCRIPTION')),
    ...opt('version', v('CI_RUNNER_VERSION')),
    ...opt('revision', v('CI_RUNNER_REVISION')),
    ...opt('arch', v('CI_RUNNER_EXECUTABLE_ARCH')),
    ...opt('tags', parseRunnerTags(v('CI_RUNNER_TAGS'))),
    ...opt('environment', claims?.runner_environment),
  };
}

/** A laptop dry run: whatever GitLab variables exist are used, the rest comes from git or placeholders. */
function localContext(env: NodeJS.ProcessEnv, claims: GitLabClaims | undefined, options: CaptureOptions): BuildContext {
  const v = (name: string) => nonEmpty(env[name]);
  const facts = options.localFacts ?? {};
  const server = v('CI_SERVER_URL') ?? 'https://gitlab.invalid';
  const path = claims?.project_path ?? v('CI_PROJECT_PATH') ?? 'local/project';
  const projectUrl = v('CI_PROJECT_URL') ?? `${server}/${path}`;
  const refName = claims?.ref ?? v('CI_COMMIT_REF_NAME') ?? facts.branch ?? 'local';
  const refType = claims?.ref_type ?? (v('CI_COMMIT_TAG') ? 'tag' : 'branch');
  const jobId = v('CI_JOB_ID') ?? '0';
  return {
    server: { url: server },
    project: { path, url: projectUrl, id: v('CI_PROJECT_ID') ?? '0', ...opt('dir', v('CI_PROJECT_DIR')) },
    source: {
      sha: claims?.sha ?? v('CI_COMMIT_SHA') ?? facts.sha ?? '0'.repeat(40),
      ref: fullRef(refType, refName),
      refName,
      refType,
      ...opt('branch', refType === 'branch' ? refName : undefined),
      ...opt('tag', refType === 'tag' ? refName : undefined),
      configPath: v('CI_CONFIG_PATH') ?? DEFAULT_CONFIG_PATH,
    },
    pipeline: { id: v('CI_PIPELINE_ID') ?? '0', url: v('CI_PIPELINE_URL') ?? `${projectUrl}/-/pipelines/0`, source: v('CI_PIPELINE_SOURCE') ?? 'local' },
    job: { id: jobId, url: v('CI_JOB_URL') ?? `${projectUrl}/-/jobs/${jobId}`, name: v('CI_JOB_NAME') ?? 'local', ...opt('image', v('CI_JOB_IMAGE')) },
    runner: runnerFacts(env, claims),
    origin: 'local',
    ...(claims ? { claims } : {}),
  };
}

/** GitLab writes boolean claims as the strings `true` and `false`; anything else is not recorded. */
function flag(value: string | undefined): 'true' | 'false' | undefined {
  return value === 'true' || value === 'false' ? value : undefined;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
