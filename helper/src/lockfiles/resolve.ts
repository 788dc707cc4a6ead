import type { ResolvedPackage } from '../deps/model.js';
import { withoutCredentials } from './source.js';
import type { LockEdge, LockNode, LockTree } from './tree.js';

/**
 * Turns one input's tree into resolved packages (one per non-local node, not yet deduplicated): direct or
 * transitive, dev or prod, optional, one shortest path from the root. Breadth-first from every local node at
 * once, so the path found is a shortest one.
 */
export function resolveTree(tree: LockTree): ResolvedPackage[] {
  const roots = [...tree.nodes.values()].filter((n) => n.local);
  const reach = shortestPaths(tree, roots);
  const prod = tree.flags === 'graph' ? reachable(tree, roots, (from, e) => !(from.local && e.kind === 'dev')) : undefined;
  const required = tree.flags === 'graph' ? reachable(tree, roots, (_from, e) => e.kind !== 'optional') : undefined;

  const out: ResolvedPackage[] = [];
  let extraneous = 0;
  for (const node of tree.nodes.values()) {
    if (node.local) continue;
    const hit = tree.graphless ? { parent: undefined, direct: node.direct === true } : reach.get(node.id);
    const pkg: ResolvedPackage = {
      ecosystem: node.ecosystem ?? tree.ecosystem,
      name: node.name,
      version: node.version,
      direct: hit?.direct ?? false,
      dev: prod ? hit !== undefined && !prod.has(node.id) : node.dev === true,
      path: hit && !tree.graphless ? pathOf(tree, reach, node.id) : [node.name],
      sources: [tree.file],
      source: node.source ?? 'registry',
    };
    if (node.integrity) pkg.integrity = node.integrity;
    if (node.hashes?.length) pkg.hashes = [...new Set(node.hashes)].sort();
    if (node.markers) pkg.markers = node.markers;
    // A location is shown and reported, and a registry one is fetched with the registry's own credentials
    // (fetch refuses a URL that carries any), so a credential in it (Artifactory lockfiles carry
    // https://user:password@host/...) is dropped here, whatever the source.
    if (node.resolved) pkg.resolved = withoutCredentials(node.resolved);
    const optional = required ? hit !== undefined && !required.has(node.id) : node.optional === true;
    if (optional) pkg.optional = true;
    if (hit?.alias) pkg.alias = hit.alias;
    if (node.bundled) pkg.bundled = true;
    if (!hit) {
      pkg.extraneous = true;
      extraneous++;
    }
    out.push(pkg);
  }
  if (extraneous > 0) {
    tree.warnings.push(`${tree.file}: ${extraneous} package(s) listed but not reachable from the root project or a workspace (kept, marked extraneous)`);
  }
  return out;
}

interface Hit {
  parent: string | undefined;
  direct: boolean;
  alias?: string;
}

function shortestPaths(tree: LockTree, roots: LockNode[]): Map<string, Hit> {
  const seen = new Map<string, Hit>();
  const rootIds = new Set(roots.map((r) => r.id));
  let frontier = roots;
  while (frontier.length > 0) {
    const next: LockNode[] = [];
    for (const from of frontier) {
      for (const e of from.edges) {
        const to = tree.nodes.get(e.to);
        if (!to || rootIds.has(to.id) || seen.has(to.id)) continue;
        const hit: Hit = { parent: from.local ? undefined : from.id, direct: from.local === true };
        if (e.as !== to.name) hit.alias = e.as;
        seen.set(to.id, hit);
        next.push(to);
      }
    }
    frontier = next;
  }
  return seen;
}

function pathOf(tree: LockTree, reach: Map<string, Hit>, id: string): string[] {
  const names: string[] = [];
  for (let cur: string | undefined = id; cur !== undefined; cur = reach.get(cur)?.parent) {
    names.push(tree.nodes.get(cur)!.name);
    if (names.length > tree.nodes.size) break; // parents form a tree; this only guards against a bug.
  }
  return names.reverse();
}

function reachable(tree: LockTree, roots: LockNode[], follow: (from: LockNode, e: LockEdge) => boolean): Set<string> {
  const seen = new Set<string>(roots.map((r) => r.id));
  const stack = [...roots];
  for (let from = stack.pop(); from; from = stack.pop()) {
    for (const e of from.edges) {
      if (seen.has(e.to) || !follow(from, e)) continue;
      const to = tree.nodes.get(e.to);
      if (!to) continue;
      seen.add(to.id);
      stack.push(to);
    }
  }
  return seen;
}
