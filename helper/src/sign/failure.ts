import { ServiceError, type ServiceCode } from '../errors.js';

/** Which service an @sigstore/sign error code is about. */
const SERVICE_OF: Record<string, string> = {
  CA_CREATE_SIGNING_CERTIFICATE_ERROR: 'Fulcio',
  TLOG_CREATE_ENTRY_ERROR: 'Rekor',
  TSA_CREATE_TIMESTAMP_ERROR: 'the timestamp authority',
};

interface SigstoreFailure {
  code?: string;
  message?: string;
  cause?: { statusCode?: number; code?: string; type?: string; message?: string };
}

/**
 * Turns an @sigstore/sign failure into a ServiceError that says which service failed and how. Some of its
 * messages quote the identity token (IDENTITY_TOKEN_PARSE_ERROR), so every secret is cut out of the text.
 */
export function serviceFailure(e: unknown, urls: Record<string, string | undefined>, secrets: string[]): ServiceError {
  const err = e as SigstoreFailure;
  const service = SERVICE_OF[err?.code ?? ''] ?? 'Sigstore';
  const url = service === 'Fulcio' ? urls.fulcio : service === 'Rekor' ? urls.rekor : service === 'Sigstore' ? undefined : urls.tsa;
  const cause = err?.cause;
  let code: ServiceCode = 'SERVICE';
  let detail = err?.message ?? String(e);
  if (typeof cause?.statusCode === 'number') {
    code = 'HTTP_STATUS';
    detail = `answered ${cause.message ?? cause.statusCode}`;
  } else if (cause?.type === 'request-timeout' || /timeout|timed out/i.test(cause?.message ?? '')) {
    code = 'TIMEOUT';
    detail = 'did not answer in time (after retries)';
  } else if (cause?.code || cause?.type === 'system') {
    code = 'NETWORK';
    detail = `could not be reached (${cause.code ?? cause.message})`;
  }
  return new ServiceError(code, scrub(`${service}${url ? ` at ${url}` : ''} ${detail}`, secrets), {
    cause: new Error(scrub(`${err?.code ?? 'error'}: ${err?.message ?? ''}`, secrets)),
    hint: code === 'HTTP_STATUS' || code === 'SERVICE' ? undefined : 'Check the service URL and that the job can reach it; --timeout-ms sets the per-request timeout.',
  });
}

/** Cuts every secret (the token, the key) out of a text before it can reach a message. */
export function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => (s ? t.split(s).join('[REDACTED]') : t), text);
}
