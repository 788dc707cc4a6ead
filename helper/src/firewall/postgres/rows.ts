/** Rows of the PostgreSQL store as the Store's records, and which driver errors mean the database is away. */
import { ServiceError } from '../../errors.js';
import { rowReaders, type Row } from '../store-rows.js';
import type { PostgresTarget } from './connect.js';

export type { Row };
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

/** The Store's records from PostgreSQL rows (store-rows.ts), with timestamptz read by `date`. */
export const { decision: toDecision, audit: toAudit, quarantine: toQuarantine, release: toRelease, waiver: toWaiver, client: toClient } = rowReaders(date);
