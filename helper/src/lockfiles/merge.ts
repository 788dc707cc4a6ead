import { packageKey, type DependencyGraph, type ResolvedPackage } from '../deps/model.js';
import { ecosystemOf } from '../ecosystems/index.js';

/**
 * Merges resolved packages from every input into one entry per name@version. A package counts as direct if
 * any input declares it, as prod if any input needs it in production, as optional only if every input has it
 * optional; the shortest path wins. Different integrity for the same name@version is reported, never hidden;
 * file hashes (PyPI) are the union of what the inputs allow, and an environment marker stays only when every
 * input that reaches the package gives the same one (installed on some platforms in all of them).
 */
export function mergePackages(sources: string[], lists: ResolvedPackage[][], warnings: string[]): DependencyGraph {
  const byKey = new Map<string, ResolvedPackage>();
  for (const list of lists) {
    for (const pkg of list) {
      // A git or tarball dependency is never merged into the registry package of the same name and version.
      const key = packageKey(pkg);
      const have = byKey.get(key);
      if (!have) {
        byKey.set(key, { ...pkg, path: [...pkg.path], sources: [...pkg.sources] });
        continue;
      }
      combine(have, pkg, warnings);
    }
  }
  const packages = [...byKey.values()].sort(
    (a, b) => cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || compareVersions(a, b) || cmp(packageKey(a), packageKey(b)),
  );
  const graph: DependencyGraph = { sources, packages };
  if (warnings.length > 0) graph.warnings = [...new Set(warnings)];
  return graph;
}

function combine(have: ResolvedPackage, pkg: ResolvedPackage, warnings: string[]): void {
  const haveReached = !have.extraneous;
  const pkgReached = !pkg.extraneous;
  if (pkgReached && (!haveReached || pkg.path.length < have.path.length)) {
    have.path = [...pkg.path];
    if (pkg.alias) have.alias = pkg.alias;
    else delete have.alias;
  }
  if (haveReached || pkgReached) delete have.extraneous;
  // An extraneous copy says nothing about how the project uses the package.
  if (pkgReached) {
    const optional = haveReached ? have.optional === true && pkg.optional === true : pkg.optional === true;
    have.direct = haveReached ? have.direct || pkg.direct : pkg.direct;
    have.dev = haveReached ? have.dev && pkg.dev : pkg.dev;
    if (optional) have.optional = true;
    else delete have.optional;
  }
  if (!pkg.bundled) delete have.bundled;
  if (pkg.integrity) {
    if (!have.integrity) have.integrity = pkg.integrity;
    else if (sameAlgorithm(have.integrity, pkg.integrity) && have.integrity !== pkg.integrity) {
      warnings.push(`${have.name}@${have.version}: integrity differs between ${have.sources.join(', ')} and ${pkg.sources.join(', ')}`);
    }
  }
  if (!have.resolved && pkg.resolved) have.resolved = pkg.resolved;
  if (pkg.hashes) have.hashes = [...new Set([...(have.hashes ?? []), ...pkg.hashes])].sort();
  if (have.markers !== pkg.markers) delete have.markers;
  for (const s of pkg.sources) if (!have.sources.includes(s)) have.sources.push(s);
}

function sameAlgorithm(a: string, b: string): boolean {
  return a.split('-', 1)[0] === b.split('-', 1)[0];
}

function compareVersions(a: ResolvedPackage, b: ResolvedPackage): number {
  return ecosystemOf(a.ecosystem).versioning.compare(a.version, b.version) ?? cmp(a.version, b.version);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
