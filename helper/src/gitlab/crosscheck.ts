import { InputError } from '../errors.js';
import type { ClaimFacts } from './claim-facts.js';
import type { GitLabClaims } from './oidc.js';

/**
 * Pairs of (variable, claim) that must agree. The claim is what GitLab issued; the variable is what the
 * job's environment says, which a script can change. A disagreement means someone tampered with the
 * environment (or the token belongs to another job), so provenance must not be written.
 */
const PAIRS: readonly { variable: string; claim: keyof GitLabClaims }[] = [
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
];

/** Variables whose values are built from claims (claim-facts.ts), and the claims each is built from. */
const DERIVED: readonly { variable: string; fact: (f: ClaimFacts) => string | undefined; from: string }[] = [
  { variable: 'CI_SERVER_URL', fact: (f) => f.serverUrl, from: 'iss (or, with a configured issuer, ci_config_ref_uri)' },
  { variable: 'CI_PROJECT_URL', fact: (f) => f.projectUrl, from: 'server and project_path' },
  { variable: 'CI_JOB_URL', fact: (f) => f.jobUrl, from: 'project URL and job_id' },
  { variable: 'CI_PIPELINE_URL', fact: (f) => f.pipelineUrl, from: 'project URL and pipeline_id' },
];

/** A URL compared as GitLab writes it: a trailing slash is not a difference. */
const sameUrl = (a: string, b: string) => a.replace(/(?<!\/)\/+$/, '') === b.replace(/(?<!\/)\/+$/, '');

export interface CrossCheckOptions {
  /** The issuer the instance's tokens come from, when it is not the instance URL (--oidc-issuer). */
  expectedIssuer?: string;
}

/**
 * Checks every variable that a claim, or a fact built from claims, determines. Throws one CONTEXT_MISMATCH
 * listing each disagreement.
 */
export function crossCheckClaims(env: NodeJS.ProcessEnv, claims: GitLabClaims, facts: ClaimFacts, options: CrossCheckOptions = {}): void {
  const mismatches: string[] = [];
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : (env[name] as string));
  for (const { variable, claim } of PAIRS) {
    const fromEnv = set(variable);
    const fromClaim = claims[claim];
    if (fromEnv === undefined || fromClaim === undefined) continue;
    if (fromEnv !== String(fromClaim)) mismatches.push(`${variable}='${fromEnv}' but the token's ${claim} claim is '${String(fromClaim)}'`);
  }
  // The issuer: the instance itself unless a separate issuer is configured; never whatever the token says.
  if (options.expectedIssuer !== undefined) {
    if (!sameUrl(claims.iss, options.expectedIssuer)) mismatches.push(`the token's iss claim is '${claims.iss}' but the configured issuer (--oidc-issuer or SSCS_OIDC_ISSUER) is '${options.expectedIssuer}'`);
  } else {
    const server = set('CI_SERVER_URL');
    if (server !== undefined && !sameUrl(server, claims.iss)) mismatches.push(`CI_SERVER_URL='${server}' but the token's iss claim is '${claims.iss}'`);
  }
  for (const { variable, fact, from } of DERIVED) {
    const fromEnv = set(variable);
    const derived = fact(facts);
    if (fromEnv === undefined || derived === undefined) continue;
    // In GitLab's default setup the server check above already compared CI_SERVER_URL with iss.
    if (variable === 'CI_SERVER_URL' && options.expectedIssuer === undefined) continue;
    if (!sameUrl(fromEnv, derived)) mismatches.push(`${variable}='${fromEnv}' but the token's claims (${from}) give '${derived}'`);
  }
  const config = configMismatch(set('CI_CONFIG_PATH'), facts);
  if (config) mismatches.push(config);
  // A tag pipeline's token says ref_type tag; CI_COMMIT_TAG must then name the same tag, and be absent otherwise.
  const tag = env.CI_COMMIT_TAG;
  if (claims.ref_type === 'tag' && tag && tag !== claims.ref) mismatches.push(`CI_COMMIT_TAG='${tag}' but the token's ref claim is '${claims.ref}'`);
  if (claims.ref_type === 'branch' && tag) mismatches.push(`CI_COMMIT_TAG='${tag}' is set but the token was issued for branch '${claims.ref}'`);
  if (mismatches.length > 0) {
    throw new InputError('CONTEXT_MISMATCH', `the job environment disagrees with its ID token:\n  ${mismatches.join('\n  ')}`, {
      hint:
        'The token is issued by GitLab and cannot be changed by the job; the variables can. Provenance takes the token, so it refuses to record a build whose environment was altered.' +
        (options.expectedIssuer === undefined && mismatches.some((m) => m.startsWith('CI_SERVER_URL='))
          ? '\nIf this instance issues its ID tokens from another URL (the ci_id_tokens issuer setting), pass that issuer with --oidc-issuer or SSCS_OIDC_ISSUER.'
          : ''),
    });
  }
}

/**
 * CI_CONFIG_PATH is `<path>` for the project's own file, or `<path>@<group>/<project>[:<ref>]` for a file in
 * another project; ci_config_ref_uri names the same file, its project and the ref it was read at.
 */
function configMismatch(variable: string | undefined, facts: ClaimFacts): string | undefined {
  if (variable === undefined || !facts.config) return undefined;
  const at = variable.indexOf('@');
  const path = at === -1 ? variable : variable.slice(0, at);
  const project = at === -1 ? undefined : beforeColon(variable.slice(at + 1));
  const claimProject = facts.config.project;
  if (path === facts.config.path && (project === undefined || project === claimProject)) return undefined;
  return `CI_CONFIG_PATH='${variable}' but the token's ci_config_ref_uri claim names '${facts.config.path}' in ${claimProject}`;
}

/** `s` up to the first `:` after its last `/` (`s.replace(/:[^/]*$/, '')`, which was O(n²) on `:::…`). */
function beforeColon(s: string): string {
  const colon = s.indexOf(':', s.lastIndexOf('/') + 1);
  return colon < 0 ? s : s.slice(0, colon);
}
