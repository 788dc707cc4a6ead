import { InputError, ServiceError } from '../errors.js';
import { readFileBounded } from '../io/files.js';

/**
 * Where GitLab publishes the public keys its CI/CD ID tokens are signed with (Doorkeeper's OpenID Connect
 * discovery, `jwks_uri` of `<instance>/.well-known/openid-configuration`; gitlab-org/gitlab!73216 added the
 * CI signing key to it).
 */
export const GITLAB_JWKS_PATH = '/oauth/discovery/keys';
/** A GitLab instance answers its key set at once; a runner that cannot reach it should fail, not hang. */
export const JWKS_TIMEOUT_MS = 10_000;
/** GitLab's key set holds two or three RSA keys (under 2 KiB each); anything far larger is not one. */
export const MAX_JWKS_BYTES = 64 * 1024;

/** A JSON Web Key Set (RFC 7517 §5): only its shape is checked here, the keys are read by jose. */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/**
 * The key set: from the instance (a URL) or, for a runner that cannot reach the instance's API, given as
 * text (the isolated-provenance `oidc_jwks` input, written in the pipeline configuration) or a file.
 */
export type JwksSource = { url: string } | { file: string } | { json: string };

/** `https://gitlab.example.com` -> `https://gitlab.example.com/oauth/discovery/keys` (a relative root is kept). */
export function jwksUrlFor(issuer: string): string {
  return `${issuer.replace(/(?<!\/)\/+$/, '')}${GITLAB_JWKS_PATH}`;
}

/** Loads a key set, bounded in time and size. Network failures are ServiceErrors; a bad document an InputError. */
export async function loadJwks(source: JwksSource): Promise<JsonWebKeySet> {
  if ('json' in source) {
    if (Buffer.byteLength(source.json) > MAX_JWKS_BYTES) throw new InputError('LIMIT', `the JSON Web Key Set given is over the limit of ${MAX_JWKS_BYTES} bytes`, { where: { field: '--oidc-jwks' } });
    return parseJwks(source.json, '--oidc-jwks');
  }
  if ('file' in source) {
    const bytes = await readFileBounded(source.file, MAX_JWKS_BYTES, 'JWKS file');
    return parseJwks(bytes.toString('utf8'), source.file);
  }
  keyUrlSecure(source.url);
  return parseJwks(await fetchBounded(source.url), source.url);
}

/**
 * Keys fetched over plain HTTP are whatever anyone on the path sends, and they decide which tokens pass: https only,
 * except on the runner's own loopback (a local proxy, the tests). Throws InputError INPUT naming the URL.
 */
function keyUrlSecure(url: string): void {
  const u = new URL(url);
  const host = u.hostname;
  const loopback = host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) return;
  throw new InputError('INPUT', `the instance's JSON Web Key Set would be fetched from ${u.origin}, not over https: anyone on the network path could hand over keys of their own`, { where: { field: '--oidc-issuer' }, hint: 'give the instance as an https:// URL, or its key set with --oidc-jwks' });
}

async function fetchBounded(url: string): Promise<string> {
  const signal = AbortSignal.timeout(JWKS_TIMEOUT_MS);
  let res: Response;
  try {
    // No redirects: the keys come from the URL the pipeline configuration names, not from wherever it points.
    res = await fetch(url, { headers: { accept: 'application/json' }, signal, redirect: 'error' });
  } catch (e) {
    throw networkError(url, e, 'no answer');
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new ServiceError('HTTP_STATUS', `GET ${url}: HTTP ${res.status}, expected 200 with the instance's JSON Web Key Set`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > MAX_JWKS_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw new ServiceError('SERVICE', `GET ${url}: the key set is ${declared} bytes, over the limit of ${MAX_JWKS_BYTES}`);
  }
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (done) break;
      total += value.byteLength;
      if (total > MAX_JWKS_BYTES) {
        await reader?.cancel().catch(() => undefined);
        throw new ServiceError('SERVICE', `GET ${url}: the key set is over the limit of ${MAX_JWKS_BYTES} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    throw networkError(url, e, 'the answer broke off');
  }
  return Buffer.concat(chunks).toString('utf8');
}

function networkError(url: string, e: unknown, what: string): ServiceError {
  const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
  // fetch() says only "fetch failed"; the system error code (ECONNREFUSED, ENOTFOUND...) is in its cause.
  const cause = (e as { cause?: { code?: unknown } }).cause;
  const reason = timedOut ? `${what} within ${JWKS_TIMEOUT_MS} ms` : typeof cause?.code === 'string' ? `cannot connect (${cause.code})` : (e as Error).message;
  return new ServiceError(timedOut ? 'TIMEOUT' : 'NETWORK', `GET ${url}: ${reason}`, {
    cause: e,
    hint: 'The provenance job must reach the instance that issued its ID token to check the token. A runner that cannot reach the instance\'s API can be given the key set in the pipeline configuration (the oidc_jwks input, --oidc-jwks).',
  });
}

function parseJwks(text: string, where: string): JsonWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError('MALFORMED', 'the JSON Web Key Set is not JSON', { where: { file: where }, cause: e });
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null || Array.isArray(k))) {
    throw new InputError('MALFORMED', "the JSON Web Key Set has no 'keys' array of objects (RFC 7517 §5)", { where: { file: where } });
  }
  return { keys: keys as Record<string, unknown>[] };
}
