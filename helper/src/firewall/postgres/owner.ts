/**
 * What the owner role does to the firewall database, apart from serving (`sscs firewall migrate`): apply the
 * migrations, give a replica role its least privileges (grants.ts), and prune the audit log past its retention,
 * which a replica role may not do.
 */
import pg from 'pg';
import { InputError, ServiceError } from '../../errors.js';
import type { PostgresTarget } from './connect.js';
import { grantStatements, migratedTables } from './grants.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { insufficientPrivilege } from './rows.js';
import { openPostgresStore } from './store.js';

const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 60_000;

export interface OwnerTasks {
  /** Give this role what a replica needs (grants.ts). */
  grant?: string;
  /** Record this retention and remove audit rows past it, as `firewall serve --audit-retention-days` would. */
  auditRetentionMs?: number;
}

export interface OwnerReport {
  applied: number[];
  schemaVersion: number;
  granted?: { role: string; tables: number };
  /** What the grants could not take away (this role is not the database's or schema's owner), to say so. */
  warnings?: string[];
  pruned?: number;
}

export async function runOwnerTasks(target: PostgresTarget, tasks: OwnerTasks): Promise<OwnerReport> {
  const pool = new pg.Pool({ ...target.config, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, statement_timeout: STATEMENT_TIMEOUT_MS, application_name: 'sscs-firewall-migrate' });
  // A dropped idle connection is reported by the query that needs it.
  pool.on('error', () => undefined);
  const report: OwnerReport = { applied: [], schemaVersion: SCHEMA_VERSION };
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw new ServiceError('UNAVAILABLE', `cannot connect to the firewall database at ${target.label}: ${(e as Error).message}`, { cause: e });
    }
    try {
      report.applied = await migrate(client).catch(async (e: unknown) => {
        throw insufficientPrivilege(e) ? await notPermitted(client, e) : e;
      });
      if (tasks.grant) {
        report.granted = { role: tasks.grant, tables: await applyGrants(client, tasks.grant) };
        const warnings = await leftoverPrivileges(client, tasks.grant);
        if (warnings.length) report.warnings = warnings;
      }
    } finally {
      client.release();
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
  if (tasks.auditRetentionMs !== undefined) {
    const store = await openPostgresStore(target, { listen: false });
    try {
      report.pruned = await store.pruneAudit(tasks.auditRetentionMs);
    } finally {
      await store.close();
    }
  }
  return report;
}

/**
 * What the connecting role lacks to migrate, and what to grant: CREATE on schema public (PostgreSQL 15 gives it
 * only to the database's owner), or the ownership of tables another role created.
 */
async function notPermitted(client: pg.PoolClient, e: unknown): Promise<ServiceError> {
  const why = ((e as { cause?: Error }).cause ?? (e as Error)).message;
  const r = (await client.query<{ role: string; db: string; create: boolean }>(
    `SELECT current_user AS role, current_database() AS db, has_schema_privilege('public', 'CREATE') AS create`).catch(() => undefined))?.rows[0];
  if (r && !r.create) {
    const role = `"${r.role.replace(/"/g, '""')}"`;
    return new ServiceError('SERVICE', `the role ${r.role} may not create tables in schema public of database ${r.db} (${why}), so it cannot apply the firewall migrations`, {
      cause: e,
      hint: `Run 'sscs firewall migrate' as the database's owner, or have the owner (or a superuser) run: GRANT CREATE ON SCHEMA public TO ${role}`,
    });
  }
  return new ServiceError('SERVICE', `${r ? `the role ${r.role}` : 'the connecting role'} may not apply the firewall migrations (${why})`, {
    cause: e,
    hint: "Run 'sscs firewall migrate' as the role that owns the firewall tables (the one that applied the earlier migrations)",
  });
}

/**
 * TEMPORARY or CREATE the role still holds, or CONNECT that PUBLIC still holds: only the database's (or schema's)
 * owner may revoke them from PUBLIC.
 */
async function leftoverPrivileges(client: pg.PoolClient, role: string): Promise<string[]> {
  const r = (await client.query<{ db: string; temp: boolean; create: boolean; schema: boolean; connect: boolean }>(
    `SELECT current_database() AS db, has_database_privilege($1, current_database(), 'TEMPORARY') AS temp,
            has_database_privilege($1, current_database(), 'CREATE') AS create, has_schema_privilege($1, 'public', 'CREATE') AS schema,
            has_database_privilege('public', current_database(), 'CONNECT') AS connect`, [role])).rows[0]!;
  const out: string[] = [];
  if (r.temp || r.create) out.push(`${role} can still create ${r.temp ? 'temporary tables' : 'schemas'} in database ${r.db}: as its owner run REVOKE CREATE, TEMPORARY ON DATABASE "${r.db}" FROM PUBLIC, "${role}"`);
  if (r.schema) out.push(`${role} can still create objects in schema public: as its owner run REVOKE CREATE ON SCHEMA public FROM PUBLIC, "${role}"`);
  if (r.connect) out.push(`every role may still connect to database ${r.db} (and send the replicas notifications): as its owner run REVOKE CONNECT ON DATABASE "${r.db}" FROM PUBLIC; GRANT CONNECT ON DATABASE "${r.db}" TO "${role}"`);
  return out;
}

async function applyGrants(client: pg.PoolClient, role: string): Promise<number> {
  // A role that owns the tables, or bypasses privileges, would be no least-privilege role, and REVOKE ALL on the
  // owner's own tables would lock the owner out of its rows.
  const who = (await client.query<{ superuser: boolean; owner: boolean }>(
    `SELECT r.rolsuper AS superuser, (r.rolname = current_user OR pg_has_role(r.rolname, (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit'), 'USAGE')) AS owner
       FROM pg_roles r WHERE r.rolname = $1`, [role])).rows[0];
  if (who?.superuser) throw new InputError('INPUT', `--grant ${role}: that role is a superuser, which bypasses every privilege; give the replicas an ordinary role`);
  if (who?.owner) throw new InputError('INPUT', `--grant ${role}: that role owns the firewall tables (or is a member of their owner); give the replicas a role of their own`);
  const tables = [];
  for (const t of migratedTables()) if ((await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [t])).rows[0]?.ok) tables.push(t);
  await client.query('BEGIN');
  try {
    for (const sql of grantStatements(role, tables)) await client.query(sql);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    const code = (e as { code?: unknown }).code;
    // 42704: undefined_object (no such role).
    if (code === '42704') throw new InputError('INPUT', `--grant: ${(e as Error).message}: create it first (CREATE ROLE ${role} LOGIN)`, { cause: e });
    throw new ServiceError('SERVICE', `granting the replica privileges to ${role} failed: ${(e as Error).message}`, { cause: e });
  }
  return tables.length;
}
