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

/**
 * The key of a package's registry document, in caches, results and snapshots: the name for npm (as before
 * ecosystems were told apart), `pkg:<ecosystem>/<name>` for the others, so that names never collide.
 */
export const documentKey = (pkg: Pick<PackageRef, 'name'> & { ecosystem?: PackageRef['ecosystem'] }): string => (pkg.ecosystem === undefined || pkg.ecosystem === 'npm' ? pkg.name : `pkg:${pkg.ecosystem}/${pkg.name}`);

export const factsKey = (pkg: Pick<PackageRef, 'name' | 'version'> & { ecosystem?: PackageRef['ecosystem'] }) => `${documentKey(pkg)}@${pkg.version}`;

/**
 * Gathers registry facts for every package, one packument per name. A failure for one name (network,
 * timeout, status) leaves its versions without metadata, so the policy's fail-closed outcome applies.
 */
export async function registryFacts(packages: readonly PackageRef[], source: MetadataSource): Promise<RegistryFacts> {
  const facts = new Map<string, PackageFacts>();
  const packuments = new Map<string, PackumentMeta>();
  const errors = new Set<string>();
  const versionsOf = new Map<string, string[]>();
  const refOf = new Map<string, PackageRef>();
  for (const p of packages) {
    const key = documentKey(p);
    versionsOf.set(key, [...(versionsOf.get(key) ?? []), p.version]);
    refOf.set(key, p);
  }
  const keys = [...versionsOf.keys()];
  const byName = new Map<string, PackumentMeta | null | string>();

  if (source.kind === 'registry') {
    await Promise.all(
      keys.map(async (key) => {
        const { ecosystem, name } = refOf.get(key)!;
        try {
          byName.set(key, await source.client.document(ecosystem, name, versionsOf.get(key)));
        } catch (e) {
          if (!isSscsError(e)) throw e;
          byName.set(key, e.message);
          errors.add(e.message.replace(` for ${name}`, ''));
        }
      }),
    );
  } else if (source.kind === 'snapshot') {
    for (const key of keys) byName.set(key, source.packuments.get(key) ?? 'not in the metadata snapshot');
  }

  for (const pkg of packages) {
    const entry = byName.get(documentKey(pkg));
    let f: PackageFacts;
    if (source.kind === 'none') f = { metadataAvailable: false, metadataError: 'offline with no metadata snapshot' };
    else if (entry === null) f = { metadataAvailable: false, metadataError: 'package not found in the registry' };
    else if (typeof entry === 'string' || entry === undefined) f = { metadataAvailable: false, metadataError: entry ?? 'no metadata' };
    else {
      packuments.set(documentKey(pkg), entry);
      f = factsFromPackument(entry, pkg.version);
    }
    facts.set(factsKey(pkg), f);
  }
  return { facts, packuments, errors: [...errors] };
}
