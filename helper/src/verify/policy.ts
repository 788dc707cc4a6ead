import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

/**
 * What `sscs verify` expects of a bundle: plain data, one field per flag. An undefined field is not checked;
 * the JSON output lists the checks that ran. Identity matching is exact, or a regular expression that is
 * always anchored at both ends, never a substring.
 */
export type StringMatch = { exact: string } | { regexp: string };

export interface VerifyPolicy {
  certificateIdentity?: StringMatch;
  certificateOidcIssuer?: string;
  sourceRepo?: string;
  sourceRef?: StringMatch;
  sourceDigest?: string;
  buildConfigUri?: string;
  runnerEnvironment?: string;
  pipelineSource?: string;
  builderId?: string;
  buildType?: string;
  predicateType?: string;
  /**
   * --deployment-environment: the certificate's DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23, the
   * job's `environment` claim) must equal this, exactly; a certificate without it fails.
   */
  deploymentEnvironment?: string;
  /** --key-builder-id: the builder the verification key belongs to, by the verifier's own policy (key-signed bundles). */
  keyBuilderId?: string;
  /** --insecure-ignore-tlog: part of the policy, so that a VSA's policy digest says a log entry was not required. */
  ignoreTlog?: boolean;
}

/** A GitLab job's Fulcio SAN: https:// + the ci_config_ref_uri claim. Shown in help and hints. */
export const GITLAB_SAN_EXAMPLE = 'https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main';
export const GITLAB_ISSUER_EXAMPLE = 'https://gitlab.com';

/** Bound on a user-given pattern, so that a policy cannot smuggle in a pathological expression. */
const MAX_PATTERN_LENGTH = 1024;

/**
 * The pattern, anchored at both ends. It is compiled on its own first: wrapped unchecked, an unbalanced pattern
 * such as `nomatch)|(.*` would become `^(?:nomatch)|(.*)$`, which compiles and matches any value.
 */
export function anchored(pattern: string): RegExp {
  new RegExp(pattern);
  return new RegExp(`^(?:${pattern})$`);
}

/** Validates a pattern from the command line, naming the flag when it does not compile. */
export function compilePattern(pattern: string, flag: string): RegExp {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new UsageError('USAGE', `--${flag} is over ${MAX_PATTERN_LENGTH} characters`);
  try {
    return anchored(pattern);
  } catch (e) {
    throw new UsageError('USAGE', `--${flag} is not a valid regular expression: ${(e as Error).message}`, { cause: e });
  }
}

export function matches(m: StringMatch, value: string): boolean {
  return 'exact' in m ? value === m.exact : anchored(m.regexp).test(value);
}

export function describeMatch(m: StringMatch): string {
  return 'exact' in m ? m.exact : `/^(?:${m.regexp})$/`;
}

/** Canonical JSON (sorted keys) of the policy, and its digest: the VSA names the policy that was applied. */
export function policyDigest(policy: VerifyPolicy): { canonical: string; sha256: string } {
  const canonical = JSON.stringify(sortKeys(policy));
  return { canonical, sha256: createHash('sha256').update(canonical).digest('hex') };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
