import type { DependencyGraph, ResolvedPackage } from '../deps/model.js';

/**
 * The graph as text, one package a line, stable for diffs and tests:
 * `name@version  direct|transitive  prod|dev  [optional] [bundled] [extraneous] [alias=x] [git|url|file=where]  via a > b > name`.
 */
export function formatGraphText(graph: DependencyGraph): string {
  const lines = [`# ${graph.packages.length} packages from ${graph.sources.join(', ')}`];
  for (const p of graph.packages) lines.push(formatPackage(p));
  return `${lines.join('\n')}\n`;
}

export function formatPackage(p: ResolvedPackage): string {
  const tags = [p.direct ? 'direct' : 'transitive', p.dev ? 'dev' : 'prod'];
  if (p.optional) tags.push('optional');
  if (p.bundled) tags.push('bundled');
  if (p.extraneous) tags.push('extraneous');
  if (p.alias) tags.push(`alias=${p.alias}`);
  if (p.source !== 'registry') tags.push(`${p.source}=${p.resolved ?? '?'}`);
  return `${p.name}@${p.version}  ${tags.join(' ')}  via ${p.path.join(' > ')}`;
}
