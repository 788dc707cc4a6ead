import { describe, expect, it } from 'vitest';
import { InternalError } from '@sigstore/sign';
import { serviceFailure } from '../../helper/src/sign/failure.js';

const urls = { fulcio: 'https://fulcio.example', rekor: 'https://rekor.example', tsa: 'https://tsa.example' };
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('service failures', () => {
  it('names the service and its HTTP answer', () => {
    const cause = Object.assign(new Error('(503) log is read-only'), { statusCode: 503 });
    const e = serviceFailure(new InternalError({ code: 'TLOG_CREATE_ENTRY_ERROR', message: 'error creating tlog entry', cause }), urls, [TOKEN]);
    expect(e).toMatchObject({ code: 'HTTP_STATUS', exitCode: 2, message: 'Rekor at https://rekor.example answered (503) log is read-only' });
  });

  it('tells a timeout from a refused connection', () => {
    const timeout = Object.assign(new Error('network timeout at: https://tsa.example'), { type: 'request-timeout' });
    expect(serviceFailure(new InternalError({ code: 'TSA_CREATE_TIMESTAMP_ERROR', message: 'x', cause: timeout }), urls, []).code).toBe('TIMEOUT');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(serviceFailure(new InternalError({ code: 'CA_CREATE_SIGNING_CERTIFICATE_ERROR', message: 'x', cause: refused }), urls, []).message).toBe(
      'Fulcio at https://fulcio.example could not be reached (ECONNREFUSED)',
    );
  });

  it('cuts the token out of messages that quote it', () => {
    const e = serviceFailure(new InternalError({ code: 'IDENTITY_TOKEN_PARSE_ERROR', message: `invalid identity token: ${TOKEN}` }), urls, [TOKEN]);
    expect(e.message).toBe('Sigstore invalid identity token: [REDACTED]');
    expect(String((e.cause as Error).message)).not.toContain(TOKEN);
  });
});
