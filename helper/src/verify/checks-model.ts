/**
 * The result model of `sscs verify`: every check that ran, by name, with its outcome. The JSON output, the
 * JUnit report and the VSA are all rendered from this one model.
 */

/** Every check `sscs verify` can run, in the order it runs them, with the error code its failure carries. */
export const CHECKS = {
  bundle: 'BUNDLE_INVALID',
  tlog: 'TLOG',
  timestamp: 'TIMESTAMP',
  'certificate-chain': 'CERTIFICATE_CHAIN',
  sct: 'SCT',
  key: 'PUBLIC_KEY',
  signature: 'SIGNATURE',
  identity: 'IDENTITY_MISMATCH',
  issuer: 'ISSUER_MISMATCH',
  statement: 'STATEMENT_INVALID',
  'predicate-type': 'PREDICATE_TYPE_MISMATCH',
  'source-repo': 'SOURCE_REPO_MISMATCH',
  'source-ref': 'SOURCE_REF_MISMATCH',
  'source-digest': 'SOURCE_DIGEST_MISMATCH',
  'build-config-uri': 'BUILD_CONFIG_URI_MISMATCH',
  'runner-environment': 'RUNNER_ENVIRONMENT_MISMATCH',
  'deployment-environment': 'DEPLOYMENT_ENVIRONMENT_MISMATCH',
  'pipeline-source': 'PIPELINE_SOURCE_MISMATCH',
  'builder-id': 'BUILDER_ID_MISMATCH',
  'build-type': 'BUILD_TYPE_MISMATCH',
  'artifact-digest': 'ARTIFACT_DIGEST_MISMATCH',
  subject: 'SUBJECT_NOT_FOUND',
} as const;

export type CheckName = keyof typeof CHECKS;
export type CheckCode = (typeof CHECKS)[CheckName];
export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  /** Set when the check failed: the code of the VerificationError. */
  code?: CheckCode;
  /** One sentence: what was checked and what was found. */
  message: string;
  expected?: string;
  actual?: string;
  /** For per-artifact checks (subject, artifact-digest): the artifact as given on the command line. */
  artifact?: string;
  /** Subject check: digest algorithms the matched subject lists that were not compared. */
  unchecked?: string[];
}

export function passed(name: CheckName, message: string, extra: Partial<CheckResult> = {}): CheckResult {
  return { name, status: 'passed', message, ...extra };
}

export function failed(name: CheckName, message: string, extra: Partial<CheckResult> = {}): CheckResult {
  return { name, status: 'failed', code: CHECKS[name], message, ...extra };
}

export function skipped(name: CheckName, message: string): CheckResult {
  return { name, status: 'skipped', message };
}
