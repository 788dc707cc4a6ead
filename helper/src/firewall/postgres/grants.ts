/**
 * Least privilege for the serving replicas. The owner role runs the migrations (`sscs firewall migrate`) and owns
 * the tables, triggers and functions; the replicas connect as another role that can only read and write rows the
 * way the store does. Not being the owner, it cannot DROP or DISABLE the audit log's triggers, ALTER a table,
 * TRUNCATE, or DELETE audit rows (audit: INSERT and SELECT only), which the triggers alone could not prevent
 * for the owner (PostgreSQL: "Privileges", 5.7, and ALTER TABLE, which needs ownership).
 */
import { UsageError } from '../../errors.js';
import { MIGRATIONS } from './migrations.js';

/**
 * What a replica does to each table. INSERT ... ON CONFLICT DO UPDATE needs UPDATE too. A table not listed gets
 * SELECT, INSERT, UPDATE (what a replica needs on a table it writes), never DELETE, ALTER or ownership.
 */
export const REPLICA_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  schema_migrations: ['SELECT'],
  // The generation (bumped by releases, waivers and blocking scans) and the audit retention (guarded by triggers).
  meta: ['SELECT', 'INSERT', 'UPDATE'],
  decisions: ['SELECT', 'INSERT', 'UPDATE'],
  quarantine: ['SELECT', 'INSERT'],
  releases: ['SELECT', 'INSERT'],
  // A revoked waiver's expiry becomes now.
  waivers: ['SELECT', 'INSERT', 'UPDATE'],
  scans: ['SELECT', 'INSERT', 'UPDATE'],
  file_digests: ['SELECT', 'INSERT'],
  // Append-only: pruning expired rows (--audit-retention-days) is the owner's job, `sscs firewall migrate --audit-retention-days`.
  audit: ['SELECT', 'INSERT'],
  // Sessions end (logout, expiry): rows are removed.
  admin_sessions: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // The served-client log is bounded by the replicas themselves: versions past its retention or cap are removed
  // (their clients with them, ON DELETE CASCADE).
  served_versions: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  served_clients: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // A retroactive hit is claimed once (INSERT ... ON CONFLICT DO NOTHING needs no UPDATE); claims past the
  // served log's retention or cap are removed by the replicas.
  retroactive_hits: ['SELECT', 'INSERT', 'DELETE'],
  // Login attempts leave the window or succeed: rows are removed.
  admin_login_attempts: ['SELECT', 'INSERT', 'DELETE'],
  // The decision each PyPI file was served under, replaced when served again (offline serving).
  served_files: ['SELECT', 'INSERT', 'UPDATE'],
};
const DEFAULT_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE'] as const;

/** A role name we quote ourselves: letters, digits, `_`, `$`, `-`; at most 63 characters (NAMEDATALEN - 1). */
const ROLE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

export function checkRoleName(role: string, flag: string): string {
  // '$g$' would end the DO blocks' quoting below.
  if (!ROLE.test(role) || role.includes('$g$')) throw new UsageError('USAGE', `${flag}: '${role.slice(0, 80)}' is not a role name (letters, digits, _, $ or -, starting with a letter or _, at most 63)`);
  return role;
}

/** The tables this build's migrations create, in order, and the migrations' own table. */
export function migratedTables(): string[] {
  const names = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)/g)].map((x) => x[1]!));
  return ['schema_migrations', ...new Set(names)];
}

/**
 * The statements that give `role` what a replica needs on `tables` and nothing more. USAGE on schema public stays
 * PUBLIC's (PostgreSQL 15 revoked only CREATE there); CONNECT on the database, PUBLIC's by default, becomes the
 * replica role's alone (the database's owner keeps its own, and superusers need none): a role that may connect may
 * also LISTEN and NOTIFY on any channel, with no privilege checked (PostgreSQL: NOTIFY).
 * The role's name goes in as an identifier we quote and, inside the DO blocks, as a literal: checkRoleName allows
 * no quote of either kind and no `$g$`.
 */
export function grantStatements(role: string, tables: readonly string[] = migratedTables()): string[] {
  const name = checkRoleName(role, 'role');
  const r = `"${name}"`;
  // The database's name is not known to --print-grants: the statement finds it.
  const onDatabase = (sql: string): string => `DO $g$ BEGIN EXECUTE format('${sql}', current_database(), '${name}'); END $g$;`;
  return [
    // Anything given earlier (a broader grant by hand) goes first: the result is exactly what is listed.
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${r};`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${r};`,
    ...tables.map((t) => `GRANT ${(REPLICA_PRIVILEGES[t] ?? DEFAULT_PRIVILEGES).join(', ')} ON TABLE ${t} TO ${r};`),
    // nextval() for the ids of releases, waivers and audit rows; not setval(), which needs UPDATE.
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${r};`,
    // No objects of its own: a temporary table (pg_temp comes first in a session's search_path) or a function in
    // public could shadow what the owner's triggers and queries name. TEMPORARY is PUBLIC's by default, so a
    // revoke from the role alone changes nothing: the database loses it for PUBLIC (its owner keeps it).
    onDatabase('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC'),
    onDatabase('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM %I'),
    onDatabase('GRANT CONNECT ON DATABASE %I TO %I'),
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
    `REVOKE CREATE ON SCHEMA public FROM ${r};`,
  ];
}
