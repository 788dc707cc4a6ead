import { InputError } from '../errors.js';
import type { GitLabClaims } from './oidc.js';

/**
 * Pairs of (variable, claim) that must agree. The claim is what GitLab issued; the variable is what the
 * job's environment says, which a script can change. A disagreement means someone tampered with the
 * environment (or the token belongs to another job), so provenance must not be written.
 */
const PAIRS: readonly { variable: string; claim: keyof GitLabClaims; normalise?: (v: string) => string }[] = [
  { variable: 'CI_PROJECT_PATH', claim: 'project_path' },
  { variable: 'CI_PROJECT_ID', claim: 'project_id' },
  { variable: 'CI_COMMIT_SHA', claim: 'sha' },
  { variable: 'CI_COMMIT_REF_NAME', claim: 'ref' },
  { variable: 'CI_PIPELINE_ID', claim: 'pipeline_id' },
  { variable: 'CI_PIPELINE_SOURCE', claim: 'pipeline_source' },
  { variable: 'CI_JOB_ID', claim: 'job_id' },
  { variable: 'CI_RUNNER_ID', claim: 'runner_id' },
  { variable: 'CI_PROJECT_VISIBILITY', claim: 'project_visibility' },
  { variable: 'CI_PROJECT_NAMESPACE', claim: 'namespace_path' },
  // The issuer is the GitLab instance URL; a trailing slash is not a difference.
  { variable: 'CI_SERVER_URL', claim: 'iss', normalise: (v) => v.replace(/\/+$/, '') },
];

export function crossCheckClaims(env: NodeJS.ProcessEnv, claims: GitLabClaims): void {
  const mismatches: string[] = [];
  for (const { variable, claim, normalise = (v: string) => v } of PAIRS) {
    const fromEnv = env[variable];
    const fromClaim = claims[claim];
    if (fromEnv === undefined || fromEnv === '' || fromClaim === undefined) continue;
    if (normalise(String(fromEnv)) !== normalise(String(fromClaim))) {
      mismatches.push(`${variable}='${fromEnv}' but the token's ${claim} claim is '${String(fromClaim)}'`);
    }
  }
  // A tag pipeline's token says ref_type tag; CI_COMMIT_TAG must then name the same tag, and be absent otherwise.
  const tag = env.CI_COMMIT_TAG;
  if (claims.ref_type === 'tag' && tag && tag !== claims.ref) mismatches.push(`CI_COMMIT_TAG='${tag}' but the token's ref claim is '${claims.ref}'`);
  if (claims.ref_type === 'branch' && tag) mismatches.push(`CI_COMMIT_TAG='${tag}' is set but the token was issued for branch '${claims.ref}'`);
  if (mismatches.length > 0) {
    throw new InputError('CONTEXT_MISMATCH', `the job environment disagrees with its ID token:\n  ${mismatches.join('\n  ')}`, {
      hint: 'The token is issued by GitLab and cannot be changed by the job; the variables can. Provenance takes the token, so it refuses to record a build whose environment was altered.',
    });
  }
}
