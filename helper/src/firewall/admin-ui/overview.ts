/** The overview page: counts per rule, the quarantine queue with release buttons, and the waivers in force. */
import { html, type Html } from './html.js';
import { csrfField, layout, when } from './layout.js';
import type { Session } from './sessions.js';
import type { QuarantineEntry, RuleCount, Waiver } from '../store.js';

export interface Overview {
  quarantine: QuarantineEntry[];
  /** Entries in the queue, when more than are shown. */
  quarantineTotal: number;
  waivers: Waiver[];
  counts: RuleCount[];
}

const action = (a: string): Html => html`<span class="action-${/^[a-z]+$/.test(a) ? a : 'other'}">${a}</span>`;

function quarantineSection(o: Overview, s: Session): Html {
  const rows = o.quarantine.map(
    (q) => html`<tr>
<td><code>${q.name}</code></td><td><code>${q.version}</code></td><td><code>${q.rule}</code></td><td>${q.reason}</td><td>${when(q.queuedAt)}</td><td>${when(q.until)}</td>
<td><form class="inline" method="post" action="release">${csrfField(s)}<input type="hidden" name="name" value="${q.name}"><input type="hidden" name="version" value="${q.version}">
<input type="text" name="reason" required maxlength="500" placeholder="why it is safe" aria-label="Reason to release ${q.name}@${q.version}"><button type="submit">Release</button></form></td>
</tr>`,
  );
  const shown = o.quarantine.length < o.quarantineTotal ? html` (oldest ${o.quarantine.length} shown)` : '';
  return html`<section id="quarantine">
<h2>Quarantine queue <span class="count">${o.quarantineTotal}${shown}</span></h2>
${rows.length
  ? html`<table><thead><tr><th>Package</th><th>Version</th><th>Rule</th><th>Reason</th><th>Queued</th><th>Held until</th><th>Release</th></tr></thead><tbody>${rows}</tbody></table>`
  : html`<p class="empty">Nothing is waiting for review.</p>`}
</section>`;
}

function waiverSection(o: Overview, s: Session): Html {
  const rows = o.waivers.map(
    (w) => html`<tr>
<td class="num">${w.id}</td><td><code>${w.name}</code></td><td><code>${w.version}</code></td><td>${w.by}</td><td>${w.reason}</td><td>${w.expiresAt ? when(w.expiresAt) : 'never'}</td><td>${when(w.at)}</td>
<td><form class="inline" method="post" action="waivers/revoke">${csrfField(s)}<input type="hidden" name="id" value="${w.id}"><button class="danger" type="submit" aria-label="Revoke waiver ${w.id}">Revoke</button></form></td>
</tr>`,
  );
  return html`<section id="waivers">
<h2>Waivers in force <span class="count">${o.waivers.length}</span></h2>
${rows.length
  ? html`<table><thead><tr><th>#</th><th>Package</th><th>Versions</th><th>Owner</th><th>Reason</th><th>Expires</th><th>Added</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
  : html`<p class="empty">No waiver is in force.</p>`}
<h2>Add a waiver</h2>
<form method="post" action="waivers" class="grid">${csrfField(s)}
<label>Package<input type="text" name="name" required maxlength="214" placeholder="left-pad, @scope/name or pkg:pypi/name"></label>
<label>Versions<input type="text" name="version" required maxlength="256" placeholder="1.2.3, 1.x, ==2.0 (PyPI) or *"></label>
<label>Owner<input type="text" name="owner" required maxlength="500" value="${s.operator}"></label>
<label>Reason<input type="text" name="reason" required maxlength="500"></label>
<label>Expires (end of day, UTC)<input type="date" name="expires" required></label>
<button type="submit">Add waiver</button>
</form>
</section>`;
}

function countSection(o: Overview): Html {
  const rows = o.counts.map((c) => html`<tr><td><code>${c.rule}</code></td><td>${action(c.action)}</td><td class="num">${c.versions}</td><td class="num">${c.requests}</td></tr>`);
  return html`<section id="rules">
<h2>Counts per rule</h2>
${rows.length
  ? html`<table><thead><tr><th>Rule</th><th>Action</th><th>Versions refused</th><th>Requests refused (recent)</th></tr></thead><tbody>${rows}</tbody></table>`
  : html`<p class="empty">No version refused yet.</p>`}
</section>`;
}

export function overviewPage(o: Overview, s: Session): Html {
  return layout('Overview', html`${quarantineSection(o, s)}${waiverSection(o, s)}${countSection(o)}`, s);
}
