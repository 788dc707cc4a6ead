/**
 * The conditions over a version's release history (registry/history.ts): provenance dropped, publisher
 * changed, install script newly added, release after dormancy. Each is `(value, facts, now) -> result` like
 * the others in ./conditions.ts; what the registry document does not say is unknown, never "no", so the
 * policy's on_unknown decides.
 */
import { humanDuration, parseDuration } from './duration.js';
import { DEFAULT_HISTORY_WINDOW, type PackageFacts } from './types.js';

export type HistoryResult = { holds: true; reason: string } | { holds: false } | { holds: 'unknown'; reason: string };

const NOT = { holds: false } as const;

function unknown(facts: PackageFacts, what: string): HistoryResult {
  return { holds: 'unknown', reason: `${what} is unknown (${facts.metadataAvailable ? 'not in the registry metadata' : (facts.metadataError ?? 'metadata unavailable')})` };
}

/** `true`/`false` look DEFAULT_HISTORY_WINDOW versions back; a number is the window itself. */
const windowOf = (value: boolean | number): number => (typeof value === 'number' ? value : DEFAULT_HISTORY_WINDOW);
const wanted = (value: boolean | number): boolean => value !== false;
const within = (back: number | undefined, n: number): boolean => back !== undefined && back > 0 && back <= n;
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Outcome of a boolean signal against the value asked for. */
function answer(value: boolean | number, signal: boolean, yes: string, no: string): HistoryResult {
  if (signal !== wanted(value)) return NOT;
  return { holds: true, reason: signal ? yes : no };
}

export function provenanceDropped(value: boolean | number, facts: PackageFacts): HistoryResult {
  const n = windowOf(value);
  const h = facts.history;
  if (facts.hasProvenance) return answer(value, false, '', 'has a provenance attestation');
  // No answer from a full document in publish order: the registry offers no attestations, so none can be
  // dropped. From an abbreviated one (no time, no attestations) or with no metadata: unknown.
  if (facts.hasProvenance === undefined) {
    return facts.metadataAvailable && h?.earlier !== undefined ? answer(value, false, '', 'the registry offers no provenance attestations') : unknown(facts, 'its provenance');
  }
  if (h?.attestedBack === undefined) return h?.earlier === 0 ? answer(value, false, '', 'first release') : unknown(facts, 'the provenance of earlier versions');
  const dropped = within(h.attestedBack, n);
  return answer(value, dropped, `has no provenance attestation, but the version published ${h.attestedBack} before it had one`, `no provenance attestation in the ${plural(n, 'version')} before it either`);
}

export function publisherChanged(value: boolean | number, facts: PackageFacts): HistoryResult {
  const n = windowOf(value);
  const h = facts.history;
  if (h?.earlier === 0) return answer(value, false, '', 'first release');
  if (facts.publisher === undefined) return unknown(facts, 'who published it');
  if (h?.earlier === undefined || h.publisherBack === undefined) return unknown(facts, 'who published the earlier versions');
  if (within(h.publisherBack, n)) return answer(value, false, '', `${facts.publisher} also published the version ${h.publisherBack} before it`);
  // Not seen, but some earlier version in the window has no named publisher: it may have been them.
  if (within(h.publisherUnknownBack, n)) return unknown(facts, 'who published the earlier versions');
  const span = Math.min(n, h.earlier);
  return answer(value, true, `published by ${facts.publisher}, who published none of the ${plural(span, 'version')} before it${h.previousPublisher ? ` (the previous: ${h.previousPublisher})` : ''}`, '');
}

export function installScriptAdded(value: boolean, facts: PackageFacts): HistoryResult {
  if (facts.hasInstallScripts === undefined) return unknown(facts, 'whether it has install scripts');
  if (!facts.hasInstallScripts) return answer(value, false, '', 'has no install scripts');
  const p = facts.history?.predecessor;
  if (!facts.history) return unknown(facts, 'the previous version');
  if (!p) return answer(value, false, '', 'has install scripts since its first version');
  if (p.hasInstallScript === undefined) return unknown(facts, `whether ${p.version} had install scripts`);
  return answer(value, !p.hasInstallScript, `has install scripts, and the previous version ${p.version} had none`, `${p.version} had install scripts too`);
}

export function dormantFor(value: string, facts: PackageFacts): HistoryResult {
  const gap = parseDuration(value);
  if (gap === undefined) return NOT; // The loader rejects bad durations; a hand-built policy gets no match.
  const h = facts.history;
  if (h?.earlier === 0) return NOT;
  if (!facts.publishedAt || !h?.previousPublishedAt) return unknown(facts, 'the time since the previous release');
  const idle = facts.publishedAt.getTime() - h.previousPublishedAt.getTime();
  if (idle < gap) return NOT;
  return { holds: true, reason: `released ${humanDuration(idle)} after the previous release (${h.previousVersion ?? 'unknown'}), at least ${value}` };
}
