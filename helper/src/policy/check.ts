import { purl, type DependencyGraph, type Ecosystem, type ResolvedPackage, type SourceKind } from '../deps/model.js';
import { factsKey, registryFacts, type MetadataSource } from '../registry/metadata.js';
import type { PackumentMeta } from '../registry/packument.js';
import { compilePolicy } from './compile.js';
import { evaluate } from './engine.js';
import { releaseSignals, type SignalHit } from './signals.js';
import type { Action, ConditionName, Decision, Mode, PackageFacts, Policy, Severity } from './types.js';

/** Local checks the caller wires in (from the scan area); each absent one is reported as not run. */
export interface LocalChecks {
  /**
   * Known-malicious feed: ids of the records that list this version (`ecosystem`: `npm`, `pypi`); from the same
   * OSV file, the known vulnerabilities covering it.
   */
  malicious?: { source: string; lookup(ecosystem: string, name: string, version: string): string[]; vulnerabilities?(ecosystem: string, name: string, version: string): { id: string; severity?: Severity }[] | undefined };
  /** Popular names of the same ecosystem this one is suspiciously close to. */
  typosquatOf?: (name: string, ecosystem: Ecosystem) => string[];
  /** Scanner findings for one package version. */
  scan?: (pkg: ResolvedPackage) => Promise<{ rule: string; severity: Severity; evidence: string }[]>;
}

export interface CheckRecord {
  purl: string;
  name: string;
  version: string;
  alias?: string;
  direct: boolean;
  dev: boolean;
  path: string[];
  sources: string[];
  /** Where the code comes from; a non-registry package also says from where (`resolved`). */
  source: SourceKind;
  resolved?: string;
  /** Known-malicious feed ids that list this version. */
  malicious?: string[];
  /** Release-history signals that hold or cannot be told, at their default thresholds (./signals.ts); registry packages with metadata only. */
  signals?: SignalHit[];
  decision: Decision;
}

export interface ExpiredWaiver {
  id: string;
  package: string;
  owner: string;
  expires: string;
  /** Whether it matched a package of this check (and so would have applied). */
  matched: boolean;
}

export interface CheckResult {
  mode: Mode;
  policy: string;
  sources: string[];
  records: CheckRecord[];
  counts: Record<Action, number>;
  /** True when the check fails: enforce mode and at least one deny or quarantine. */
  failed: boolean;
  checks: { registry: 'online' | 'snapshot' | 'offline'; maliciousFeed: string | null; typosquat: boolean; scan: boolean };
  expiredWaivers: ExpiredWaiver[];
  /** Registry failures, one line each. */
  errors: string[];
  packuments: Map<string, PackumentMeta>;
}

export interface CheckOptions {
  graph: DependencyGraph;
  policy: Policy;
  /** Shown in reports: a file path, or `default`. */
  policyName: string;
  mode?: Mode;
  metadata: MetadataSource;
  local: LocalChecks;
  now: Date;
}

/** Whether any rule of the policy tests this condition: facts nobody asks for are not computed. */
export function policyUses(policy: Policy, condition: ConditionName): boolean {
  return (policy.rules ?? []).some((r) => r.when?.[condition] !== undefined);
}

/** The check pipeline: graph -> facts (registry + local checks) -> one decision per package -> result. */
export async function checkGraph(opts: CheckOptions): Promise<CheckResult> {
  const { graph, policy, now } = opts;
  // Typosquat detection and scanning cost time; run them only for a policy that has a rule about them.
  const local: LocalChecks = {
    ...(opts.local.malicious ? { malicious: opts.local.malicious } : {}),
    ...(opts.local.typosquatOf && policyUses(policy, 'typosquat') ? { typosquatOf: opts.local.typosquatOf } : {}),
    ...(opts.local.scan && policyUses(policy, 'suspicious') ? { scan: opts.local.scan } : {}),
  };
  // Registry facts and the registry's feeds describe registry packages only: a git or tarball dependency of the
  // same name and version is other code, so it is judged on what is known about it (its source), no more.
  const fromRegistry = (p: ResolvedPackage): p is ResolvedPackage & { source: 'registry' } => p.source === 'registry';
  const refs = graph.packages.filter(fromRegistry).map((p) => ({ ecosystem: p.ecosystem, name: p.name, version: p.version }));
  const registry = await registryFacts(refs, opts.metadata);
  const records: CheckRecord[] = [];
  const counts: Record<Action, number> = { allow: 0, warn: 0, quarantine: 0, deny: 0 };
  const scans = local.scan ? await Promise.all(graph.packages.map((p) => (fromRegistry(p) ? local.scan!(p) : undefined))) : undefined;
  for (const [i, pkg] of graph.packages.entries()) {
    let facts: PackageFacts;
    if (pkg.source === 'registry') {
      facts = { ...(registry.facts.get(factsKey(pkg)) ?? { metadataAvailable: false }) };
      if (local.malicious) facts.maliciousIds = local.malicious.lookup(pkg.ecosystem, pkg.name, pkg.version);
      const vulns = local.malicious?.vulnerabilities?.(pkg.ecosystem, pkg.name, pkg.version);
      if (vulns) facts.vulnerabilities = vulns;
      if (local.typosquatOf) facts.typosquatOf = local.typosquatOf(pkg.name, pkg.ecosystem);
      if (scans?.[i]) facts.suspicious = scans[i];
    } else {
      facts = nonRegistryFacts(pkg.source);
    }
    // An alias is judged as the real package it installs: the engine only ever sees `name`.
    const decision = evaluate(policy, { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version }, facts, now);
    counts[decision.action]++;
    const signals = facts.metadataAvailable ? releaseSignals(facts, now) : [];
    records.push({
      purl: purl(pkg),
      name: pkg.name,
      version: pkg.version,
      ...(pkg.alias ? { alias: pkg.alias } : {}),
      direct: pkg.direct,
      dev: pkg.dev,
      path: pkg.path,
      sources: pkg.sources,
      source: pkg.source,
      ...(pkg.source !== 'registry' && pkg.resolved ? { resolved: pkg.resolved } : {}),
      ...(facts.maliciousIds?.length ? { malicious: facts.maliciousIds } : {}),
      ...(signals.length ? { signals } : {}),
      decision,
    });
  }
  const mode = opts.mode ?? policy.mode ?? 'enforce';
  return {
    mode,
    policy: opts.policyName,
    sources: graph.sources,
    records,
    counts,
    failed: mode === 'enforce' && counts.deny + counts.quarantine > 0,
    checks: {
      registry: opts.metadata.kind === 'registry' ? 'online' : opts.metadata.kind === 'snapshot' ? 'snapshot' : 'offline',
      maliciousFeed: local.malicious?.source ?? null,
      typosquat: local.typosquatOf !== undefined,
      scan: local.scan !== undefined,
    },
    expiredWaivers: expiredWaivers(policy, records, now),
    errors: registry.errors,
    packuments: registry.packuments,
  };
}

const SOURCE_NAMES: Record<Exclude<SourceKind, 'registry'>, string> = { git: 'a git dependency', url: 'a tarball URL dependency', file: 'a tarball file dependency' };

/** What is known about a package that no registry serves: where it comes from, and that registry facts do not apply. */
export function nonRegistryFacts(source: Exclude<SourceKind, 'registry'>): PackageFacts {
  return { source, metadataAvailable: false, metadataError: `${SOURCE_NAMES[source]}: no registry metadata` };
}

/** Every waiver of the policy that has expired, whether or not it matched a package: stale entries are reported. */
function expiredWaivers(policy: Policy, records: CheckRecord[], now: Date): ExpiredWaiver[] {
  const matched = new Set(records.flatMap((r) => r.decision.expiredWaivers ?? []));
  return compilePolicy(policy)
    .waivers.filter((w) => now >= w.expiresAt)
    .map((w) => ({ id: w.id, package: w.waiver.package, owner: w.waiver.owner, expires: w.waiver.expires, matched: matched.has(w.id) }));
}
