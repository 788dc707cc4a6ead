/**
 * Registry metadata signals for `sscs scan`: a tarball does not say who published it or what came before
 * it, so the scanner reports these only when it is given the package's registry document (`--packument
 * FILE`, or `--registry URL` to fetch it). The facts come from the one facts module (registry/packument.ts)
 * and the signals from policy/signals.ts, as `sscs policy check` and the firewall compute them.
 */
import { InputError } from '../errors.js';
import { readJsonFile } from '../io/files.js';
import { releaseSignals, RELEASE_SIGNALS, type SignalHit } from '../policy/signals.js';
import type { RegistryClient } from '../registry/client.js';
import { factsFromPackument, readPackument, type PackumentMeta } from '../registry/packument.js';
import type { Finding } from './types.js';

/** The most a packument file may be: registry.npmjs.org's largest documents are tens of MB. */
const MAX_PACKUMENT_FILE_BYTES = 128 * 1024 * 1024;

export interface RegistryReport {
  /** Where the document came from: the file, or the registry URL. */
  source: string;
  /** Each signal that holds or cannot be told (default thresholds); empty when none. */
  signals: SignalHit[];
  /** Why no signal could be computed (the version is not in the document). */
  error?: string;
}

/** Reads a registry document saved to a file (`curl https://registry.npmjs.org/NAME`), full form. */
export async function packumentFromFile(path: string, name: string): Promise<PackumentMeta> {
  const raw = await readJsonFile(path, 'registry document', MAX_PACKUMENT_FILE_BYTES);
  const docName = raw && typeof raw === 'object' ? (raw as { name?: unknown }).name : undefined;
  if (docName !== name) {
    throw new InputError('SCHEMA', `the registry document is for ${typeof docName === 'string' ? docName : 'no package'}, not ${name}`, { where: { file: path, field: 'name' } });
  }
  // The URL only says whether the registry offers attestations; a saved document is taken as npm's.
  return readPackument(raw, name, 'https://registry.npmjs.org/', 'full').meta;
}

export async function packumentFromRegistry(client: RegistryClient, name: string, version: string): Promise<PackumentMeta | null> {
  return client.packument(name, [version]);
}

/** The signals of one version, and a finding for each that holds. */
export function releaseReport(meta: PackumentMeta | null, pkg: { name: string; version: string }, source: string, now: Date): { registry: RegistryReport; findings: Finding[] } {
  if (!meta) return { registry: { source, signals: [], error: `${pkg.name} is not in the registry` }, findings: [] };
  const facts = factsFromPackument(meta, pkg.version);
  if (!facts.metadataAvailable) return { registry: { source, signals: [], error: facts.metadataError ?? 'no metadata' }, findings: [] };
  const signals = releaseSignals(facts, now);
  const findings = signals
    .filter((s) => s.holds === true)
    .map((s): Finding => {
      const def = RELEASE_SIGNALS.find((d) => d.condition === s.signal)!;
      return { rule: def.rule, severity: def.severity, file: 'package.json', evidence: `${pkg.name}@${pkg.version}`, message: `registry metadata: ${s.reason}` };
    });
  return { registry: { source, signals }, findings };
}
