/** Public-good Sigstore, used for keyless signing when no other service is configured. */
export const PUBLIC_GOOD_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_GOOD_REKOR_URL = 'https://rekor.sigstore.dev';

/** GitLab: `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`. */
export { DEFAULT_TOKEN_VARIABLE as DEFAULT_TOKEN_ENV } from '../gitlab/variables.js';
export const SIGSTORE_AUDIENCE = 'sigstore';

/** Environment defaults for the service URLs (written by `npm run sigstore:local` into DIR/env). */
export const ENV_FULCIO_URL = 'SSCS_FULCIO_URL';
export const ENV_REKOR_URL = 'SSCS_REKOR_URL';
export const ENV_TSA_URL = 'SSCS_TSA_URL';
export const ENV_SIGNING_CONFIG = 'SSCS_SIGNING_CONFIG';

export { INTOTO_PAYLOAD_TYPE } from '../provenance/constants.js';
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** Per request; every call to Fulcio, Rekor and the TSA is bounded by it. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Upper bound of --timeout-ms: five minutes per request is past any service that still answers. */
export const MAX_TIMEOUT_MS = 300_000;
/** Retries on network errors, 408, 429 and 5xx, with exponential backoff between them. */
export const RETRY = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 4_000 } as const;

/** Bounds on untrusted input. */
export { MAX_TOKEN_BYTES } from '../io/jwt.js';
export const MAX_KEY_BYTES = 16 * 1024;
export const MAX_STATEMENT_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_STATEMENTS = 1024;
export const MAX_SIGNING_CONFIG_BYTES = 1024 * 1024;
