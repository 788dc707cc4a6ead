import { InputError } from '../errors.js';
import { decodeJwtClaims } from '../io/jwt.js';
import { ID_TOKENS_SNIPPET } from './variables.js';

/**
 * The claims of a GitLab CI/CD ID token that sscs reads.
 * https://docs.gitlab.com/ci/secrets/id_token_authentication/#token-payload
 */
export interface GitLabClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp?: number;
  iat?: number;
  project_path: string;
  project_id?: string;
  namespace_path?: string;
  namespace_id?: string;
  ref: string;
  ref_type: 'branch' | 'tag';
  ref_protected?: string;
  sha: string;
  ci_config_ref_uri?: string;
  ci_config_sha?: string;
  pipeline_id?: string;
  pipeline_source?: string;
  job_id?: string;
  runner_id?: number | string;
  runner_environment?: 'gitlab-hosted' | 'self-hosted';
  project_visibility?: string;
  environment?: string;
  environment_protected?: string;
  user_login?: string;
}

const REQUIRED_STRING_CLAIMS = ['iss', 'sub', 'project_path', 'ref', 'ref_type', 'sha'] as const;
const OPTIONAL_STRING_CLAIMS = [
  'project_id', 'namespace_path', 'namespace_id', 'ref_protected', 'ci_config_ref_uri', 'ci_config_sha',
  'pipeline_id', 'pipeline_source', 'job_id', 'runner_environment', 'project_visibility', 'environment', 'environment_protected', 'user_login',
] as const;

function tokenError(variable: string, message: string): InputError {
  return new InputError('TOKEN', `${variable}: ${message}`, {
    where: { field: `$${variable}` },
    hint: `GitLab sets the token when the job declares:\n${ID_TOKENS_SNIPPET}`,
  });
}

/**
 * Decodes the claims of a job's OIDC token. The signature is not checked here: the token is only read for
 * the claims that GitLab put in it, and Fulcio checks the signature when it issues a certificate for it.
 * Never includes the token in an error.
 */
export function decodeGitLabToken(token: string, variable: string): GitLabClaims {
  const decoded = decodeJwtClaims(token);
  if ('problem' in decoded) throw tokenError(variable, `the token ${decoded.problem}`);
  const c = decoded.claims;
  for (const name of REQUIRED_STRING_CLAIMS) {
    if (typeof c[name] !== 'string' || c[name] === '') throw tokenError(variable, `the token has no '${name}' claim: it is not a GitLab CI/CD ID token`);
  }
  for (const name of OPTIONAL_STRING_CLAIMS) {
    if (c[name] !== undefined && typeof c[name] !== 'string') throw tokenError(variable, `the token's '${name}' claim is not a string`);
  }
  if (c.ref_type !== 'branch' && c.ref_type !== 'tag') throw tokenError(variable, `the token's 'ref_type' claim is '${String(c.ref_type)}', expected branch or tag`);
  if (typeof c.aud !== 'string' && !(Array.isArray(c.aud) && c.aud.every((a) => typeof a === 'string'))) {
    throw tokenError(variable, "the token has no 'aud' claim");
  }
  return c as unknown as GitLabClaims;
}

/** `refs/heads/main` or `refs/tags/v1.0.0`, as Fulcio writes the source ref (extension 1.14). */
export function fullRef(refType: 'branch' | 'tag', ref: string): string {
  return `${refType === 'tag' ? 'refs/tags' : 'refs/heads'}/${ref}`;
}
