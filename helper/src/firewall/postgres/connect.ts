/**
 * Where the PostgreSQL store connects, and with which secret. `--database` names the server and database
 * (postgres://USER@HOST:PORT/DB); the password comes only from the environment: PGPASSWORD, a pgpass file
 * (PGPASSFILE, ~/.pgpass), or SSCS_FIREWALL_DATABASE holding the whole URL. A flag value is seen in process
 * listings and CI logs, so a password in it is refused; nothing this module returns for logs holds one.
 */
import type { ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { UsageError } from '../../errors.js';

/** The database URL, password included, when it may not appear on the command line. */
export const DATABASE_ENV = 'SSCS_FIREWALL_DATABASE';
/** Whether a firewall or CLI command applies missing migrations itself (auto) or refuses to start (never). */
export const MIGRATE_ENV = 'SSCS_FIREWALL_MIGRATE';
export const MIGRATE_MODES = ['auto', 'never'] as const;
export type MigrateMode = (typeof MIGRATE_MODES)[number];

export interface PostgresTarget {
  /**
   * Connection settings read from the URL (host, port, user, database, sslmode...), the password added apart;
   * PostgreSQL's own variables (PGHOST, PGUSER...) fill what it leaves out.
   */
  config: ClientConfig;
  /** HOST:PORT/DB, for logs and errors: never the password. */
  label: string;
  /**
   * auto (the default): apply missing migrations at start, which needs the owner's rights; never: a replica role
   * that must not migrate refuses to start on a database that lacks one (run `sscs firewall migrate` as the owner).
   */
  migrate?: MigrateMode;
}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value);
}

/**
 * `fromFlag`: the URL came from --database (a password in it is refused, exit 2). From SSCS_FIREWALL_DATABASE
 * a password is taken out of the URL and passed on its own, so no URL kept or logged holds it.
 */
export function postgresTarget(url: string, env: NodeJS.ProcessEnv, fromFlag: boolean): PostgresTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The value is not echoed: it may hold a password.
    throw new UsageError('USAGE', `${fromFlag ? '--database' : DATABASE_ENV} is not a postgres:// URL`);
  }
  // libpq and pg-connection-string also read a password from the query (`?password=`, `?sslpassword=`).
  const queryPassword = u.searchParams.get('password') ?? undefined;
  const hasSecretParam = u.searchParams.has('password') || u.searchParams.has('sslpassword');
  if ((u.password || hasSecretParam) && fromFlag) {
    throw new UsageError('USAGE', '--database must not hold a password: a flag is visible in process listings and CI logs', {
      hint: `Give the password in PGPASSWORD or a pgpass file, or the whole URL in ${DATABASE_ENV}.`,
    });
  }
  let password: string | undefined;
  try {
    password = u.password ? decodeURIComponent(u.password) : (queryPassword ?? env.PGPASSWORD);
  } catch {
    throw new UsageError('USAGE', `the password in ${DATABASE_ENV} is not valid percent-encoding`);
  }
  u.password = '';
  u.searchParams.delete('password');
  // Parsed here, not given to pg as a connection string: pg lets the string's (empty) password win over ours.
  const config: ClientConfig = { ...parseIntoClientConfig(u.toString()), ...(password ? { password } : {}) };
  const label = `${u.hostname || env.PGHOST || 'localhost'}:${u.port || env.PGPORT || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : `/${env.PGDATABASE ?? ''}`}`;
  return { config, label };
}

/**
 * The PostgreSQL database named by --database or SSCS_FIREWALL_DATABASE, with --migrate or SSCS_FIREWALL_MIGRATE;
 * undefined keeps SQLite.
 */
export function databaseSetting(flag: unknown, env: NodeJS.ProcessEnv, migrateFlag?: unknown): PostgresTarget | undefined {
  const fromFlag = typeof flag === 'string' && flag !== '';
  const value = fromFlag ? flag : env[DATABASE_ENV];
  const migrate = typeof migrateFlag === 'string' && migrateFlag !== '' ? migrateFlag : env[MIGRATE_ENV] || undefined;
  if (migrate !== undefined && !(MIGRATE_MODES as readonly string[]).includes(migrate)) {
    throw new UsageError('USAGE', `--migrate (or ${MIGRATE_ENV}) must be auto or never, not '${migrate.slice(0, 40)}'`);
  }
  if (!value) return undefined;
  if (!isPostgresUrl(value)) {
    throw new UsageError('USAGE', `${fromFlag ? '--database' : DATABASE_ENV} must be a postgres:// URL; without it the firewall keeps its state in SQLite under --data-dir`);
  }
  return { ...postgresTarget(value, env, fromFlag), ...(migrate ? { migrate: migrate as MigrateMode } : {}) };
}
