// What one admin page request costs the firewall's event loop on a large SQLite store: the bounded reads the
// page makes (counts over the newest 100,000 audit rows, a search window of 100,000 rows) side by side with
// the same reads over the whole log, as a reference. Run after `npm run build`:
//   node bench/admin-views.mjs [auditRows=500000] [decisions=200000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../helper/dist/firewall/sqlite-store.js';

const AUDIT_ROWS = Number(process.argv[2] ?? 500_000);
const DECISIONS = Number(process.argv[3] ?? 200_000);
const WINDOW = 100_000;
const RUNS = 5;

const dir = mkdtempSync(join(tmpdir(), 'sscs-bench-admin-'));
const store = await openSqliteStore(join(dir, 'firewall.db'));
const at = new Date();
const rules = ['default', 'deny-evil', 'hold-fresh', 'no-install-scripts'];
for (let i = 0; i < DECISIONS; i += 1000) {
  store.recordDecisions(Array.from({ length: 1000 }, (_, k) => {
    const n = i + k;
    return { name: `dec-${n % 20_000}`, version: `1.0.${n}`, action: n % 50 ? 'allow' : 'deny', rule: n % 50 ? 'default' : 'deny-evil', reason: 'r', policyVersion: 'p', decidedAt: at };
  }));
}
for (let i = 0; i < AUDIT_ROWS; i++) {
  const refused = i % 7 === 0;
  store.audit({ at, client: `10.0.${(i >> 8) & 255}.${i & 255}`, kind: i % 2 ? 'tarball' : 'packument', name: `pkg-${i % 5000}`, version: '1.0.0', action: refused ? 'deny' : 'allow', rule: rules[i % 4], status: refused ? 403 : 200 });
  if (i % 400 === 0) store.flush();
}
store.flush();

const median = (fn) => {
  const runs = [];
  for (let k = 0; k < RUNS; k++) {
    const t = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
};
const rows = [
  ['counts per rule', () => store.ruleCounts(WINDOW), () => store.ruleCounts(AUDIT_ROWS + 1)],
  ['audit, first page', () => store.searchAudit({ limit: 50, scanRows: WINDOW }), () => store.searchAudit({ limit: 50, scanRows: AUDIT_ROWS + 1 })],
  ['audit search, no match', () => store.searchAudit({ text: 'no-such-thing', limit: 50, scanRows: WINDOW }), () => store.searchAudit({ text: 'no-such-thing', limit: 50, scanRows: AUDIT_ROWS + 1 })],
];
console.log(`admin page reads on ${AUDIT_ROWS} audit rows and ${DECISIONS} decisions (median of ${RUNS}, ms)`);
console.log(`${'read'.padEnd(26)}${`bounded (${WINDOW} rows)`.padStart(24)}${'whole log'.padStart(14)}`);
for (const [label, bounded, whole] of rows) console.log(`${label.padEnd(26)}${median(bounded).toFixed(1).padStart(24)}${median(whole).toFixed(1).padStart(14)}`);
store.close();
rmSync(dir, { recursive: true, force: true });
