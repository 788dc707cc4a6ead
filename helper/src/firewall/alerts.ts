/** What the firewall tells operators beyond its request log: block alerts, retroactive hits, feed file changes. */
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Decision, PackageRef } from '../policy/types.js';
import type { RetroactiveHit } from './live.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { AuditEntry, Store } from './store.js';
import { ecosystemOfKey } from './operator.js';
import { firewallEvent, type FirewallEvent } from './events.js';

type Alert = (event: FirewallEvent) => void;
const FIREWALL = { kind: 'firewall', via: 'proxy' } as const;

/** One alert per version and outcome in this window: a CI fleet retrying a refused install is one event. */
export const BLOCK_ALERT_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED_BLOCKS = 10_000;
/** A feed written in several steps (a copy, not a rename) settles before it is read. */
export const FEED_SETTLE_MS = 500;

/** Turns refused requests into `block` (deny) and `quarantine` events, at most one per version and outcome per window. */
export function blockAlerts(alert: Alert, windowMs = BLOCK_ALERT_WINDOW_MS): (pkg: PackageRef, d: Decision) => void {
  const seen = new Map<string, number>();
  return (pkg, d) => {
    if (d.action !== 'deny' && d.action !== 'quarantine') return;
    const key = `${pkg.name}@${pkg.version}\0${d.action}\0${d.rule}`;
    const now = Date.now();
    if ((seen.get(key) ?? -Infinity) > now - windowMs) return;
    if (seen.size >= MAX_REMEMBERED_BLOCKS) seen.clear();
    seen.set(key, now);
    alert(firewallEvent({
      type: d.action === 'deny' ? 'block' : 'quarantine', ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, actor: FIREWALL,
      data: { action: d.action, rule: d.rule, reason: d.reason, ...(d.until ? { until: d.until.toISOString() } : {}) },
    }));
  };
}

export const RETROACTIVE_METRIC = 'sscs_firewall_retroactive_hits_total';

/**
 * A version served earlier that the feed now lists as malicious: one audit row per client that fetched it
 * (kind tarball, action retroactive-hit), a metric, a log line and a webhook event naming the clients. Every
 * replica reloading the feed finds the same hit; only the one that claims it in the store reports it (the
 * claim and the audit rows commit together, the webhook follows the commit as every event does), the others
 * log `retroactive-hit-claimed-elsewhere` and return false. A claim that cannot be written (the database away)
 * is reported all the same: a hit told twice is better than one never told.
 */
export async function reportRetroactive(hit: RetroactiveHit, sink: { store: Store; metrics: Metrics; log: Logger; alert?: Alert }): Promise<boolean> {
  const at = new Date();
  const rule = (ids: string[]): string => `malicious-feed:${ids.join(',')}`;
  const rows = (ids: string[]): AuditEntry[] =>
    hit.clients.map((c) => ({ at, client: c.address, kind: 'tarball', name: hit.name, version: hit.version, action: 'retroactive-hit', rule: rule(ids), status: 200 }));
  let ids: string[];
  try {
    ids = await sink.store.served.claimHit({ ecosystem: ecosystemOfKey(hit.name), name: hit.name, version: hit.version, ids: hit.ids, at }, rows);
  } catch (e) {
    sink.log({ event: 'retroactive-claim-failed', name: hit.name, version: hit.version, message: (e as Error).message, hint: 'reported without a claim: another replica may report it too' });
    ids = hit.ids;
    for (const r of rows(ids)) {
      try {
        sink.store.audit(r);
      } catch (err) {
        sink.log({ event: 'audit-failed', message: (err as Error).message });
      }
    }
  }
  if (!ids.length) {
    sink.log({ event: 'retroactive-hit-claimed-elsewhere', name: hit.name, version: hit.version, ids: hit.ids });
    return false;
  }
  sink.metrics.inc(RETROACTIVE_METRIC, 'Versions served earlier that the feed listed as malicious afterwards.', { source: 'malicious-feed' });
  const clients = hit.clients.map((c) => ({
    address: c.address, ...(c.userAgent ? { userAgent: c.userAgent } : {}), ...(c.npmSession ? { npmSession: c.npmSession } : {}),
    firstFetch: c.firstAt.toISOString(), lastFetch: c.lastAt.toISOString(), fetches: c.fetches,
  }));
  const event = firewallEvent({ type: 'retroactive-hit', name: hit.name, version: hit.version, at, actor: FIREWALL, data: { ids, clients, ...(hit.otherClients ? { otherClients: hit.otherClients } : {}) } });
  sink.log({ event: 'retroactive-hit', ecosystem: event.ecosystem, name: event.name, version: hit.version, ...event.data });
  sink.alert?.(event);
  return true;
}

/**
 * Calls `onChange` when the feed file is replaced or rewritten. The folder is watched, not the file: `sscs
 * feed sync` renames a new file over the old one, which a watch on the old file would never see. A feed that
 * is a folder tree is reloaded on SIGHUP or through the admin API only.
 */
export function watchFeed(path: string, onChange: () => void, log: Logger): (() => void) | undefined {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  try {
    const w = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, FEED_SETTLE_MS);
    });
    w.on('error', (e) => log({ event: 'feed-watch-failed', file: path, message: e.message }));
    return () => {
      clearTimeout(timer);
      w.close();
    };
  } catch (e) {
    log({ event: 'feed-watch-failed', file: path, message: (e as Error).message, hint: 'reload with SIGHUP or POST /-/sscs/admin/reload' });
    return undefined;
  }
}
