import { UsageError } from '../errors.js';
import type { SigningSession } from './session.js';

export type Format = 'text' | 'json';

export function formatOf(value: string | undefined): Format {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new UsageError('USAGE', `--format must be text or json, not '${value}'`);
}

/** The --format json summary: what was written, who signed, which services witnessed. No secrets. */
export function summaryJson(session: SigningSession, result: { bundles: object[] }): object {
  const { fulcioUrl, rekorUrl, tsaUrl } = session.services;
  return {
    ...result,
    signer: session.identity,
    services: { ...(fulcioUrl ? { fulcio: fulcioUrl } : {}), ...(rekorUrl ? { rekor: rekorUrl } : {}), ...(tsaUrl ? { tsa: tsaUrl } : {}) },
  };
}
