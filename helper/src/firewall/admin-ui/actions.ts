/**
 * What the admin page's forms do, once the session, Origin and CSRF token are checked: release a quarantined
 * version, add a waiver, revoke one. The checks on the values are the CLI's and the admin API's
 * (operator.ts); every action is recorded in the audit log as the admin API records it.
 */
import type { IncomingMessage } from 'node:http';
import type { HandlerContext, Outcome } from '../context.js';
import { InputError } from '../../errors.js';
import { addWaiverChecked, releaseQuarantined } from '../operator.js';
import { releaseEvent, waiverEvent } from '../events.js';
import { MAX_VERSION, parsePackageName } from '../package-spec.js';
import { clientOf } from '../client-address.js';
import { field } from './form.js';

/** Longest package name field accepted (package-spec.ts refuses longer ones). */
const MAX_NAME = 256;
const DAY_MS = 86_400_000;

export type ActionResult = { ok: boolean; text: string };
/** A form's action: the checked form, who is logged in, and the request's outcome for the log line. */
export type Action = (ctx: HandlerContext, req: IncomingMessage, form: URLSearchParams, operator: string, out: Outcome) => Promise<ActionResult>;

/** The package as the store keys it, named as the CLI and the admin API take it (package-spec.ts). */
function packageFields(form: URLSearchParams): { name: string; version: string } | undefined {
  const raw = field(form, 'name', MAX_NAME);
  const version = field(form, 'version', MAX_VERSION);
  if (!raw || !version) return undefined;
  try {
    return { name: parsePackageName(raw).key, version };
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
}

/** An InputError's message for the page; anything else is not the operator's mistake and propagates. */
function refusal(e: unknown): ActionResult {
  if (e instanceof InputError) return { ok: false, text: e.message };
  throw e;
}

export const release: Action = async (ctx, req, form, operator, out) => {
  const pkg = packageFields(form);
  const reason = field(form, 'reason');
  if (!pkg || !reason) return { ok: false, text: 'A release needs the package, its version and a reason.' };
  out.name = pkg.name;
  out.version = pkg.version;
  try {
    const r = await releaseQuarantined(ctx.store, pkg.name, pkg.version, operator, reason);
    ctx.store.audit({ at: new Date(), client: clientOf(ctx, req), kind: 'admin', name: pkg.name, version: pkg.version, action: 'release', rule: `release:${r.id}`, status: 200 });
    ctx.alert?.(releaseEvent(r, 'admin-page', clientOf(ctx, req)));
    return { ok: true, text: `Released ${pkg.name}@${pkg.version} (release ${r.id}): the next install gets it.` };
  } catch (e) {
    return refusal(e);
  }
};

/** `YYYY-MM-DD` as the last millisecond of that day, UTC; undefined when not a real date. */
function endOfDay(value: string | undefined): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? '');
  if (!m) return undefined;
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-31 over into March: such a date was not a real one.
  return new Date(start).toISOString().startsWith(value!) ? new Date(start + DAY_MS - 1) : undefined;
}

/** The owner is a field of the form (a team, say), not necessarily who is logged in. */
export const addWaiver: Action = async (ctx, req, form, operator, out) => {
  const pkg = packageFields(form);
  const owner = field(form, 'owner');
  const reason = field(form, 'reason');
  const expiresAt = endOfDay(field(form, 'expires', 10));
  if (!pkg || !owner || !reason || !expiresAt) return { ok: false, text: 'A waiver needs a valid package name, versions, an owner, a reason and an expiry date (YYYY-MM-DD).' };
  out.name = pkg.name;
  out.version = pkg.version;
  try {
    const w = await addWaiverChecked(ctx.store, { ...pkg, by: owner, reason, expiresAt }, new Date());
    ctx.store.audit({ at: new Date(), client: clientOf(ctx, req), kind: 'admin', name: pkg.name, version: pkg.version, action: 'waive', rule: `waiver:${w.id}`, status: 200 });
    ctx.alert?.(waiverEvent(w, 'admin-page', operator, clientOf(ctx, req)));
    return { ok: true, text: `Waiver ${w.id} added for ${pkg.name}@${pkg.version}, owned by ${owner}, until ${expiresAt.toISOString()}.` };
  } catch (e) {
    return refusal(e);
  }
};

export const revokeWaiver: Action = async (ctx, req, form, _operator, out) => {
  const raw = field(form, 'id', 12);
  const id = raw && /^[1-9]\d*$/.test(raw) ? Number(raw) : undefined;
  if (!id) return { ok: false, text: 'Which waiver? The form did not say.' };
  const w = await ctx.store.revokeWaiver(id, new Date());
  if (!w) return { ok: false, text: `Waiver ${id} is not in force: it expired or was revoked already.` };
  out.name = w.name;
  out.version = w.version;
  ctx.store.audit({ at: new Date(), client: clientOf(ctx, req), kind: 'admin', name: w.name, version: w.version, action: 'revoke', rule: `waiver:${w.id}`, status: 200 });
  return { ok: true, text: `Waiver ${w.id} for ${w.name}@${w.version} revoked.` };
};
