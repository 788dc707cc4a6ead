import type { MaliciousFeed } from '../feeds/malicious.js';
import { typosquatTargets } from '../feeds/typosquat.js';
import type { Finding } from './types.js';

/** Most targets named in one typosquat finding. */
const MAX_TARGETS_SHOWN = 3;

/**
 * Findings about who the package says it is rather than what it holds: a name imitating a popular package
 * (typosquat, medium: a signal, since some unpopular names are legitimately close to popular ones) and a
 * version listed by a known-malicious feed (known-malicious, critical).
 */
export function identityFindings(pkg: { name: string; version: string } | undefined, feed?: MaliciousFeed, ecosystem: 'npm' | 'PyPI' = 'npm'): Finding[] {
  if (!pkg) return [];
  const out: Finding[] = [];
  const file = ecosystem === 'npm' ? 'package.json' : '(metadata)';
  for (const id of feed?.lookup(ecosystem, pkg.name, pkg.version) ?? []) {
    out.push({ rule: 'known-malicious', severity: 'critical', file, evidence: `${pkg.name}@${pkg.version}`, message: `listed as malicious by ${id}` });
  }
  // The popular-name list is npm's: a PyPI name is checked against PyPI names by the policy, not here.
  if (ecosystem !== 'npm') return out;
  const targets = typosquatTargets(pkg.name);
  if (targets.length > 0) {
    out.push({ rule: 'typosquat', severity: 'medium', file: 'package.json', evidence: pkg.name, message: `name imitates the popular package ${targets.slice(0, MAX_TARGETS_SHOWN).join(', ')}` });
  }
  return out;
}
