/**
 * A throw-away PostgreSQL 15 cluster on a free loopback port, for the tests that need the real server.
 * PostgreSQL refuses to run as root: as root (CI), the cluster belongs to `nobody` and its commands run through
 * runuser. Password authentication (scram-sha-256) over TCP, so a test can check that the password the store
 * uses never shows up in any output. `stop()` / `start()` take the server away and bring it back on the same port
 * (the outage tests); `close()` removes everything.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
export const PG_BIN = process.env.SSCS_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const NOBODY = 65534;

export interface TestPostgres {
  port: number;
  /** postgres://sscs@127.0.0.1:PORT/DB: no password in it. */
  url: string;
  /** The app role's password, given to the firewall only through PGPASSWORD. */
  password: string;
  /** A connection as the superuser, for setting up and inspecting. */
  admin(database?: string): Promise<pg.Client>;
  /** A fresh database owned by the app role: its URL (no password). */
  createDatabase(name: string): Promise<string>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function asOwner(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const root = process.getuid?.() === 0;
  return root ? run('runuser', ['-u', 'nobody', '--', cmd, ...args], { cwd: '/' }) : run(cmd, args, { cwd: '/' });
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-pg-'));
  const data = join(dir, 'data');
  const superPassword = randomBytes(12).toString('hex');
  const password = `pg-secret-${randomBytes(12).toString('hex')}`;
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, `${superPassword}\n`);
  if (process.getuid?.() === 0) {
    await chown(dir, NOBODY, NOBODY);
    await chown(pwfile, NOBODY, NOBODY);
  }
  await asOwner(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  await rm(pwfile);
  const port = await freePort();
  const log = join(dir, 'server.log');
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
  const start = async (): Promise<void> => {
    await asOwner(join(PG_BIN, 'pg_ctl'), ['-D', data, '-o', opts, '-l', log, '-w', '-t', '30', 'start']);
  };
  await start();
  const admin = async (database = 'postgres'): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: superPassword, database });
    await c.connect();
    return c;
  };
  const a = await admin();
  await a.query(`CREATE ROLE sscs LOGIN PASSWORD '${password}'`);
  await a.end();
  let n = 0;
  const pgUrl = (db: string): string => `postgres://sscs@127.0.0.1:${port}/${db}`;
  const createDatabase = async (name: string): Promise<string> => {
    const c = await admin();
    try {
      await c.query(`CREATE DATABASE ${name} OWNER sscs`);
    } finally {
      await c.end();
    }
    return pgUrl(name);
  };
  const url = await createDatabase(`fw${n++}`);
  return {
    port,
    url,
    password,
    admin: (database?: string) => admin(database ?? new URL(url).pathname.slice(1)),
    createDatabase,
    stop: async (mode = 'fast') => {
      await asOwner(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    },
    start,
    close: async () => {
      await asOwner(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
