import { isSscsError } from '../errors.js';
import type { PackageFacts, PackageRef } from '../policy/types.js';
import type { RegistryClient } from './client.js';
import { factsFromPackument, type PackumentMeta } from './packument.js';

/** Where registry facts come from: the registry (through the cache), a snapshot, or nowhere (offline). */
export type MetadataSource =
  | { kind: 'registry'; client: RegistryClient }
  | { kind: 'snapshot'; packuments: Map<string, PackumentMeta> }
  | { kind: 'none' };

export interface RegistryFacts {
  /** `name@version` -> facts from the registry (metadataAvailable false when they could not be had). */
  facts: Map<string, PackageFacts>;
  /** The packuments that were read, for `--write-snapshot`. */
  packuments: Map<string, PackumentMeta>;
  /** One line per distinct failure, e.g. the registry being unreachable. */
  errors: string[];
}

/** The key of a package's facts: `name@version`, prefixed with the ecosystem for any other than npm (`pypi:six@1.16.0`). */
export const factsKey = (pkg: Pick<PackageRef, 'name' | 'version'> & { ecosystem?: PackageRef['ecosystem'] }) =>
  pkg.ecosystem && pkg.ecosystem !== 'npm' ? `${pkg.ecosystem}:${pkg.name}@${pkg.version}` : `${pkg.name}@${pkg.version}`;

/**
 * Gathers registry facts for every package: npm packages from one packument per name. A failure for one name
 * (network, timeout, status) leaves its versions without metadata, so the policy's fail-closed outcome applies.
 * Packages of an ecosystem with no facts reader here yet (PyPI: FIXME(#13), its JSON/simple API reader plugs in
 * beside the npm one) get no metadata, never another registry's document for the same name.
 */
export async function registryFacts(all: readonly PackageRef[], source: MetadataSource): Promise<RegistryFacts> {
  const facts = new Map<string, PackageFacts>();
  for (const p of all) {
    if (p.ecosystem !== 'npm') facts.set(factsKey(p), { metadataAvailable: false, metadataError: `no ${p.ecosystem} registry metadata reader yet` });
  }
  const packages = all.filter((p) => p.ecosystem === 'npm');
  const packuments = new Map<string, PackumentMeta>();
  const errors = new Set<string>();
  const versionsOf = new Map<string, string[]>();
  for (const p of packages) versionsOf.set(p.name, [...(versionsOf.get(p.name) ?? []), p.version]);
  const names = [...versionsOf.keys()];
  const byName = new Map<string, PackumentMeta | null | string>();

  if (source.kind === 'registry') {
    await Promise.all(
      names.map(async (name) => {
        try {
          byName.set(name, await source.client.packument(name, versionsOf.get(name)));
        } catch (e) {
          if (!isSscsError(e)) throw e;
          byName.set(name, e.message);
          errors.add(e.message.replace(` for ${name}`, ''));
        }
      }),
    );
  } else if (source.kind === 'snapshot') {
    for (const name of names) byName.set(name, source.packuments.get(name) ?? 'not in the metadata snapshot');
  }

  for (const pkg of packages) {
    const entry = byName.get(pkg.name);
    let f: PackageFacts;
    if (source.kind === 'none') f = { metadataAvailable: false, metadataError: 'offline with no metadata snapshot' };
    else if (entry === null) f = { metadataAvailable: false, metadataError: 'package not found in the registry' };
    else if (typeof entry === 'string' || entry === undefined) f = { metadataAvailable: false, metadataError: entry ?? 'no metadata' };
    else {
      packuments.set(pkg.name, entry);
      f = factsFromPackument(entry, pkg.version);
    }
    facts.set(factsKey(pkg), f);
  }
  return { facts, packuments, errors: [...errors] };
}
