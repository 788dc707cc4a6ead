/**
 * The two GitLab REST endpoints a release job needs, and nothing else: the generic package registry (upload)
 * and release asset links (creating the release when the tag has none yet). Authenticated with the job token.
 */
import { ServiceError } from '../errors.js';

/** Every call is bounded: a release job must fail, not hang, when the instance does not answer. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Upper bound of --timeout-ms: an hour per call (a timer past 2^31-1 ms would fire at once). */
export const MAX_TIMEOUT_MS = 3_600_000;
/** GitLab's error bodies are small JSON; anything bigger is not worth reading into memory. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface GitLabApi {
  /** e.g. https://gitlab.example.com/api/v4 (CI_API_V4_URL). */
  apiUrl: string;
  projectId: string;
  /** Sent as JOB-TOKEN; never printed. */
  jobToken: string;
  timeoutMs: number;
}

export interface ReleaseLink {
  name: string;
  url: string;
  direct_asset_path: string;
  link_type: 'other' | 'package';
}

const project = (api: GitLabApi) => `${api.apiUrl.replace(/(?<!\/)\/+$/, '')}/projects/${encodeURIComponent(api.projectId)}`;

/** The URL a generic package file is uploaded to and downloaded from. */
export function genericPackageFileUrl(api: GitLabApi, pkg: string, version: string, file: string): string {
  return `${project(api)}/packages/generic/${encodeURIComponent(pkg)}/${encodeURIComponent(version)}/${encodeURIComponent(file)}`;
}

async function call(api: GitLabApi, method: string, url: string, body: Uint8Array | string | undefined, json: boolean): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { 'JOB-TOKEN': api.jobToken, ...(json ? { 'content-type': 'application/json' } : { 'content-type': 'application/octet-stream' }) },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(api.timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    // fetch() says only "fetch failed"; the system error code (ECONNREFUSED, ENOTFOUND...) is in its cause.
    const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = timedOut
      ? `no answer within ${api.timeoutMs} ms`
      : typeof cause?.code === 'string'
        ? `cannot connect (${cause.code})`
        : `${(e as Error).message}${typeof cause?.message === 'string' ? `: ${cause.message}` : ''}`;
    throw new ServiceError(timedOut ? 'TIMEOUT' : 'NETWORK', `${method} ${url}: ${reason}`, { cause: e });
  }
  try {
    return { status: res.status, text: await readHead(res, MAX_RESPONSE_BYTES) };
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    throw new ServiceError(timedOut ? 'TIMEOUT' : 'NETWORK', `${method} ${url}: the answer ${timedOut ? `did not finish within ${api.timeoutMs} ms` : 'broke off'}`, { cause: e });
  }
}

/** The first `max` bytes of a body, read in chunks: a huge or endless answer is cut, not buffered whole. */
async function readHead(res: Response, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return '';
  try {
    while (total < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function statusError(method: string, url: string, r: { status: number; text: string }): ServiceError {
  return new ServiceError('HTTP_STATUS', `${method} ${url} answered ${r.status}: ${r.text.slice(0, 300)}`);
}

export async function uploadGenericPackageFile(api: GitLabApi, url: string, content: Uint8Array): Promise<void> {
  const r = await call(api, 'PUT', url, content, false);
  if (r.status !== 200 && r.status !== 201) throw statusError('PUT', url, r);
}

/** Upper bound on the links listed when checking for an existing one: GitLab pages at 100 at most. */
const LINKS_PER_PAGE = 100;

async function existingLinks(api: GitLabApi, tag: string): Promise<{ name: string; url: string }[]> {
  const url = `${project(api)}/releases/${encodeURIComponent(tag)}/assets/links?per_page=${LINKS_PER_PAGE}`;
  const r = await call(api, 'GET', url, undefined, true);
  if (r.status !== 200) throw statusError('GET', url, r);
  try {
    const links = JSON.parse(r.text) as unknown;
    return Array.isArray(links) ? links.filter((l): l is { name: string; url: string } => typeof l?.name === 'string' && typeof l?.url === 'string') : [];
  } catch (e) {
    throw new ServiceError('SERVICE', `GET ${url} answered with a body that is not JSON`, { cause: e });
  }
}

/**
 * Adds a link to the release of `tag`; returns false when the tag has no release (404). A link GitLab refuses
 * as a duplicate counts as added when the release already has it with the same URL, so a retried job passes.
 */
export async function addReleaseLink(api: GitLabApi, tag: string, link: ReleaseLink): Promise<boolean> {
  const url = `${project(api)}/releases/${encodeURIComponent(tag)}/assets/links`;
  const r = await call(api, 'POST', url, JSON.stringify(link), true);
  if (r.status === 404) return false;
  if (r.status === 201) return true;
  if (r.status === 400 || r.status === 409) {
    const same = (await existingLinks(api, tag)).some((l) => l.name === link.name && l.url === link.url);
    if (same) return true;
  }
  throw statusError('POST', url, r);
}

export async function createRelease(api: GitLabApi, tag: string, links: ReleaseLink[]): Promise<void> {
  const url = `${project(api)}/releases`;
  const r = await call(api, 'POST', url, JSON.stringify({ tag_name: tag, name: tag, assets: { links } }), true);
  if (r.status !== 201) throw statusError('POST', url, r);
}
