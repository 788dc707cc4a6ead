/**
 * Structured logs: one JSON line per request, built from named fields only. Request headers are never
 * logged wholesale, so Authorization and tokens cannot reach the log.
 */
export interface RequestLogLine {
  method: string;
  /** Route kind, not the raw target (which could carry a token in a query string). */
  route: string;
  name?: string;
  version?: string;
  status: number;
  decision?: string;
  rule?: string;
  cache?: string;
  ms: number;
  client: string;
  error?: string;
}

export type Logger = (fields: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void): Logger {
  return (fields) => write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}
