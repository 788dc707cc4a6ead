/**
 * The firewall's events, one envelope for every type and every path (the proxy, the admin API, the admin page and
 * the CLI), as webhooks deliver them: schemas/firewall-event-v1.schema.json (source: schemas/firewall-event.ts)
 * and the README's "Webhooks" section document it. The package is named three ways a consumer may need:
 * `ecosystem` and `name` as the ecosystem spells it (PyPI: PEP 503-normalised), and its `purl`.
 */
import { randomUUID } from 'node:crypto';
import { purl as purlOf } from '../deps/model.js';
import type { Ecosystem } from '../ecosystems/index.js';
import { ecosystemOf } from '../ecosystems/index.js';
import { ecosystemOfKey } from './operator.js';

export const WEBHOOK_EVENTS = ['block', 'quarantine', 'release', 'waiver', 'retroactive-hit'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Where an operator's action came from; `proxy` is the firewall itself deciding a request. */
export const EVENT_SOURCES = ['proxy', 'admin-api', 'admin-page', 'cli'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** Who caused the event: an operator (by the name recorded with the action) or the firewall (a policy decision). */
export interface EventActor {
  kind: 'operator' | 'firewall';
  via: EventSource;
  /** The operator's name as recorded (--by, the admin API's `by`, the admin page's login); absent for the firewall. */
  name?: string;
  /** The client address of an admin API or admin page request; never a credential. */
  client?: string;
}

export interface FirewallEvent {
  /** Unique per event (UUID v4) and the same in every retry of its delivery (the x-sscs-delivery header). */
  id: string;
  type: WebhookEvent;
  /** When it happened (ISO 8601, UTC): the record's time for a release or waiver, else when the firewall saw it. */
  at: string;
  ecosystem: Ecosystem;
  /** The package name in its ecosystem's form: `@scope/name`, or a PEP 503-normalised PyPI project. */
  name: string;
  /** The version; for a waiver, what it covers: a version, `*` or a range. */
  version: string;
  /** The package's purl, with the version when `version` is one version, without it for a waiver of a range or `*`. */
  purl: string;
  actor: EventActor;
  /** For release and waiver: the database record, as the audit log's rule and the CLI's output name it (`release:12`). */
  record?: string;
  /** What only this type carries (README, "Webhooks"). */
  data: Record<string, unknown>;
}

export interface EventInput {
  type: WebhookEvent;
  /** The store key (documentKey: `left-pad`, `pkg:pypi/requests`) or a name with `ecosystem` given. */
  name: string;
  ecosystem?: Ecosystem;
  version: string;
  actor: EventActor;
  at?: Date;
  record?: string;
  data?: Record<string, unknown>;
}

/**
 * A package (store key or name, with a version, `*` or a range) as events and the admin API name it: ecosystem,
 * name in the ecosystem's form, and purl (with the version only when it is one version).
 */
export function packageIdentity(key: string, version: string, given?: Ecosystem): { ecosystem: Ecosystem; name: string; purl: string } {
  const ecosystem = given ?? ecosystemOfKey(key);
  const prefix = `pkg:${ecosystem}/`;
  const name = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  const single = ecosystemOf(ecosystem).versioning.isVersion(version);
  return { ecosystem, name, purl: purlOf({ ecosystem, name, version: single ? version : '' }) };
}

/** Builds an event: the package named by ecosystem, name and purl, a fresh id. */
export function firewallEvent(e: EventInput): FirewallEvent {
  const { ecosystem, name, purl } = packageIdentity(e.name, e.version, e.ecosystem);
  return {
    id: randomUUID(),
    type: e.type,
    at: (e.at ?? new Date()).toISOString(),
    ecosystem,
    name,
    version: e.version,
    purl,
    actor: e.actor,
    ...(e.record ? { record: e.record } : {}),
    data: e.data ?? {},
  };
}

/** A release record as an event. */
export function releaseEvent(r: { id: number; name: string; version: string; by: string; reason: string; at: Date }, via: EventSource, client?: string): FirewallEvent {
  return firewallEvent({
    type: 'release', name: r.name, version: r.version, at: r.at, record: `release:${r.id}`,
    actor: { kind: 'operator', via, name: r.by, ...(client ? { client } : {}) },
    data: { reason: r.reason },
  });
}

/** A waiver record as an event; `operator` is who added it, which on the admin page may differ from its owner. */
export function waiverEvent(w: { id: number; name: string; version: string; by: string; reason: string; expiresAt?: Date; at: Date }, via: EventSource, operator: string, client?: string): FirewallEvent {
  return firewallEvent({
    type: 'waiver', name: w.name, version: w.version, at: w.at, record: `waiver:${w.id}`,
    actor: { kind: 'operator', via, name: operator, ...(client ? { client } : {}) },
    data: { owner: w.by, reason: w.reason, ...(w.expiresAt ? { expires: w.expiresAt.toISOString() } : {}) },
  });
}
