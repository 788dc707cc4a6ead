/**
 * The PostgreSQL schema as numbered migrations, applied in order at start under an advisory lock (replicas
 * starting together apply each once) and recorded in `schema_migrations`. A migration is never edited once
 * released: a change is a new one. A database newer than this build is refused, never downgraded.
 */
import type { PoolClient } from 'pg';
import { ServiceError } from '../../errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The channel every replica LISTENs on; the payload is the new generation. */
export const NOTIFY_CHANNEL = 'sscs_firewall';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'decisions, quarantine, releases, waivers, scans and an append-only audit log',
    sql: `
CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO meta (key, value) VALUES ('generation', 0);
CREATE TABLE decisions (
  name text NOT NULL, version text NOT NULL, action text NOT NULL, rule text NOT NULL, reason text NOT NULL,
  until timestamptz, integrity text, credential text, policy_version text NOT NULL, generation bigint NOT NULL,
  decided_at timestamptz NOT NULL, served_under text,
  PRIMARY KEY (name, version));
-- Counts per rule (admin page) read only refused versions.
CREATE INDEX decisions_refused ON decisions (rule, action) WHERE action <> 'allow';
CREATE TABLE quarantine (
  name text NOT NULL, version text NOT NULL, rule text NOT NULL, reason text NOT NULL, until timestamptz,
  queued_at timestamptz NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE releases (
  id bigserial PRIMARY KEY, name text NOT NULL, version text NOT NULL, by text NOT NULL, reason text NOT NULL,
  at timestamptz NOT NULL);
CREATE INDEX releases_pkg ON releases (name, version);
CREATE TABLE waivers (
  id bigserial PRIMARY KEY, name text NOT NULL, version text NOT NULL, by text NOT NULL, reason text NOT NULL,
  expires_at timestamptz, at timestamptz NOT NULL);
CREATE INDEX waivers_pkg ON waivers (name);
CREATE TABLE scans (
  name text NOT NULL, version text NOT NULL, findings jsonb NOT NULL, scanned_at timestamptz NOT NULL,
  scanner text NOT NULL, PRIMARY KEY (name, version));
CREATE TABLE audit (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL, client text NOT NULL, kind text NOT NULL, name text NOT NULL,
  version text, action text NOT NULL, rule text, status integer NOT NULL, count integer NOT NULL DEFAULT 1,
  last_at timestamptz);
-- Append-only, whoever connects: rows are never changed, removed or truncated.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
`,
  },
  {
    version: 2,
    name: 'audit retention: a row leaves only once it is older than the retention window',
    sql: `
-- Audit rows whose last occurrence is before this time (epoch ms) may be removed: the retention window's start.
INSERT INTO meta (key, value) VALUES ('audit_kept_from', 0);
-- The window's start only moves forward, and never past the database's own clock: what a prune may remove is
-- at most what is older than now.
CREATE FUNCTION meta_kept_from_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.key = 'audit_kept_from' THEN
    NEW.value := GREATEST(OLD.value, LEAST(NEW.value, (extract(epoch FROM now()) * 1000)::bigint));
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER meta_kept_from_forward BEFORE UPDATE ON meta FOR EACH ROW EXECUTE FUNCTION meta_kept_from_forward();
DROP TRIGGER audit_no_delete ON audit;
CREATE FUNCTION audit_delete_expired_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF COALESCE(OLD.last_at, OLD.at) >= to_timestamp((SELECT value FROM meta WHERE key = 'audit_kept_from') / 1000.0) THEN
    RAISE EXCEPTION 'audit log is append-only: only rows older than the retention window may be removed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER audit_delete_expired_only BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_delete_expired_only();
CREATE INDEX audit_last ON audit ((COALESCE(last_at, at)));
`,
  },
  {
    version: 3,
    name: 'every generation bump notifies the replicas, whoever made it (a replica, the CLI or SQL by hand)',
    sql: `
CREATE FUNCTION meta_notify_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.key = 'generation' THEN PERFORM pg_notify('${NOTIFY_CHANNEL}', NEW.value::text); END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER meta_notify_generation AFTER UPDATE ON meta FOR EACH ROW EXECUTE FUNCTION meta_notify_generation();
-- A release, waiver or blocking scan written by hand bumps the generation too.
CREATE FUNCTION bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; RETURN NULL; END $$;
CREATE TRIGGER releases_bump AFTER INSERT OR UPDATE OR DELETE ON releases FOR EACH STATEMENT EXECUTE FUNCTION bump_generation();
CREATE TRIGGER waivers_bump AFTER INSERT OR UPDATE OR DELETE ON waivers FOR EACH STATEMENT EXECUTE FUNCTION bump_generation();
`,
  },
  {
    version: 4,
    name: 'the sha256 each PyPI file was first served with (file names are immutable on the index)',
    sql: `
CREATE TABLE file_digests (
  name text NOT NULL, file text NOT NULL, sha256 text NOT NULL, first_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (name, file));
`,
  },
  {
    version: 5,
    name: 'the audit retention window cannot be widened by hand: its start is bounded by the recorded retention and cannot be removed',
    sql: `
-- The retention a firewall was started with (ms; at least one day) is recorded by it in meta as 'audit_retention_ms'
-- and only ever grows there: a shorter one is an owner's change, never a plain UPDATE by the firewall's role. No
-- such row means no retention: the window's start then stays where it is.
DROP TRIGGER meta_kept_from_forward ON meta;
DROP FUNCTION meta_kept_from_forward();
CREATE FUNCTION meta_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  retention bigint;
  bound bigint;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF OLD.key IN ('audit_kept_from', 'audit_retention_ms') AND (TG_OP = 'DELETE' OR NEW.key IS DISTINCT FROM OLD.key) THEN
      RAISE EXCEPTION 'audit log is append-only: meta % cannot be removed or renamed', OLD.key USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  END IF;
  IF NEW.key = 'audit_retention_ms' THEN
    IF NEW.value IS NULL OR NEW.value < 86400000 THEN
      RAISE EXCEPTION 'audit log is append-only: the audit retention must be at least one day (86400000 ms)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' THEN NEW.value := GREATEST(OLD.value, NEW.value); END IF;
  ELSIF NEW.key = 'audit_kept_from' THEN
    retention := (SELECT value FROM meta WHERE key = 'audit_retention_ms');
    bound := (extract(epoch FROM now()) * 1000)::bigint - retention;
    IF TG_OP = 'INSERT' THEN
      NEW.value := CASE WHEN bound IS NULL OR NEW.value IS NULL THEN 0 ELSE LEAST(NEW.value, bound) END;
    ELSIF bound IS NULL OR NEW.value IS NULL THEN
      NEW.value := OLD.value;
    ELSE
      -- Only forward, and never past now minus the retention: what a prune may remove is what retention lets go.
      NEW.value := GREATEST(OLD.value, LEAST(NEW.value, bound));
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER meta_audit_guard BEFORE INSERT OR UPDATE OR DELETE ON meta FOR EACH ROW EXECUTE FUNCTION meta_audit_guard();
CREATE TRIGGER meta_no_truncate BEFORE TRUNCATE ON meta FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
-- A row inside the window, or any row while the window's start is unknown, is refused (fail closed).
CREATE OR REPLACE FUNCTION audit_delete_expired_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kept bigint := (SELECT value FROM meta WHERE key = 'audit_kept_from');
BEGIN
  IF kept IS NULL OR COALESCE(OLD.last_at, OLD.at) IS NULL OR COALESCE(OLD.last_at, OLD.at) >= to_timestamp(kept / 1000.0) THEN
    RAISE EXCEPTION 'audit log is append-only: only rows older than the retention window may be removed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;
`,
  },
  {
    version: 6,
    name: 'admin page sessions shared by replicas, keyed by a hash of the session id',
    sql: `
-- The key is the SHA-256 (hex) of the cookie's random id: the table never holds a cookie value one could replay.
CREATE TABLE admin_sessions (
  key text PRIMARY KEY CHECK (key ~ '^[0-9a-f]{64}$'), operator text NOT NULL, created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL, idle_until timestamptz NOT NULL CHECK (idle_until <= expires_at), flash jsonb);
CREATE INDEX admin_sessions_created ON admin_sessions (created_at);
`,
  },
  {
    version: 7,
    name: 'the served-client log (who fetched which version, for retroactive hits) shared by replicas',
    sql: `
-- name is the store key (documentKey), so it carries the ecosystem: left-pad, pkg:pypi/requests.
CREATE TABLE served_versions (
  name text NOT NULL, version text NOT NULL, last_at timestamptz NOT NULL, other_clients bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (name, version));
CREATE INDEX served_versions_last ON served_versions (last_at);
-- Absent User-Agent or npm-session is '' so that the primary key covers them.
CREATE TABLE served_clients (
  name text NOT NULL, version text NOT NULL, address text NOT NULL, user_agent text NOT NULL DEFAULT '',
  npm_session text NOT NULL DEFAULT '', first_at timestamptz NOT NULL, last_at timestamptz NOT NULL, fetches bigint NOT NULL,
  PRIMARY KEY (name, version, address, user_agent, npm_session),
  FOREIGN KEY (name, version) REFERENCES served_versions (name, version) ON DELETE CASCADE);
`,
  },
  {
    version: 8,
    name: 'retroactive hits claimed by one replica (first writer wins), and admin login attempts counted across replicas',
    sql: `
-- name is the store key (documentKey); feed_id the OSV record (MAL-...) that newly lists the version.
CREATE TABLE retroactive_hits (
  ecosystem text NOT NULL, name text NOT NULL, version text NOT NULL, feed_id text NOT NULL, claimed_at timestamptz NOT NULL,
  PRIMARY KEY (ecosystem, name, version, feed_id));
CREATE INDEX retroactive_hits_claimed ON retroactive_hits (claimed_at);
-- key: HMAC-SHA256 of the client address under the admin token, never the address itself.
CREATE TABLE admin_login_attempts (
  id bigserial PRIMARY KEY, key text NOT NULL CHECK (key ~ '^[0-9a-f]{64}$'), at timestamptz NOT NULL);
CREATE INDEX admin_login_attempts_key ON admin_login_attempts (key, at);
CREATE INDEX admin_login_attempts_at ON admin_login_attempts (at);
`,
  },
  {
    version: 9,
    name: 'the PyPI files served and the decision each was served under, for offline serving',
    sql: `
CREATE TABLE served_files (
  name text NOT NULL, file text NOT NULL, version text NOT NULL, sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  action text NOT NULL, rule text NOT NULL, credential text NOT NULL, served_under text NOT NULL, requires_python text,
  yanked text NOT NULL, served_at timestamptz NOT NULL, PRIMARY KEY (name, file));
`,
  },
  {
    version: 10,
    name: 'trigger functions pinned to pg_catalog and public.meta (no pg_temp shadowing); only the owner records the audit retention',
    sql: `
-- A session's search_path starts with pg_temp, and every role may create temporary tables by default: an
-- unqualified 'meta' in a trigger could read a replica's own pg_temp.meta. Every function names public.meta and
-- is pinned to pg_catalog first and pg_temp last (PostgreSQL: "Writing SECURITY DEFINER Functions Safely").
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$;
CREATE OR REPLACE FUNCTION audit_delete_expired_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  kept bigint := (SELECT value FROM public.meta WHERE key = 'audit_kept_from');
BEGIN
  IF kept IS NULL OR COALESCE(OLD.last_at, OLD.at) IS NULL OR COALESCE(OLD.last_at, OLD.at) >= to_timestamp(kept / 1000.0) THEN
    RAISE EXCEPTION 'audit log is append-only: only rows older than the retention window may be removed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;
CREATE OR REPLACE FUNCTION meta_notify_generation() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.key = 'generation' THEN PERFORM pg_notify('${NOTIFY_CHANNEL}', NEW.value::text); END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION bump_generation() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN UPDATE public.meta SET value = value + 1 WHERE key = 'generation'; RETURN NULL; END $$;
-- As migration 5, and: the audit keys are written only by the owner of meta (or a member of that role), whatever
-- table privileges a replica role holds (it needs INSERT and UPDATE on meta for the generation).
CREATE OR REPLACE FUNCTION meta_audit_guard() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  retention bigint;
  bound bigint;
BEGIN
  IF (TG_OP <> 'INSERT' AND OLD.key IN ('audit_kept_from', 'audit_retention_ms'))
     OR (TG_OP <> 'DELETE' AND NEW.key IN ('audit_kept_from', 'audit_retention_ms')) THEN
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
      RAISE EXCEPTION 'permission denied for meta %: only the owner of the firewall tables records or moves the audit retention (sscs firewall migrate --audit-retention-days)', COALESCE(NEW.key, OLD.key) USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF OLD.key IN ('audit_kept_from', 'audit_retention_ms') AND (TG_OP = 'DELETE' OR NEW.key IS DISTINCT FROM OLD.key) THEN
      RAISE EXCEPTION 'audit log is append-only: meta % cannot be removed or renamed', OLD.key USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  END IF;
  IF NEW.key = 'audit_retention_ms' THEN
    IF NEW.value IS NULL OR NEW.value < 86400000 THEN
      RAISE EXCEPTION 'audit log is append-only: the audit retention must be at least one day (86400000 ms)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' THEN NEW.value := GREATEST(OLD.value, NEW.value); END IF;
  ELSIF NEW.key = 'audit_kept_from' THEN
    retention := (SELECT value FROM public.meta WHERE key = 'audit_retention_ms');
    bound := (extract(epoch FROM now()) * 1000)::bigint - retention;
    IF TG_OP = 'INSERT' THEN
      NEW.value := CASE WHEN bound IS NULL OR NEW.value IS NULL THEN 0 ELSE LEAST(NEW.value, bound) END;
    ELSIF bound IS NULL OR NEW.value IS NULL THEN
      NEW.value := OLD.value;
    ELSE
      NEW.value := GREATEST(OLD.value, LEAST(NEW.value, bound));
    END IF;
  END IF;
  RETURN NEW;
END $$;
`,
  },
];

/** The newest migration (by number: migrations written in parallel may land out of order). */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** The migration versions a database has applied; none when it has no schema_migrations table yet. */
export async function appliedVersions(client: PoolClient): Promise<number[]> {
  const present = (await client.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`)).rows[0]?.present;
  if (!present) return [];
  return (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version));
}

/**
 * The migrations a database lacks, read without writing anything (a replica role that may not migrate can
 * still tell whether it needs to); ServiceError for a database newer than this build.
 */
export async function pendingMigrations(client: PoolClient): Promise<Migration[]> {
  const done = new Set(await appliedVersions(client));
  const newest = Math.max(0, ...done);
  if (newest > SCHEMA_VERSION) {
    throw new ServiceError('SERVICE', `the firewall database has schema version ${newest}, newer than this sscs knows (${SCHEMA_VERSION}): upgrade sscs, never downgrade a database`);
  }
  return MIGRATIONS.filter((m) => !done.has(m.version));
}

/** Any fixed number: the advisory lock replicas take while migrating. */
const MIGRATION_LOCK = 0x55c5_f1e0;

/**
 * Applies the migrations not yet applied, each in its own transaction, up to `upTo` (tests stop early to build
 * an older database). Returns the versions applied.
 */
export async function migrate(client: PoolClient, upTo: number = SCHEMA_VERSION): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    const pending = (await pendingMigrations(client)).filter((m) => m.version <= upTo);
    // Only when there is something to record: CREATE ... IF NOT EXISTS still needs CREATE on the schema, which a
    // migrated database's owner may since have lost.
    if (pending.length) await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied: number[] = [];
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new ServiceError('SERVICE', `firewall database migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
