/**
 * The claims of a GitLab CI/CD ID token (`id_tokens:` in .gitlab-ci.yml), as GitLab documents them. The
 * local issuer mints these; Fulcio maps them into certificate extensions. Numeric ids are strings, as GitLab
 * sends them, except runner_id, which GitLab sends as a number (Fulcio parses it as int64).
 */
export interface GitLabClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  namespace_id: string;
  namespace_path: string;
  project_id: string;
  project_path: string;
  user_id: string;
  user_login: string;
  user_email: string;
  pipeline_id: string;
  pipeline_source: string;
  job_id: string;
  ref: string;
  ref_type: 'branch' | 'tag';
  ref_protected: 'true' | 'false';
  /** Set by GitLab only for a job that declares `environment:` (lib/gitlab/ci/jwt.rb), with environment_protected. */
  environment?: string;
  environment_protected?: 'true' | 'false';
  runner_id: number;
  runner_environment: 'gitlab-hosted' | 'self-hosted';
  sha: string;
  ci_config_ref_uri: string;
  ci_config_sha: string;
  project_visibility: 'public' | 'internal' | 'private';
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
}

/** The audience Fulcio requires, and the one `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore` asks GitLab for. */
export const SIGSTORE_AUDIENCE = 'sigstore';
/** GitLab's default lifetime for ID tokens is the job timeout; five minutes is plenty for a signing step. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

const DEFAULT_SHA = '5f0c6e2bd6b4b4a6c2f2f0e1c3b0a9d8e7f6a5b4';

export interface MintOptions {
  /** Seconds from now until `exp`; negative mints an already expired token. */
  expiresIn?: number;
  audience?: string | string[];
  /** Overrides `iss` (the token is still signed by this issuer's key: a token "from another issuer"). */
  issuer?: string;
}

/**
 * Fills in every claim a GitLab job token carries, for group/project on refs/heads/main unless overridden.
 * Derived claims (sub, namespace_path, ci_config_ref_uri) follow the overridden ones unless given themselves.
 */
export function gitLabClaims(issuerUrl: string, overrides: Partial<GitLabClaims> = {}, opts: MintOptions = {}, now = Date.now()): GitLabClaims {
  const lifetime = opts.expiresIn ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  // An expired token was issued in the past, as a real one would have been.
  const iat = Math.floor(now / 1000) + (lifetime > 0 ? 0 : lifetime - DEFAULT_TOKEN_LIFETIME_SECONDS);
  const projectPath = overrides.project_path ?? 'group/project';
  const ref = overrides.ref ?? 'main';
  const refType = overrides.ref_type ?? 'branch';
  const fullRef = `${refType === 'tag' ? 'refs/tags/' : 'refs/heads/'}${ref}`;
  const host = new URL(overrides.iss ?? opts.issuer ?? issuerUrl).host;
  const claims: GitLabClaims = {
    namespace_id: '72',
    namespace_path: projectPath.includes('/') ? projectPath.slice(0, projectPath.lastIndexOf('/')) : projectPath,
    project_id: '20',
    project_path: projectPath,
    user_id: '1',
    user_login: 'alice',
    user_email: 'alice@example.com',
    pipeline_id: '574',
    pipeline_source: 'push',
    job_id: '302',
    ref,
    ref_type: refType,
    ref_protected: 'true',
    runner_id: 1,
    runner_environment: 'gitlab-hosted',
    sha: DEFAULT_SHA,
    ci_config_ref_uri: `${host}/${projectPath}//.gitlab-ci.yml@${fullRef}`,
    ci_config_sha: DEFAULT_SHA,
    project_visibility: 'private',
    jti: crypto.randomUUID(),
    iss: opts.issuer ?? issuerUrl,
    sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
    aud: opts.audience ?? SIGSTORE_AUDIENCE,
    iat,
    nbf: iat - 1,
    exp: Math.floor(now / 1000) + lifetime,
    ...overrides,
  };
  // GitLab adds environment_protected whenever it adds environment; the local issuer protects nothing.
  if (claims.environment !== undefined && claims.environment_protected === undefined) claims.environment_protected = 'false';
  return claims;
}
