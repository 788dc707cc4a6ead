/**
 * The release-history signals as report items: which of them hold for one version, with the default
 * thresholds, whatever the policy's rules say. `sscs policy check --format json` lists them per package and
 * `sscs scan --packument/--registry` reports them as findings; rules act on the same conditions with their
 * own thresholds (./history-conditions.ts).
 */
import { evaluateCondition } from './conditions.js';
import type { Conditions, PackageFacts, Severity } from './types.js';

/** A release after a year without one: most dormant-then-compromised packages sat for years. */
export const DEFAULT_DORMANCY = '52w';

/** Each signal, the value it is reported at, its scanner rule id and severity. */
export const RELEASE_SIGNALS = [
  { condition: 'provenance_dropped', value: true, rule: 'registry-provenance-dropped', severity: 'medium' },
  { condition: 'publisher_changed', value: true, rule: 'registry-publisher-changed', severity: 'low' },
  { condition: 'install_script_added', value: true, rule: 'registry-install-script-added', severity: 'medium' },
  { condition: 'dormant_for', value: DEFAULT_DORMANCY, rule: 'registry-dormant-release', severity: 'low' },
] as const satisfies readonly { condition: keyof Conditions; value: unknown; rule: string; severity: Severity }[];

export type SignalName = (typeof RELEASE_SIGNALS)[number]['condition'];

export interface SignalHit {
  signal: SignalName;
  /** `true`: it holds; `unknown`: the registry document could not tell. */
  holds: true | 'unknown';
  reason: string;
}

/** The signals that hold, or cannot be told, for one version's facts; those that do not hold are left out. */
export function releaseSignals(facts: PackageFacts, now: Date): SignalHit[] {
  const out: SignalHit[] = [];
  for (const s of RELEASE_SIGNALS) {
    const r = evaluateCondition(s.condition, s.value as never, facts, now);
    if (r.holds !== false) out.push({ signal: s.condition, holds: r.holds, reason: r.reason });
  }
  return out;
}
