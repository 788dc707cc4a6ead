import { BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED, BUILDER_ID_LOCAL, SLSA_PROVENANCE_V1, STATEMENT_TYPE_V1 } from '../provenance/constants.js';
import { SLSA_PROVENANCE_V02 } from './provenance-fields.js';
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

export type SlsaBuildLevel = 'SLSA_BUILD_LEVEL_0' | 'SLSA_BUILD_LEVEL_1' | 'SLSA_BUILD_LEVEL_2' | 'SLSA_BUILD_LEVEL_3';

/** sscs's builders: a build job signing its own output is L2, an isolated provenance job L3, a laptop run L0. */
export const BUILDER_LEVELS: ReadonlyMap<string, SlsaBuildLevel> = new Map([
  [BUILDER_ID_BUILD_JOB, 'SLSA_BUILD_LEVEL_2'],
  [BUILDER_ID_ISOLATED, 'SLSA_BUILD_LEVEL_3'],
  [BUILDER_ID_LOCAL, 'SLSA_BUILD_LEVEL_0'],
]);

/**
 * The build level verified: the level of the builder that signed provenance (by builder id), L1 for verified
 * provenance from a builder not in the map, L0 without provenance. Nothing when verification failed.
 */
export function verifiedLevels(report: VerifyReport, builderLevels: ReadonlyMap<string, SlsaBuildLevel>): SlsaBuildLevel[] {
  if (!report.verified) return [];
  const type = report.statement?.predicateType;
  if (type !== SLSA_PROVENANCE_V1 && type !== SLSA_PROVENANCE_V02) return ['SLSA_BUILD_LEVEL_0'];
  const builder = report.provenance?.builderId;
  return [(builder && builderLevels.get(builder)) || 'SLSA_BUILD_LEVEL_1'];
}

export interface VsaOptions {
  policy: VerifyPolicy;
  verifierVersion: string;
  /** Builder id to level; default BUILDER_LEVELS. */
  builderLevels?: ReadonlyMap<string, SlsaBuildLevel>;
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
      verifiedLevels: verifiedLevels(report, opts.builderLevels ?? BUILDER_LEVELS),
      slsaVersion: SLSA_VERSION,
    },
  };
}
