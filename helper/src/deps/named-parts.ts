import type { NamedPart } from '../io/secrets.js';
import type { DependencyGraph } from './model.js';

/**
 * The parts of a dependency graph that came from its inputs, named for an error that must not quote them
 * (io/secrets.ts assertNoSecret): the files read, then each package, then the unpinned requirements and the
 * warnings. A package is named by its place and by the files it came from, which are checked before it.
 */
export function* graphParts(graph: DependencyGraph): Generator<NamedPart> {
  const sources = graph.sources.length;
  for (const [i, source] of graph.sources.entries()) yield { name: `the name of file ${i + 1} of the ${sources} read`, text: source };
  const packages = graph.packages.length;
  for (const [i, p] of graph.packages.entries()) {
    yield { name: `package ${i + 1} of ${packages} read from ${p.sources.join(', ')} (its name, version, dependency path or URL)`, text: JSON.stringify(p) };
  }
  for (const [i, u] of (graph.unpinned ?? []).entries()) yield { name: `unpinned requirement ${i + 1}, in ${u.file}`, text: JSON.stringify(u) };
  for (const [i, m] of (graph.missing ?? []).entries()) yield { name: `unlocked dependency ${i + 1}, in ${m.file}`, text: JSON.stringify(m) };
  for (const [i, w] of (graph.warnings ?? []).entries()) yield { name: `warning ${i + 1}`, text: w };
}
