/**
 * A distribution file's core metadata (PEP 658, renamed by PEP 714): `<file>.metadata`, the file's METADATA on its
 * own, which pip (22.3+ from `data-dist-info-metadata`, 23.2+ from `core-metadata`) fetches to resolve without
 * downloading whole wheels. Served only for a file the policy serves (the metadata of a denied or quarantined file
 * is refused with the same 403), found through the project page (never guessed from the URL), fetched from where
 * the page put the file, bounded, and checked whole against the sha256 the page gave before a byte is sent: a
 * mismatch fails closed with 502. A page that offered the file without a sha256 is not offered on (pypi-page.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { documentKey } from '../registry/metadata.js';
import type { HandlerContext, Outcome } from './context.js';
import { integrityFailed } from './download-failure.js';
import { RETRY_AFTER_S } from './packument-cache.js';
import { decidePypiFile } from './pypi-file.js';
import { DECISION_HEADER, decisionHeader, sendError } from './respond.js';
import { METADATA_SUFFIX } from './route.js';
import { readDecodedBody } from './upstream.js';

/** Largest core metadata file fetched: METADATA carries the long description, real ones stay well under 1 MiB. */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;
export const METADATA_MISMATCH = 'firewall:metadata-integrity';

export async function servePypiMetadata(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, filename: string, out: Outcome): Promise<number> {
  out.name = documentKey({ ecosystem: 'pypi', name });
  if (!ctx.pypi) {
    sendError(res, 404, 'sscs firewall: the firewall has no PyPI index configured (--pypi-upstream)');
    return 404;
  }
  const lookup = await ctx.pypi.get(name, req.headers);
  if (!('entry' in lookup)) {
    out.decision = lookup.status === 503 ? 'unavailable' : undefined;
    sendError(res, lookup.status, `sscs firewall: ${lookup.message}`, lookup.retryAfter ? { 'retry-after': String(lookup.retryAfter) } : {});
    return lookup.status;
  }
  const decided = decidePypiFile(ctx, res, lookup.entry, name, filename, out);
  if (typeof decided === 'number') return decided;
  const { file, pkg, decision: d } = decided;
  if (typeof file.coreMetadata !== 'string') {
    sendError(res, 404, `sscs firewall: the upstream index offers no core metadata file with a sha256 for ${filename}`);
    return 404;
  }
  const source = ctx.pypi.fileSource(`${file.url}${METADATA_SUFFIX}`);
  if (!source) {
    sendError(res, 502, `sscs firewall: the core metadata of ${filename} is hosted outside the configured index and file hosts`);
    return 502;
  }
  const release = ctx.pypi.slot();
  if (!release) {
    out.decision = 'unavailable';
    sendError(res, 503, 'sscs firewall: the firewall is fetching as many PyPI pages and files as it may at once; try again shortly', { 'retry-after': String(RETRY_AFTER_S) });
    return 503;
  }
  const what = `the core metadata of ${filename}`;
  let body: Buffer;
  try {
    const up = await source.upstream.request('GET', source.path, req.headers);
    if (up.status !== 200) {
      up.body.resume();
      throw new Error(`upstream answered ${up.status}`);
    }
    body = await readDecodedBody(up.body, MAX_METADATA_BYTES);
  } catch (e) {
    out.error = (e as Error).message;
    sendError(res, 502, `sscs firewall: cannot fetch ${what}: ${(e as Error).message}`);
    return 502;
  } finally {
    release();
  }
  const got = createHash('sha256').update(body).digest('hex');
  if (got !== file.coreMetadata) {
    integrityFailed(ctx, out, METADATA_MISMATCH);
    out.error = `sha256 ${got} instead of ${file.coreMetadata}`;
    sendError(res, 502, `sscs firewall: ${what} does not match the sha256 the index lists for it (${file.coreMetadata.slice(0, 12)}…, got ${got.slice(0, 12)}…); it was tampered with on the way or on the index`);
    return 502;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, [DECISION_HEADER]: decisionHeader(d) });
  res.end(req.method === 'HEAD' ? undefined : body);
  ctx.onDecision?.(pkg, d, true);
  return 200;
}
