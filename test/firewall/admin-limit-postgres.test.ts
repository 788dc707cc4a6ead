/**
 * The admin login limiter on the PostgreSQL store (review findings 10 and 11): the right token is never counted
 * (60 calls at once with it all answer 200), and an unauthenticated request reads a few rows of the attempts
 * table, not the whole of it (the bound on the table used to be kept by an OFFSET over every row on each request).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import type pg from 'pg';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const TOKEN = 'admin-limit-postgres-token-0123456789abcdef';
/** login-limiter.ts MAX_ROWS. */
const MAX_ROWS = 100_000;

function call(localAddress: string, url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Rows of admin_login_attempts read so far (sequential and index reads), and index scans begun on it. */
async function reads(db: pg.Client): Promise<{ tuples: number; scans: number }> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const t = (await db.query(`SELECT coalesce(seq_tup_read, 0) AS seq FROM pg_stat_user_tables WHERE relname = 'admin_login_attempts'`)).rows[0] as { seq: string };
  const i = (await db.query(`SELECT coalesce(sum(idx_tup_read), 0) AS read, coalesce(sum(idx_scan), 0) AS scans FROM pg_stat_user_indexes WHERE relname = 'admin_login_attempts'`)).rows[0] as { read: string; scans: string };
  return { tuples: Number(t.seq) + Number(i.read), scans: Number(i.scans) };
}

describe('admin limiter on PostgreSQL', () => {
  let p: TestPostgres;
  let up: NpmRegistry;
  let fw: FirewallProcess;
  let db: pg.Client;
  beforeAll(async () => {
    p = await startPostgres();
    up = await startNpmRegistry();
    fw = await startFirewallProcess({ policy: await writePolicy('version: 1\nrules: []\n'), upstream: up.url, args: ['--database', p.url], env: { PGPASSWORD: p.password, SSCS_FIREWALL_ADMIN_TOKEN: TOKEN } });
    db = await p.admin();
  });
  afterAll(async () => {
    await db?.end();
    await fw?.stop();
    await up?.close();
    await p?.close();
  });

  it('answers 60 calls at once with the right token 200 each, and audits no refusal against that client', async () => {
    const statuses = await Promise.all(Array.from({ length: 60 }, () => call('127.0.0.31', `${fw.url}/-/sscs/admin/quarantine`, TOKEN)));
    const counts: Record<number, number> = {};
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    expect(counts).toEqual({ 200: 60 });
    const refused = await db.query(`SELECT count(*) AS n FROM audit WHERE client = '127.0.0.31' AND action = 'api-refused'`);
    expect(Number((refused.rows[0] as { n: string }).n)).toBe(0);
    const rows = await db.query('SELECT count(*) AS n FROM admin_login_attempts');
    expect(Number((rows.rows[0] as { n: string }).n)).toBe(0);
  });

  it('with the table full, 30 unauthenticated calls read a few rows each and the bound still holds', async () => {
    await db.query(`INSERT INTO admin_login_attempts (key, at) SELECT md5(i::text) || md5((-i)::text), now() FROM generate_series(1, ${MAX_ROWS}) AS i`);
    await db.query('ANALYZE admin_login_attempts');
    const before = await reads(db);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await call('127.0.0.32', `${fw.url}/-/sscs/admin/quarantine`));
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(20).fill(429)]);
    // The firewall's connections report their statistics when they end; every call began at least one index scan
    // (its count), so once 30 more are seen, the calls' reads are all in.
    await fw.stop();
    let after = await reads(db);
    for (let waited = 0; after.scans - before.scans < 30 && waited < 15_000; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      after = await reads(db);
    }
    expect(after.scans - before.scans).toBeGreaterThanOrEqual(30);
    // Before: each call ran DELETE ... ORDER BY id DESC OFFSET 99999, reading the whole table (3,000,000 rows).
    expect(after.tuples - before.tuples).toBeLessThan(30 * 100);
    const rows = await db.query('SELECT count(*) AS n FROM admin_login_attempts');
    expect(Number((rows.rows[0] as { n: string }).n)).toBeLessThanOrEqual(MAX_ROWS);
    expect(Number((rows.rows[0] as { n: string }).n)).toBeGreaterThan(MAX_ROWS - 20);
  });
});
