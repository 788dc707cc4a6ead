import type { DependencyGraph, ResolvedPackage } from '../deps/model.js';
import { printableLines } from '../io/printable.js';

/**
 * The graph as text, one package a line, stable for diffs and tests:
 * `[eco:]name@version  direct|transitive  prod|dev  [optional] [bundled] [extraneous] [alias=x] [git|url|file=where] [markers="..."]  via a > b > name`,
 * the ecosystem prefixed for any other than npm (`pypi:requests@2.32.3`), then one `# unpinned:` line per unpinned requirement.
 */
export function formatGraphText(graph: DependencyGraph): string {
  const lines = [`# ${graph.packages.length} packages from ${graph.sources.join(', ')}`];
  for (const p of graph.packages) lines.push(formatPackage(p));
  for (const u of graph.unpinned ?? []) lines.push(`# unpinned: ${u.requirement}  (${u.file}${u.line ? `:${u.line}` : ''}; not checked)`);
  return printableLines(lines);
}

export function formatPackage(p: ResolvedPackage): string {
  const eco = p.ecosystem === 'npm' ? '' : `${p.ecosystem}:`;
  const tags = [p.direct ? 'direct' : 'transitive', p.dev ? 'dev' : 'prod'];
  if (p.optional) tags.push('optional');
  if (p.bundled) tags.push('bundled');
  if (p.extraneous) tags.push('extraneous');
  if (p.alias) tags.push(`alias=${p.alias}`);
  if (p.source !== 'registry') tags.push(`${p.source}=${p.resolved ?? '?'}`);
  if (p.markers) tags.push(`markers=${JSON.stringify(p.markers)}`);
  return `${eco}${p.name}@${p.version}  ${tags.join(' ')}  via ${p.path.join(' > ')}`;
}
