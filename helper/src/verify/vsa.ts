import { STATEMENT_TYPE_V1 } from '../provenance/constants.js';
import type { SlsaBuildLevel } from './level.js';
import { policyDigest, type VerifyPolicy } from './policy.js';
import type { VerifyReport } from './verifier.js';

/**
 * A SLSA Verification Summary Attestation (https://slsa.dev/spec/v1.0/verification_summary): an in-toto
 * statement saying which artifacts sscs verified, when, against which policy and inputs, and with what result.
 * Written for a failed verification too, with verificationResult FAILED.
 */

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
/** Who verified: sscs's verify command. */
export const VERIFIER_ID = 'https://sscs.dev/verifier/v1';
/** What the policy digest is a digest of: the canonical JSON of sscs verify's policy (its flags as data). */
export const POLICY_URI = 'https://sscs.dev/gitlab-ci/verify-policy/v1';
export const SLSA_VERSION = '1.0';

/** The level verified: the one the signature proves (see level.ts); nothing when verification failed. */
export function verifiedLevels(report: VerifyReport): SlsaBuildLevel[] {
  return report.verified && report.slsaBuildLevel ? [report.slsaBuildLevel.level] : [];
}

export interface VsaOptions {
  policy: VerifyPolicy;
  verifierVersion: string;
  /** The resource the artifacts were verified as, e.g. a package URL; default: the matched subject or artifact name. */
  resourceUri?: string;
  now?: Date;
}

export function buildVsa(report: VerifyReport, opts: VsaOptions): object {
  const first = report.artifacts[0];
  return {
    _type: STATEMENT_TYPE_V1,
    subject: report.artifacts.map((a) => ({ name: a.subject ?? a.name, digest: a.digests })),
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: VERIFIER_ID, version: { sscs: opts.verifierVersion } },
      timeVerified: (opts.now ?? new Date()).toISOString(),
      resourceUri: opts.resourceUri ?? first?.subject ?? first?.name ?? '',
      policy: { uri: POLICY_URI, digest: { sha256: policyDigest(opts.policy).sha256 } },
      inputAttestations: [{ uri: report.bundle.path, digest: { sha256: report.bundle.sha256 } }],
      verificationResult: report.verified ? 'PASSED' : 'FAILED',
      verifiedLevels: verifiedLevels(report),
      slsaVersion: SLSA_VERSION,
    },
  };
}
