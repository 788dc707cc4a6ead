/**
 * How a package download that went wrong is logged and counted, the same for npm tarballs, PyPI files and core
 * metadata: bytes that do not match the digest the registry lists are an integrity failure, and a download cut
 * for size (--max-tarball-mb), for time (--upstream-timeout-ms, --upstream-deadline-ms) or by the client is an
 * abort with its reason. Both are firewall denials in the request log (`out`).
 */
import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { HandlerContext, Outcome } from './context.js';

const INTEGRITY_FAILURES = 'sscs_firewall_integrity_failures_total';
const INTEGRITY_FAILURES_HELP = 'Tarballs whose bytes did not match the packument integrity.';
const ABORTS = 'sscs_firewall_tarball_aborts_total';
const ABORTS_HELP = 'Tarball downloads cut: for size (--max-tarball-mb), for time (--upstream-timeout-ms, --upstream-deadline-ms), or by the client closing its connection.';

/** Bytes, or a remembered digest, that do not match what the registry lists now: denied by `rule`. */
export function integrityFailed(ctx: HandlerContext, out: Outcome, rule = 'firewall:integrity'): void {
  out.decision = 'deny';
  out.rule = rule;
  ctx.metrics.inc(INTEGRITY_FAILURES, INTEGRITY_FAILURES_HELP);
}

/** A download cut for size or time. */
export function aborted(ctx: HandlerContext, out: Outcome, reason: 'too-large' | 'timeout', detail: string): void {
  out.decision = 'deny';
  out.rule = `firewall:${reason}`;
  out.error = detail;
  ctx.metrics.inc(ABORTS, ABORTS_HELP, { reason });
}

/** A download cut because the client closed its connection first: not a denial. */
export function clientClosed(ctx: HandlerContext): void {
  ctx.metrics.inc(ABORTS, ABORTS_HELP, { reason: 'client-closed' });
}

/**
 * Which side of a streamed download failed first, as seen from the start of streaming: once one fails, the
 * pipeline destroys the others with the same error, so the error alone does not say. True: the client closed its
 * connection; false: the upstream, the decoder or the digest check failed; undefined: neither yet.
 */
export function whoFailedFirst(res: ServerResponse, upstream: readonly EventEmitter[]): () => boolean | undefined {
  let clientFirst: boolean | undefined;
  res.once('close', () => (clientFirst ??= !res.writableFinished));
  for (const s of upstream) s.once('error', () => (clientFirst ??= false));
  return () => clientFirst;
}

/**
 * Why a verified download failed, from the error the VerifyingStream or the upstream raised (code
 * INTEGRITY_MISMATCH, TARBALL_TOO_LARGE or TIMEOUT); any other error (the upstream cut the connection) is only
 * logged, as `out.error`.
 */
export function downloadFailed(ctx: HandlerContext, out: Outcome, e: unknown): void {
  out.error = (e as Error).message;
  const code = (e as { code?: string }).code;
  if (code === 'TARBALL_TOO_LARGE') return aborted(ctx, out, 'too-large', (e as Error).message);
  if (code === 'TIMEOUT') return aborted(ctx, out, 'timeout', (e as Error).message);
  if (code === 'INTEGRITY_MISMATCH') integrityFailed(ctx, out);
}
