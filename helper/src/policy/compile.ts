import { InputError } from '../errors.js';
import { compileMatch, compileWaiverMatch, PatternError, type PackagePredicate } from './match.js';
import { CONDITION_NAMES, type ConditionName, type Conditions, type Policy, type Rule, type Waiver } from './types.js';

/** The rule id used in decisions and in a waiver's `rules` list for the known-malicious feed check. */
export const MALICIOUS_RULE_ID = 'malicious-feed';
export const DEFAULT_RULE_ID = 'default';

export interface CompiledRule {
  id: string;
  rule: Rule;
  matches: PackagePredicate;
  conditions: [ConditionName, NonNullable<Conditions[ConditionName]>][];
}

export interface CompiledWaiver {
  id: string;
  waiver: Waiver;
  matches: PackagePredicate;
  /** The first instant at which the waiver no longer applies. */
  expiresAt: Date;
  rules: Set<string> | undefined;
}

export interface CompiledPolicy {
  rules: CompiledRule[];
  waivers: CompiledWaiver[];
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` is valid through that day (UTC), so it stops applying at the next midnight. */
export function waiverExpiry(expires: string): Date | undefined {
  const t = DATE_ONLY.test(expires) ? Date.parse(`${expires}T00:00:00Z`) + DAY_MS : Date.parse(expires);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export const ruleId = (rule: Rule, index: number): string => rule.id ?? `rules[${index}]`;
export const waiverId = (waiver: Waiver, index: number): string => waiver.id ?? `waivers[${index}]`;

function compileRule(rule: Rule, index: number): CompiledRule {
  const conditions = CONDITION_NAMES.filter((n) => rule.when?.[n] !== undefined).map(
    (n) => [n, rule.when![n]!] as [ConditionName, NonNullable<Conditions[ConditionName]>],
  );
  return { id: ruleId(rule, index), rule, matches: compileMatch(rule.match), conditions };
}

function compileWaiver(waiver: Waiver, index: number): CompiledWaiver {
  const expiresAt = waiverExpiry(waiver.expires);
  if (!expiresAt) throw new PatternError(`'${waiver.expires}' is not a date`);
  return {
    id: waiverId(waiver, index),
    waiver,
    matches: compileWaiverMatch(waiver.package, waiver.version),
    expiresAt,
    rules: waiver.rules ? new Set(waiver.rules) : undefined,
  };
}

const cache = new WeakMap<Policy, CompiledPolicy>();

/**
 * Compiles a policy once (globs to regular expressions, ranges to semver objects) and caches it by identity,
 * so that evaluating thousands of packages, or every version of a packument in the proxy, stays cheap.
 * Policies are data that must not be mutated after their first evaluation.
 */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const hit = cache.get(policy);
  if (hit) return hit;
  const compiled: CompiledPolicy = { rules: [], waivers: [] };
  (policy.rules ?? []).forEach((r, i) => compiled.rules.push(wrap(() => compileRule(r, i), `rules[${i}]`)));
  (policy.waivers ?? []).forEach((w, i) => compiled.waivers.push(wrap(() => compileWaiver(w, i), `waivers[${i}]`)));
  cache.set(policy, compiled);
  return compiled;
}

function wrap<T>(fn: () => T, field: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PatternError) throw new InputError('SCHEMA', `policy ${field}: ${e.message}`, { where: { field }, cause: e });
    throw e;
  }
}
