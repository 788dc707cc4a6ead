/**
 * The last line of defence of a running firewall: an error that escapes every handler (a rejection nobody
 * observes, an exception thrown from an event callback) is logged and counted, and the server keeps serving.
 * Node's default for both is to end the process, which would cut every install in flight because of one
 * client. Request handling is written so that nothing reaches this guard; the counter says when something did.
 */
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export const ESCAPED_METRIC = 'sscs_firewall_escaped_errors_total';
const ESCAPED_HELP = 'Errors that escaped request handling (logged, not fatal); anything above zero is a bug to report.';

export type EscapeKind = 'unhandled-rejection' | 'uncaught-exception' | 'request-accounting';

/** What the guard needs: where to count and where to log. */
export interface GuardSink {
  metrics: Metrics;
  log: Logger;
}

export function escaped(sink: GuardSink, kind: EscapeKind, e: unknown): void {
  sink.metrics.inc(ESCAPED_METRIC, ESCAPED_HELP, { kind });
  const err = e instanceof Error ? e : new Error(String(e));
  try {
    sink.log({ event: 'escaped-error', kind, error: err.message, ...((err as { code?: unknown }).code ? { code: String((err as { code?: unknown }).code) } : {}), stack: err.stack?.split('\n').slice(0, 6).join('\n') });
  } catch {
    // The log itself failed (stdout closed): the counter still has it.
  }
}

/**
 * Installs the process-wide handlers; returns the function that removes them (on close). Only a process that
 * serves (firewall serve, firewall run) installs it, never a library caller.
 */
export function guardProcess(sink: GuardSink): () => void {
  const onRejection = (reason: unknown): void => escaped(sink, 'unhandled-rejection', reason);
  const onException = (e: Error): void => escaped(sink, 'uncaught-exception', e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
