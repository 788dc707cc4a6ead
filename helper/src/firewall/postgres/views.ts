/**
 * The PostgreSQL store's reads for operators (the admin page and API): audit search and counts per rule, with
 * the same bounds and answers as the SQLite views (sqlite-views.ts).
 */
import type { AuditPage, AuditQuery, RuleCount } from '../store.js';
import { toAudit, type Row } from './rows.js';

export type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

export async function searchAudit(query: Query, q: AuditQuery): Promise<AuditPage> {
  const [ends] = await query('SELECT min(id) AS lo, max(id) AS hi FROM audit', []);
  if (ends?.lo == null || ends.hi == null) return { rows: [] };
  const [lo, hi] = [Number(ends.lo), Number(ends.hi)];
  // The same window as the SQLite views: at most scanRows ids below `before`, read from the primary key.
  const before = Math.min(q.before ?? hi + 1, hi + 1);
  const floor = Math.max(before - q.scanRows, lo);
  // Literal, case-insensitive: % _ and the escape character are escaped.
  const text = q.text ? `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = (await query(
    `SELECT * FROM audit WHERE id < $2 AND id >= $3
       AND ($1::text IS NULL OR name ILIKE $1 OR version ILIKE $1 OR action ILIKE $1 OR rule ILIKE $1 OR client ILIKE $1)
     ORDER BY id DESC LIMIT $4`,
    [text, before, floor, q.limit],
  )).map((r) => ({ id: Number(r.id), ...toAudit(r) }));
  const next = rows.length === q.limit ? rows.at(-1)!.id : floor > lo ? floor : undefined;
  return { rows, ...(next !== undefined && next > lo ? { next } : {}) };
}

export async function ruleCounts(query: Query, recentAuditRows: number): Promise<RuleCount[]> {
  const rows = await query(
    `SELECT rule, action, SUM(versions)::bigint AS versions, SUM(requests)::bigint AS requests FROM (
       SELECT rule, action, COUNT(*) AS versions, 0 AS requests FROM decisions WHERE action <> 'allow' GROUP BY rule, action
       UNION ALL
       -- Admin rows name a release or waiver in rule, not a policy rule.
       SELECT rule, action, 0, SUM(count) FROM audit
        WHERE id > COALESCE((SELECT max(id) FROM audit), 0) - $1 AND rule IS NOT NULL AND kind <> 'admin' AND action <> 'allow'
        GROUP BY rule, action) c
     GROUP BY rule, action`,
    [recentAuditRows],
  );
  return rows
    .map((r) => ({ rule: String(r.rule), action: String(r.action), versions: Number(r.versions), requests: Number(r.requests) }))
    .sort((a, b) => b.requests - a.requests || b.versions - a.versions || a.rule.localeCompare(b.rule));
}
