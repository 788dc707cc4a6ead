import { checkLicense } from './license.js';
import { isIncompleteFinding } from '../scan/types.js';
import { humanDuration, parseDuration } from './duration.js';
import { dormantFor, installScriptAdded, provenanceDropped, publisherChanged } from './history-conditions.js';
import type { ConditionName, Conditions, PackageFacts, Severity } from './types.js';

/**
 * One condition evaluated over the facts of one package version: it holds (with a reason, and for an age
 * gate the time it stops holding), it does not hold, or it cannot be told because metadata is missing.
 */
export type ConditionResult = { holds: true; reason: string; until?: Date } | { holds: false } | { holds: 'unknown'; reason: string };

type ConditionFn<K extends ConditionName> = (value: NonNullable<Conditions[K]>, facts: PackageFacts, now: Date) => ConditionResult;

const NOT = { holds: false } as const;
const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

function unknown(facts: PackageFacts, what: string): ConditionResult {
  return { holds: 'unknown', reason: `${what} is unknown (${facts.metadataAvailable ? 'not in the registry metadata' : (facts.metadataError ?? 'metadata unavailable')})` };
}

const source: ConditionFn<'source'> = (value, facts) => {
  const from = facts.source ?? 'registry';
  return value.includes(from) ? { holds: true, reason: from === 'registry' ? 'comes from a registry' : `comes from ${SOURCE_WORDS[from]}` } : NOT;
};

const SOURCE_WORDS = { git: 'a git repository', url: 'a tarball URL', file: 'a tarball file' } as const;

const publishedWithin: ConditionFn<'published_within'> = (value, facts, now) => {
  const window = parseDuration(value);
  if (window === undefined) return NOT; // The loader rejects bad durations; a hand-built policy gets no match.
  if (!facts.publishedAt) return unknown(facts, 'the publish time');
  const age = now.getTime() - facts.publishedAt.getTime();
  if (age >= window) return NOT;
  const until = new Date(facts.publishedAt.getTime() + window);
  return { holds: true, reason: `published ${humanDuration(age)} ago, less than ${value}; old enough at ${until.toISOString()}`, until };
};

const typosquat: ConditionFn<'typosquat'> = (value, facts) => {
  // Not checked (no typosquat list) counts as "no finding": it is a local check, not registry metadata.
  const hits = facts.typosquatOf ?? [];
  if (value !== hits.length > 0) return NOT;
  return { holds: true, reason: value ? `name is close to popular package ${hits.join(', ')}` : 'name is not close to a popular package' };
};

const installScripts: ConditionFn<'install_scripts'> = (value, facts) => {
  if (facts.hasInstallScripts === undefined) return unknown(facts, 'whether it has install scripts');
  if (facts.hasInstallScripts !== value) return NOT;
  return { holds: true, reason: value ? 'has install scripts' : 'has no install scripts' };
};

const provenance: ConditionFn<'provenance'> = (value, facts) => {
  if (facts.hasProvenance === undefined) {
    // With metadata, undefined means the registry offers no attestations: the check does not apply.
    return facts.metadataAvailable ? NOT : unknown(facts, 'its provenance');
  }
  if (facts.hasProvenance !== value) return NOT;
  return { holds: true, reason: value ? 'has a provenance attestation' : 'has no provenance attestation' };
};

const deprecated: ConditionFn<'deprecated'> = (value, facts) => {
  if (facts.deprecated === undefined) return unknown(facts, 'whether it is deprecated');
  const isDeprecated = typeof facts.deprecated === 'string';
  if (isDeprecated !== value) return NOT;
  return { holds: true, reason: isDeprecated ? `deprecated: ${String(facts.deprecated)}` : 'not deprecated' };
};

const license: ConditionFn<'license'> = (value, facts) => {
  if (!facts.license) return unknown(facts, 'the license');
  const verdict = checkLicense(facts.license, value);
  if ('unknown' in verdict) return { holds: 'unknown', reason: verdict.unknown };
  return verdict.violates ? { holds: true, reason: verdict.detail } : NOT;
};

const suspicious: ConditionFn<'suspicious'> = (value, facts) => {
  // Not scanned counts as "no finding"; the report says whether the scan ran.
  const min = SEVERITY_RANK[value];
  const all = facts.suspicious ?? [];
  const hits = all.filter((f) => !isIncompleteFinding(f.rule) && SEVERITY_RANK[f.severity] >= min);
  if (hits.length === 0) {
    // A package the scanner could not read or analyse whole is not clean: the finding is unknown.
    const partial = all.find((f) => isIncompleteFinding(f.rule));
    return partial ? { holds: 'unknown', reason: `the scan is incomplete (${partial.rule}: ${partial.evidence})` } : NOT;
  }
  return { holds: true, reason: `scanner findings: ${hits.map((h) => `${h.rule} (${h.severity})`).join(', ')}` };
};

const vulnerable: ConditionFn<'vulnerable'> = (value, facts) => {
  // No vulnerability data loaded is unknown, not clean: the rule then follows on_unknown (fail closed by default).
  if (facts.vulnerabilities === undefined) return { holds: 'unknown', reason: 'known vulnerabilities are unknown (no OSV vulnerability record of this ecosystem loaded)' };
  const min = value.severity ? SEVERITY_RANK[value.severity] : 0;
  const hits = facts.vulnerabilities.filter((v) => v.severity !== undefined && SEVERITY_RANK[v.severity] >= min);
  if (hits.length) return { holds: true, reason: `known vulnerabilities: ${hits.map((h) => `${h.id} (${h.severity})`).join(', ')}` };
  const unrated = facts.vulnerabilities.filter((v) => v.severity === undefined);
  if (unrated.length === 0) return NOT;
  if (min === 0) return { holds: true, reason: `known vulnerabilities: ${unrated.map((h) => h.id).join(', ')}` };
  return { holds: 'unknown', reason: `the severity of ${unrated.map((h) => h.id).join(', ')} is unknown` };
};

const CONDITIONS: { [K in ConditionName]: ConditionFn<K> } = {
  source,
  published_within: publishedWithin,
  typosquat,
  install_scripts: installScripts,
  provenance,
  deprecated,
  license,
  suspicious,
  provenance_dropped: provenanceDropped,
  publisher_changed: publisherChanged,
  install_script_added: installScriptAdded,
  dormant_for: dormantFor,
  vulnerable,
};

export function evaluateCondition<K extends ConditionName>(name: K, value: NonNullable<Conditions[K]>, facts: PackageFacts, now: Date): ConditionResult {
  return CONDITIONS[name](value, facts, now);
}
