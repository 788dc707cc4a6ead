/** The in-toto Statement v1 type. */
export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';
/** The SLSA Provenance v1 predicate type. */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** DSSE payload type of an in-toto statement. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** sscs's own build type; its document is schemas/build-type-v1.md. */
export const BUILD_TYPE = 'https://sscs.dev/gitlab-ci/build-type/v1';

/**
 * Builder ids, one per trust mode. A build job that signs its own output (SLSA Build L2) is a different
 * builder from an isolated provenance job that the build's steps cannot touch (L3): a verifier pins one.
 */
export const BUILDER_ID_BUILD_JOB = 'https://sscs.dev/gitlab-ci/builder/build-job/v1';
export const BUILDER_ID_ISOLATED = 'https://sscs.dev/gitlab-ci/builder/isolated/v1';
/** A laptop dry run (--local): never to be trusted, and a verifier never pins it. */
export const BUILDER_ID_LOCAL = 'https://sscs.dev/gitlab-ci/builder/local/v1';

export type TrustMode = 'build-job' | 'isolated' | 'local';

export const BUILDER_IDS: Record<TrustMode, string> = {
  'build-job': BUILDER_ID_BUILD_JOB,
  isolated: BUILDER_ID_ISOLATED,
  local: BUILDER_ID_LOCAL,
};

/** actions/attest splits past 1024 subjects, keeping each transparency log entry well under Rekor's limit. */
export const DEFAULT_MAX_SUBJECTS_PER_STATEMENT = 1024;
