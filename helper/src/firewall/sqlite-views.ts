/**
 * The SQLite store's read-side for operators (the admin page and API): waivers in force, audit search, counts
 * per rule. Kept apart from sqlite-store.ts, which holds the request path's writes and reads.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AuditPage, AuditQuery, RuleCount, Waiver } from './store.js';
import { rowReaders, type DateOf, type Row } from './store-rows.js';

/** SQLite keeps times as epoch milliseconds. */
export const date: DateOf = (v) => (typeof v === 'number' ? new Date(v) : undefined);

/** Longest search text looked for: longer text is refused by the caller, never truncated silently here. */
export const MAX_AUDIT_SEARCH = 200;

/** The Store's records from SQLite rows (store-rows.ts). */
export const { decision: toDecision, audit: toAudit, quarantine: toQuarantine, release: toRelease, waiver: toWaiver, client: toClient } = rowReaders(date);

/** A LIKE pattern that matches `text` literally anywhere: % _ and the escape character itself are escaped. */
const contains = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class SqliteViews {
  readonly #s: Record<string, StatementSync>;

  constructor(db: DatabaseSync) {
    const p = (sql: string): StatementSync => db.prepare(sql);
    const like = (col: string): string => `${col} LIKE ?1 ESCAPE '\\'`;
    this.#s = {
      waivers: p(`SELECT * FROM waivers WHERE expires_at IS NULL OR expires_at > ? ORDER BY id DESC LIMIT ?`),
      revoke: p(`UPDATE waivers SET expires_at = ?1 WHERE id = ?2 AND (expires_at IS NULL OR expires_at > ?1) RETURNING *`),
      // A rowid range: SQLite reads only the rows of the window, newest first.
      search: p(`SELECT * FROM audit WHERE id < ?2 AND id >= ?3
        AND (?1 IS NULL OR ${['name', 'version', 'action', 'rule', 'client'].map(like).join(' OR ')})
        ORDER BY id DESC LIMIT ?4`),
      // Two statements: SQLite answers min() or max() alone from the index end, but not both in one query.
      lo: p(`SELECT MIN(id) AS id FROM audit`),
      hi: p(`SELECT MAX(id) AS id FROM audit`),
      // Served by the partial index decisions_refused.
      decisionCounts: p(`SELECT rule, action, COUNT(*) AS n FROM decisions WHERE action <> 'allow' GROUP BY rule, action`),
      // Admin rows name a release or waiver in `rule`, not a policy rule.
      requestCounts: p(`SELECT rule, action, SUM(count) AS n FROM audit WHERE id > ?1 AND rule IS NOT NULL AND kind <> 'admin' AND action <> 'allow' GROUP BY rule, action`),
    };
  }

  waivers(now: Date, limit: number): Waiver[] {
    return (this.#s.waivers!.all(now.getTime(), limit) as Row[]).map(toWaiver);
  }

  /** The UPDATE alone; the store wraps it in its transaction with the generation bump. */
  revoke(id: number, now: Date): Waiver | undefined {
    const r = this.#s.revoke!.get(now.getTime(), id) as Row | undefined;
    return r ? toWaiver(r) : undefined;
  }

  searchAudit(q: AuditQuery): AuditPage {
    const lo = this.#end('lo');
    const hi = this.#end('hi');
    if (lo === undefined || hi === undefined) return { rows: [] };
    const before = Math.min(q.before ?? hi + 1, hi + 1);
    const floor = Math.max(before - q.scanRows, lo);
    const text = q.text ? contains(q.text) : null;
    const rows = (this.#s.search!.all(text, before, floor, q.limit) as Row[]).map((r) => ({ id: Number(r.id), ...toAudit(r) }));
    // A full page continues after its last row; a short one after the window, if the log goes further back.
    const next = rows.length === q.limit ? rows.at(-1)!.id : floor > lo ? floor : undefined;
    return { rows, ...(next !== undefined && next > lo ? { next } : {}) };
  }

  /** The audit log's lowest or highest id; undefined when it is empty. */
  #end(which: 'lo' | 'hi'): number | undefined {
    const id = (this.#s[which]!.get() as Row).id;
    return typeof id === 'number' ? id : undefined;
  }

  ruleCounts(recentAuditRows: number): RuleCount[] {
    const counts = new Map<string, RuleCount>();
    const entry = (r: Row): RuleCount => {
      const key = `${String(r.rule)}\0${String(r.action)}`;
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { rule: String(r.rule), action: String(r.action), versions: 0, requests: 0 }));
      return c;
    };
    const hi = this.#end('hi');
    for (const r of this.#s.decisionCounts!.all() as Row[]) entry(r).versions = Number(r.n);
    for (const r of this.#s.requestCounts!.all((hi ?? 0) - recentAuditRows) as Row[]) entry(r).requests = Number(r.n);
    return [...counts.values()].sort((a, b) => b.requests - a.requests || b.versions - a.versions || a.rule.localeCompare(b.rule));
  }
}
