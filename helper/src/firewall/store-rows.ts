/**
 * Rows of the firewall's tables as the Store's records, for both stores: SQLite and PostgreSQL have the same
 * columns and differ only in how a time is kept (SQLite: epoch milliseconds; PostgreSQL: timestamptz, which the
 * driver returns as a Date), so each store passes its own date conversion.
 */
import type { ServedClient } from './served-log.js';
import type { AuditEntry, DecisionRecord, QuarantineEntry, Release, Waiver } from './store.js';

export type Row = Record<string, unknown>;
/** A stored time as a Date; undefined for NULL. */
export type DateOf = (v: unknown) => Date | undefined;

export interface RowReaders {
  decision(r: Row): DecisionRecord;
  audit(r: Row): AuditEntry;
  quarantine(r: Row): QuarantineEntry;
  release(r: Row): Release;
  waiver(r: Row): Waiver;
  client(r: Row): ServedClient;
}

export function rowReaders(date: DateOf): RowReaders {
  return {
    decision: (r) => ({
      name: String(r.name), version: String(r.version), action: r.action as DecisionRecord['action'], rule: String(r.rule), reason: String(r.reason),
      ...(r.until != null ? { until: date(r.until)! } : {}),
      ...(r.integrity != null ? { integrity: String(r.integrity) } : {}),
      ...(r.credential != null ? { credential: String(r.credential) } : {}),
      ...(r.served_under != null ? { servedUnder: String(r.served_under) } : {}),
      policyVersion: String(r.policy_version), decidedAt: date(r.decided_at)!,
    }),
    audit: (r) => ({
      at: date(r.at)!, client: String(r.client), kind: r.kind as AuditEntry['kind'], name: String(r.name),
      ...(r.version != null ? { version: String(r.version) } : {}), action: String(r.action),
      ...(r.rule != null ? { rule: String(r.rule) } : {}), status: Number(r.status),
      ...(Number(r.count ?? 1) > 1 ? { count: Number(r.count), ...(r.last_at != null ? { lastAt: date(r.last_at)! } : {}) } : {}),
    }),
    quarantine: (r) => ({
      name: String(r.name), version: String(r.version), rule: String(r.rule), reason: String(r.reason),
      ...(r.until != null ? { until: date(r.until)! } : {}), queuedAt: date(r.queued_at)!,
    }),
    release: (r) => ({ id: Number(r.id), name: String(r.name), version: String(r.version), by: String(r.by), reason: String(r.reason), at: date(r.at)! }),
    waiver: (r) => ({
      id: Number(r.id), name: String(r.name), version: String(r.version), by: String(r.by), reason: String(r.reason),
      ...(r.expires_at != null ? { expiresAt: date(r.expires_at)! } : {}), at: date(r.at)!,
    }),
    client: (r) => ({
      address: String(r.address), ...(r.user_agent ? { userAgent: String(r.user_agent) } : {}), ...(r.npm_session ? { npmSession: String(r.npm_session) } : {}),
      firstAt: date(r.first_at)!, lastAt: date(r.last_at)!, fetches: Number(r.fetches),
    }),
  };
}
