import { NPM } from './npm.js';
import { PYPI } from './pypi.js';
import { ECOSYSTEMS, type Ecosystem, type EcosystemAdapter } from './types.js';

export { ECOSYSTEMS, type Ecosystem, type EcosystemAdapter } from './types.js';
export type { Versioning } from './versioning.js';

/** Every ecosystem's adapter, by id: the one table an ecosystem is registered in (see ./types.ts). */
const ADAPTERS: Record<Ecosystem, EcosystemAdapter> = { npm: NPM, pypi: PYPI };

/** The adapter of an ecosystem the model knows. */
export function ecosystemOf(id: Ecosystem): EcosystemAdapter {
  return ADAPTERS[id];
}

/** The ecosystem a purl type stands for (`pkg:pypi/...` -> pypi); undefined for a type sscs does not read. */
export function ecosystemOfPurlType(type: string): EcosystemAdapter | undefined {
  return isEcosystem(type) ? ADAPTERS[type] : undefined;
}

/** The ecosystem an OSV record's `affected[].package.ecosystem` names (case-insensitive); undefined for others. */
export function ecosystemOfOsv(name: string): EcosystemAdapter | undefined {
  const lower = name.toLowerCase();
  return Object.values(ADAPTERS).find((a) => a.osvEcosystem.toLowerCase() === lower);
}

export function isEcosystem(id: string): id is Ecosystem {
  return (ECOSYSTEMS as readonly string[]).includes(id);
}
