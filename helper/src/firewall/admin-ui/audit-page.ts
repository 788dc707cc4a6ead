/** The audit log page: a literal search over name, version, action, rule and client, a page at a time. */
import { html, type Html } from './html.js';
import { layout, when } from './layout.js';
import type { Session } from './sessions.js';
import type { AuditRow } from '../store.js';

/** Rows per page. */
export const AUDIT_PAGE_SIZE = 50;
/** Audit rows one search request examines at most: a search of a large log goes on a window per page. */
export const AUDIT_SCAN_ROWS = 100_000;

/** `next` is where the next page starts (AuditPage.next), absent when nothing older is left. */
export function auditPage(rows: AuditRow[], query: { text?: string; before?: number }, next: number | undefined, s: Session): Html {
  const body = rows.map(
    (e) => html`<tr><td>${when(e.at)}</td><td><code>${e.client}</code></td><td>${e.kind}</td><td><code>${e.name}</code></td><td><code>${e.version ?? ''}</code></td><td>${e.action}</td><td><code>${e.rule ?? ''}</code></td><td class="num">${e.status}</td><td class="num">${e.count ?? 1}</td></tr>`,
  );
  const older = new URLSearchParams({ ...(query.text ? { q: query.text } : {}), before: String(next) });
  const pager: Html[] = [];
  if (query.before !== undefined) pager.push(html`<a href="audit${query.text ? `?${new URLSearchParams({ q: query.text }).toString()}` : ''}">Newest</a> `);
  if (next !== undefined) pager.push(html`<a href="audit?${older.toString()}" rel="next">${rows.length < AUDIT_PAGE_SIZE ? 'Search older entries' : 'Older entries'}</a>`);
  return layout(
    'Audit log',
    html`<section id="audit">
<h2>Audit log</h2>
<form method="get" action="audit" class="inline" role="search">
<input type="search" name="q" value="${query.text ?? ''}" maxlength="200" placeholder="package, rule, action or client" aria-label="Search the audit log">
<button type="submit">Search</button>
</form>
${body.length
  ? html`<table><thead><tr><th>Time</th><th>Client</th><th>Kind</th><th>Package</th><th>Version</th><th>Action</th><th>Rule</th><th>Status</th><th>Count</th></tr></thead><tbody>${body}</tbody></table>`
  : html`<p class="empty">${query.text ? `Nothing matches${next !== undefined ? ' in this window of the log' : ''}.` : 'The audit log is empty.'}</p>`}
<p class="pager">${pager}</p>
</section>`,
    s,
  );
}
