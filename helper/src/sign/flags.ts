import type { FlagSpecs } from '../cli/command.js';
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, DEFAULT_TOKEN_ENV, ENV_FULCIO_URL, ENV_REKOR_URL, ENV_SIGNING_CONFIG, ENV_TSA_URL } from './constants.js';

/** The flags `sscs sign` and `sscs attest` share (CONTRACT.md: signing flags). */
export const SIGNING_FLAGS = {
  'identity-token-env': { type: 'string', valueName: 'NAME', description: `Variable holding the OIDC ID token for keyless signing (default ${DEFAULT_TOKEN_ENV}).` },
  'fulcio-url': { type: 'string', valueName: 'URL', description: `Fulcio (certificate authority) URL (default $${ENV_FULCIO_URL}, else public-good).` },
  'rekor-url': { type: 'string', valueName: 'URL', description: `Rekor (transparency log) URL (default $${ENV_REKOR_URL}, else public-good for keyless; none for --key).` },
  'tsa-url': { type: 'string', valueName: 'URL', description: `RFC 3161 timestamp authority URL (default $${ENV_TSA_URL}, else none).` },
  'signing-config': { type: 'string', valueName: 'FILE', description: `Sigstore SigningConfig v0.2 JSON naming the services (default $${ENV_SIGNING_CONFIG}).` },
  key: { type: 'string', valueName: 'FILE', description: 'Sign with this PEM EC P-256 private key (PKCS#8) instead of keyless.' },
  'key-env': { type: 'string', valueName: 'NAME', description: 'Sign with the PEM private key held in this (masked) variable.' },
  'timeout-ms': { type: 'string', valueName: 'N', integer: [1, MAX_TIMEOUT_MS], description: `Timeout of each request to Fulcio, Rekor and the TSA, retried with backoff (default ${DEFAULT_TIMEOUT_MS}).` },
  format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', description: 'Output format of the summary on stdout.', default: 'text' },
} as const satisfies FlagSpecs;

/** The variables the signing flags say hold a key or a token: their values are secrets whatever their names. */
export function secretFlagVariables(flags: { 'key-env'?: string | undefined; 'identity-token-env'?: string | undefined }): string[] {
  return [flags['key-env'], flags['identity-token-env']].filter((n): n is string => n !== undefined);
}
