/** Rows of the PostgreSQL store as the Store's records, and which driver errors mean the database is away. */
import { ServiceError } from '../../errors.js';
import type { AuditEntry, DecisionRecord, Release, Waiver } from '../store.js';
import type { PostgresTarget } from './connect.js';

export type Row = Record<string, unknown>;
export const date = (v: unknown): Date | undefined => (v instanceof Date ? v : v == null ? undefined : new Date(String(v)));

/** Errors of reaching the database (not of a statement it refused) become UNAVAILABLE. */
export function unavailable(e: unknown, target: PostgresTarget): Error {
  if (e instanceof ServiceError) return e;
  const code = (e as { code?: unknown }).code;
  // SQLSTATE classes 08 (connection), 57P (operator intervention: shutdown), 53 (insufficient resources),
  // 57014 (our statement_timeout: the database too slow to answer); no code at all is a dropped connection.
  const down = typeof code !== 'string' || /^(08|57P|53|57014)/.test(code) || /^E[A-Z]+$/.test(code);
  if (!down) return e as Error;
  return new ServiceError('UNAVAILABLE', `the firewall database at ${target.label} is unavailable: ${(e as Error).message}`, { cause: e });
}

/** SQLSTATE 42501 (insufficient_privilege): the role lacks a privilege or, for DDL, is not the owner; also as a failed migration's cause. */
export function insufficientPrivilege(e: unknown): boolean {
  const code = (e: unknown): unknown => (e as { code?: unknown } | undefined)?.code;
  return code(e) === '42501' || code((e as { cause?: unknown }).cause) === '42501';
}

export function toDecision(r: Row): DecisionRecord {
  return {
    name: String(r.name), version: String(r.version), action: r.action as DecisionRecord['action'], rule: String(r.rule), reason: String(r.reason),
    ...(r.until != null ? { until: date(r.until)! } : {}),
    ...(r.integrity != null ? { integrity: String(r.integrity) } : {}),
    ...(r.credential != null ? { credential: String(r.credential) } : {}),
    ...(r.served_under != null ? { servedUnder: String(r.served_under) } : {}),
    policyVersion: String(r.policy_version), decidedAt: date(r.decided_at)!,
  };
}

export function toAudit(r: Row): AuditEntry {
  return {
    at: date(r.at)!, client: String(r.client), kind: r.kind as AuditEntry['kind'], name: String(r.name),
    ...(r.version != null ? { version: String(r.version) } : {}), action: String(r.action),
    ...(r.rule != null ? { rule: String(r.rule) } : {}), status: Number(r.status),
    ...(Number(r.count ?? 1) > 1 ? { count: Number(r.count), ...(r.last_at != null ? { lastAt: date(r.last_at)! } : {}) } : {}),
  };
}

export function toRelease(r: Row): Release {
  return { id: Number(r.id), name: String(r.name), version: String(r.version), by: String(r.by), reason: String(r.reason), at: date(r.at)! };
}

export function toWaiver(r: Row): Waiver {
  return {
    id: Number(r.id), name: String(r.name), version: String(r.version), by: String(r.by), reason: String(r.reason),
    ...(r.expires_at != null ? { expiresAt: date(r.expires_at)! } : {}), at: date(r.at)!,
  };
}
