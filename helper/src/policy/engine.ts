import { compilePolicy, DEFAULT_RULE_ID, MALICIOUS_RULE_ID, type CompiledRule, type CompiledWaiver } from './compile.js';
import { evaluateCondition } from './conditions.js';
import type { Action, ConditionName, Decision, PackageFacts, PackageRef, Policy } from './types.js';

/**
 * Evaluates one package version against a policy. Pure: the same (policy, pkg, facts, now) always gives the
 * same decision. Order (documented in the README):
 *  1. Waivers that match the package are split into active and expired; expired ones are noted, never used.
 *  2. Known-malicious feed: a listed version gets `policy.malicious` (default deny), unless an active waiver
 *     lifts `malicious-feed`.
 *  3. Rules in file order. A rule applies when its `match` matches and all its `when` conditions hold.
 *     allow/deny/quarantine decide (first match wins); warn adds a note and evaluation goes on. A condition
 *     that cannot be evaluated (missing metadata) takes the on_unknown outcome; `allow` there means "treat
 *     as not holding". An active waiver lifts a deny/quarantine/warn rule it names (or all, with no list).
 *  4. No rule decided: `default_action` (default allow). An allow with warnings becomes warn.
 */
export function evaluate(policy: Policy, pkg: PackageRef, facts: PackageFacts, now: Date): Decision {
  const compiled = compilePolicy(policy);
  const notes: string[] = [];
  const expiredWaivers: string[] = [];
  const active: CompiledWaiver[] = [];
  for (const w of compiled.waivers) {
    if (!w.matches(pkg)) continue;
    if (now < w.expiresAt) active.push(w);
    else {
      expiredWaivers.push(w.id);
      notes.push(`waiver ${w.id} (owner ${w.waiver.owner}) expired on ${w.waiver.expires} and no longer applies`);
    }
  }
  const warnings: { rule: string; reason: string }[] = [];
  let waivedBy: CompiledWaiver | undefined;
  // The soonest time an outcome used here stops holding: an age gate ends, a waiver that lifted a rule expires.
  let changesAt: Date | undefined;
  const soonest = (d: Date | undefined): void => {
    if (d && (!changesAt || d < changesAt)) changesAt = d;
  };

  const finish = (d: Decision): Decision => ({
    ...d,
    ...(changesAt ? { changesAt } : {}),
    ...(notes.length ? { notes } : {}),
    ...(expiredWaivers.length ? { expiredWaivers } : {}),
  });

  /** Applies an outcome; returns the decision when it is final, undefined when evaluation goes on. */
  const apply = (rule: string, action: Action, reason: string, until?: Date): Decision | undefined => {
    soonest(until);
    if (action !== 'allow') {
      const waiver = active.find((w) => !w.rules || w.rules.has(rule));
      if (waiver) {
        soonest(waiver.expiresAt);
        notes.push(`${rule} waived by ${waiver.id}: ${reason}`);
        waivedBy ??= waiver;
        return undefined;
      }
    }
    if (action === 'warn') {
      warnings.push({ rule, reason });
      return undefined;
    }
    if (action === 'allow' && warnings.length) return warned();
    // A deny or quarantine keeps the warnings met on the way as notes, so the report loses nothing.
    notes.unshift(...warnings.map((w) => `${w.rule}: ${w.reason}`));
    return finish({ action, rule, reason, ...(until ? { until } : {}) });
  };

  const warned = (): Decision => {
    const [first, ...rest] = warnings;
    notes.unshift(...rest.map((w) => `${w.rule}: ${w.reason}`));
    return finish({ action: 'warn', rule: first!.rule, reason: first!.reason });
  };

  if (facts.maliciousIds?.length) {
    const d = apply(MALICIOUS_RULE_ID, policy.malicious ?? 'deny', `listed in the known-malicious feed (${facts.maliciousIds.join(', ')})`);
    if (d) return d;
  }

  for (const rule of compiled.rules) {
    if (!rule.matches(pkg)) continue;
    const outcome = ruleOutcome(policy, rule, facts, now);
    if (!outcome) continue;
    const d = apply(rule.id, outcome.action, outcome.reason, outcome.until);
    if (d) return d;
  }

  const fallback = policy.default_action ?? 'allow';
  if (fallback !== 'allow') {
    const d = apply(DEFAULT_RULE_ID, fallback, `no rule matched; the policy's default_action is ${fallback}`);
    if (d) return d;
  }
  if (warnings.length) return warned();
  if (waivedBy) {
    const w = waivedBy.waiver;
    return finish({ action: 'allow', rule: waivedBy.id, reason: `waived by ${waivedBy.id} (owner ${w.owner}, until ${w.expires}): ${w.reason}` });
  }
  return finish({ action: 'allow', rule: DEFAULT_RULE_ID, reason: 'no rule matched' });
}

const STRICTNESS: Record<Action, number> = { allow: 0, warn: 1, quarantine: 2, deny: 3 };

/** A rule's outcome for one package: undefined when it does not apply. */
function ruleOutcome(policy: Policy, rule: CompiledRule, facts: PackageFacts, now: Date): { action: Action; reason: string; until?: Date } | undefined {
  const held: string[] = [];
  const unknowns: { name: ConditionName; reason: string }[] = [];
  let until: Date | undefined;
  for (const [name, value] of rule.conditions) {
    const r = evaluateCondition(name, value, facts, now);
    if (r.holds === false) return undefined;
    if (r.holds === 'unknown') unknowns.push({ name, reason: r.reason });
    else {
      held.push(r.reason);
      if (r.until && (!until || r.until > until)) until = r.until;
    }
  }
  const prefix = rule.rule.reason ? `${rule.rule.reason}: ` : '';
  if (unknowns.length) {
    // Several unknown conditions: the strictest of their outcomes.
    const action = unknowns.map((u) => unknownOutcome(policy, rule, u.name)).reduce((a, b) => (STRICTNESS[b] > STRICTNESS[a] ? b : a));
    if (action === 'allow') return undefined;
    return { action, reason: `cannot tell: ${unknowns.map((u) => u.reason).join('; ')}` };
  }
  const detail = held.length ? held.join('; ') : `matches rule ${rule.id}`;
  return { action: rule.rule.action, reason: `${prefix}${detail}`, ...(until ? { until } : {}) };
}

/** rule.on_unknown, else the policy's per-condition or global on_unknown, else the rule's own action. */
function unknownOutcome(policy: Policy, rule: CompiledRule, condition: ConditionName): Action {
  if (rule.rule.on_unknown) return rule.rule.on_unknown;
  const global = policy.on_unknown;
  if (typeof global === 'string') return global;
  return global?.[condition] ?? rule.rule.action;
}
