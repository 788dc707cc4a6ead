import { BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED, BUILDER_ID_LOCAL, SLSA_PROVENANCE_V1 } from '../provenance/constants.js';
import type { VerifyPolicy } from './policy.js';
import { SLSA_PROVENANCE_V02 } from './provenance-fields.js';
import { FULCIO_EXTENSIONS, type SignerIdentity } from './signer.js';

/**
 * The SLSA Build level a verified bundle proves (https://slsa.dev/spec/v1.0/levels). A statement's builder.id
 * is written by whoever signed it, so it only ever lowers the level: the level is the lower of what the
 * statement claims and what the signature proves about who signed it.
 *
 * - Keyless: a GitLab job's certificate proves L2 (a hosted build platform's job signed it). It proves L3 only
 *   when its DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23, GitLab's `environment` claim) equals the
 *   provenance environment the verifier expects (--deployment-environment): GitLab writes that claim from the
 *   job's definition, so a build step in another job cannot obtain it. Without that check any job of the
 *   project, the build job included, holds a certificate with the same identity.
 * - Key-signed: only the verifier's own policy says which builder holds the key (--key-builder-id); without
 *   it, the key proves signed provenance, L1. A key signs whatever the statement says, so the isolated builder's
 *   key proves L3 only for a statement that says its facts come from an ID token sscs verified against the
 *   instance's keys (trust.factsFrom `verified-token`); a key-signed statement built from a token that was only
 *   decoded (which a dotenv report can forge in a key-signing job) proves L2 at most.
 */

export type SlsaBuildLevel = 'SLSA_BUILD_LEVEL_0' | 'SLSA_BUILD_LEVEL_1' | 'SLSA_BUILD_LEVEL_2' | 'SLSA_BUILD_LEVEL_3';

/** sscs's builders: a build job signing its own output is L2, an isolated provenance job L3, a laptop run L0. */
export const BUILDER_LEVELS: ReadonlyMap<string, SlsaBuildLevel> = new Map([
  [BUILDER_ID_BUILD_JOB, 'SLSA_BUILD_LEVEL_2'],
  [BUILDER_ID_ISOLATED, 'SLSA_BUILD_LEVEL_3'],
  [BUILDER_ID_LOCAL, 'SLSA_BUILD_LEVEL_0'],
]);

const DEPLOYMENT_ENVIRONMENT_OID = FULCIO_EXTENSIONS.deploymentEnvironment;
const ORDER: readonly SlsaBuildLevel[] = ['SLSA_BUILD_LEVEL_0', 'SLSA_BUILD_LEVEL_1', 'SLSA_BUILD_LEVEL_2', 'SLSA_BUILD_LEVEL_3'];

export interface BuildLevel {
  level: SlsaBuildLevel;
  /** What the statement's builder.id would give on its own. */
  claimed: SlsaBuildLevel;
  /** The most the signature proves. */
  proven: SlsaBuildLevel;
  /** One sentence: which verified fact set the level. */
  basis: string;
}

export interface LevelFacts {
  signedWith: 'certificate' | 'public-key';
  signer?: SignerIdentity;
  predicateType?: string;
  builderId?: string;
  /** The statement's internalParameters.trust.factsFrom (sscs's build type). */
  factsFrom?: string;
}

/** trust.factsFrom of provenance whose ID token `sscs provenance --verify-id-token` verified. */
const VERIFIED_TOKEN = 'verified-token';

const lower = (a: SlsaBuildLevel, b: SlsaBuildLevel): SlsaBuildLevel => (ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b);

function provenByCertificate(policy: VerifyPolicy, signer: SignerIdentity | undefined): { level: SlsaBuildLevel; basis: string } {
  const env = signer?.extensions.deploymentEnvironment;
  if (policy.deploymentEnvironment !== undefined && env === policy.deploymentEnvironment) {
    return { level: 'SLSA_BUILD_LEVEL_3', basis: `certificate extension ${DEPLOYMENT_ENVIRONMENT_OID} (DeploymentEnvironment) is '${env}', the expected provenance environment` };
  }
  // A CI platform's job: Fulcio writes the build signer URI (1.9) and runner environment (1.11) only for those.
  if (signer?.extensions.buildSignerUri !== undefined && signer.extensions.runnerEnvironment !== undefined) {
    const why = policy.deploymentEnvironment === undefined
      ? `no --deployment-environment was checked, and without certificate extension ${DEPLOYMENT_ENVIRONMENT_OID} any job of the project could have signed`
      : `certificate extension ${DEPLOYMENT_ENVIRONMENT_OID} is ${env === undefined ? 'absent' : `'${env}'`}, not the expected provenance environment`;
    return { level: 'SLSA_BUILD_LEVEL_2', basis: `a CI job's certificate (${why})` };
  }
  return { level: 'SLSA_BUILD_LEVEL_1', basis: 'a certificate that names no CI build platform job' };
}

function provenByKey(policy: VerifyPolicy, factsFrom: string | undefined): { level: SlsaBuildLevel; basis: string } {
  if (policy.keyBuilderId === undefined) return { level: 'SLSA_BUILD_LEVEL_1', basis: 'a trusted key, with no --key-builder-id saying which builder holds it' };
  const level = BUILDER_LEVELS.get(policy.keyBuilderId) ?? 'SLSA_BUILD_LEVEL_1';
  if (level === 'SLSA_BUILD_LEVEL_3' && factsFrom !== VERIFIED_TOKEN) {
    return {
      level: 'SLSA_BUILD_LEVEL_2',
      basis: `the key belongs to builder ${policy.keyBuilderId} by the verifier's policy (--key-builder-id), but the statement's facts are not from a verified ID token (trust.factsFrom is ${factsFrom === undefined ? 'absent' : `'${factsFrom}'`}, not '${VERIFIED_TOKEN}'), and a key signs whatever it is given`,
    };
  }
  return { level, basis: `the key belongs to builder ${policy.keyBuilderId} by the verifier's policy (--key-builder-id)` };
}

/** The level of a verified bundle; not for a bundle that failed any check. */
export function provenBuildLevel(policy: VerifyPolicy, facts: LevelFacts): BuildLevel {
  if (facts.predicateType !== SLSA_PROVENANCE_V1 && facts.predicateType !== SLSA_PROVENANCE_V02) {
    return { level: 'SLSA_BUILD_LEVEL_0', claimed: 'SLSA_BUILD_LEVEL_0', proven: 'SLSA_BUILD_LEVEL_0', basis: 'the bundle holds no SLSA provenance' };
  }
  const claimed = (facts.builderId !== undefined && BUILDER_LEVELS.get(facts.builderId)) || 'SLSA_BUILD_LEVEL_1';
  const proof = facts.signedWith === 'certificate' ? provenByCertificate(policy, facts.signer) : provenByKey(policy, facts.factsFrom);
  const level = lower(claimed, proof.level);
  const builder = facts.builderId ?? 'no builder';
  const basis = ORDER.indexOf(level) < ORDER.indexOf(claimed)
    ? `the provenance names ${builder} (${claimed}), but the signature proves no more than ${proof.level}: ${proof.basis}`
    : `the provenance names ${builder} (${claimed}), and the signature proves up to ${proof.level}: ${proof.basis}`;
  return { level, claimed, proven: proof.level, basis };
}
