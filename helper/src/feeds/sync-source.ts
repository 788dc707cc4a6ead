/**
 * The `feed sync` source: parsing, the name it goes by, and the redirects it may follow.
 *  - A source URL may be a signed URL (GCS V4 `?X-Goog-Signature=...`, S3 presigned): its query is a credential.
 *    It is sent to the source and nowhere else: messages, logs and `*.sync.json` name the source by origin and
 *    path only (`sourceName`). A source with userinfo is refused.
 *  - Redirects (RFC 9110 15.4: 301, 302, 303, 307, 308) are followed by hand, at most `MAX_REDIRECTS`, and only
 *    to the source's own origin, or, when the source is https, to https on another host (a CDN or a bucket's
 *    regional endpoint). An http source never leaves its origin and https never falls back to http. A refused
 *    or broken redirect names the target's origin, never its path or query.
 */
import { ServiceError, UsageError } from '../errors.js';

export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function checkSource(source: string): URL {
  let url: URL;
  try {
    url = new URL(source);
  } catch (e) {
    throw new UsageError('USAGE', '--source is not a URL', { cause: e });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('USAGE', '--source must be an http(s) URL');
  if (url.username || url.password) throw new UsageError('USAGE', '--source must not carry credentials');
  return url;
}

/** Origin + path: what a source is called in messages, logs and the state file (no query, fragment or userinfo). */
export const sourceName = (url: URL): string => `${url.origin}${url.pathname}`;

/** Whether `feed sync` may follow a redirect from `source` (the URL given) to `target`. */
export function redirectAllowed(source: URL, target: URL): boolean {
  if (target.username || target.password) return false;
  if (target.origin === source.origin) return true;
  return source.protocol === 'https:' && target.protocol === 'https:';
}

/**
 * GET `url`, following redirects under the rules above. Resolves to the final response and the origin it came
 * from (for messages); a fetch error is rethrown with `.redirectedTo` set to the origin it was sent to when that
 * is not the source's.
 */
export async function fetchFollowing(url: URL, init: { headers: Record<string, string>; signal: AbortSignal }): Promise<{ res: Response; from: string }> {
  let at = url;
  for (let hops = 0; ; hops++) {
    let res: Response;
    try {
      res = await fetch(at, { ...init, redirect: 'manual' });
    } catch (e) {
      throw Object.assign(e as Error, { redirectedTo: at.origin === url.origin ? undefined : at.origin });
    }
    if (!REDIRECT_STATUSES.has(res.status)) return { res, from: at.origin };
    await res.body?.cancel().catch(() => undefined);
    const location = res.headers.get('location');
    let next: URL | undefined;
    try {
      next = location ? new URL(location, at) : undefined;
    } catch {
      next = undefined;
    }
    const where = { where: { file: sourceName(url) } };
    if (!next) throw new ServiceError('HTTP_STATUS', `feed source answered HTTP ${res.status} without a usable Location; the local copy is unchanged`, where);
    if (!redirectAllowed(url, next)) {
      throw new ServiceError('SERVICE', `feed source redirected to ${shownOrigin(next)}, which feed sync does not follow (only the same origin, or https from an https source); the local copy is unchanged`, where);
    }
    if (hops >= MAX_REDIRECTS) throw new ServiceError('SERVICE', `feed source redirected more than ${MAX_REDIRECTS} times (last to ${shownOrigin(next)}); the local copy is unchanged`, where);
    at = next;
  }
}

/** A URL's origin for a message; a scheme with no origin (file:, data:) is named by its scheme, never 'null'. */
function shownOrigin(u: URL): string {
  return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
}
