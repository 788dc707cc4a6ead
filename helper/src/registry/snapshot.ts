import { InputError } from '../errors.js';
import { readJsonFile, writeFileAtomic } from '../io/files.js';
import { sanitizeHistory } from './history.js';
import type { PackumentMeta, VersionMeta } from './packument.js';

/**
 * A metadata snapshot: the reduced packuments a check used, so that `--offline` can evaluate the same
 * lockfile later with no network. Written by `sscs policy check --write-snapshot FILE`.
 *   { "format": "sscs-metadata-snapshot/v1", "createdAt": ISO, "registry": URL,
 *     "packuments": { "<name>": { name, time: {version: ISO}, versions: {version: {license?, deprecated?,
 *                     hasInstallScript?, attestations?, publisher?, history?}}, attestationsOffered } } }
 * A version's `history` (registry/history.ts) was computed from the whole document before pruning.
 */
export const SNAPSHOT_FORMAT = 'sscs-metadata-snapshot/v1';
const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

export interface MetadataSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  createdAt: string;
  registry?: string;
  packuments: Record<string, PackumentMeta>;
}

export async function readSnapshot(path: string): Promise<Map<string, PackumentMeta>> {
  const doc = (await readJsonFile(path, 'metadata snapshot', MAX_SNAPSHOT_BYTES)) as Partial<MetadataSnapshot> | null;
  if (!doc || doc.format !== SNAPSHOT_FORMAT || !doc.packuments || typeof doc.packuments !== 'object') {
    throw new InputError('SCHEMA', `not a metadata snapshot (expected "format": "${SNAPSHOT_FORMAT}")`, { where: { file: path, field: 'format' } });
  }
  const out = new Map<string, PackumentMeta>();
  for (const [name, meta] of Object.entries(doc.packuments)) {
    if (!meta || typeof meta !== 'object' || typeof meta.versions !== 'object' || typeof meta.time !== 'object') {
      throw new InputError('SCHEMA', `snapshot entry for ${name} is malformed`, { where: { file: path, field: `packuments.${name}` } });
    }
    out.set(name, sanitize(name, meta));
  }
  return out;
}

/** Keeps only well-typed fields: a snapshot is input, and a wrong type must not read as a fact. */
function sanitize(name: string, meta: PackumentMeta): PackumentMeta {
  const time: Record<string, string> = {};
  for (const [v, t] of Object.entries(meta.time)) if (typeof t === 'string') time[v] = t;
  const versions: Record<string, VersionMeta> = {};
  for (const [v, raw] of Object.entries(meta.versions)) {
    if (!raw || typeof raw !== 'object') continue;
    const m: VersionMeta = {};
    if (typeof raw.license === 'string') m.license = raw.license;
    if (typeof raw.deprecated === 'string' && raw.deprecated) m.deprecated = raw.deprecated;
    if (typeof raw.hasInstallScript === 'boolean') m.hasInstallScript = raw.hasInstallScript;
    if (raw.attestations === true) m.attestations = true;
    if (typeof raw.publisher === 'string' && raw.publisher) m.publisher = raw.publisher;
    const history = sanitizeHistory(raw.history);
    if (history) m.history = history;
    versions[v] = m;
  }
  return { name: typeof meta.name === 'string' ? meta.name : name, time, versions, attestationsOffered: meta.attestationsOffered === true };
}

/** Writes the packuments, keeping only the versions in `keep` (name -> versions) so snapshots stay small. */
export async function writeSnapshot(path: string, packuments: Map<string, PackumentMeta>, keep: Map<string, Set<string>>, now: Date, registry?: string): Promise<void> {
  const pruned = [...packuments].map(([name, meta]): [string, PackumentMeta] => {
    const versions = keep.get(name) ?? new Set<string>();
    const pick = <T>(rec: Record<string, T>) => Object.fromEntries(Object.entries(rec).filter(([v]) => versions.has(v)));
    return [name, { ...meta, time: pick(meta.time), versions: pick(meta.versions) }];
  });
  const sorted = Object.fromEntries(pruned.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const snapshot: MetadataSnapshot = { format: SNAPSHOT_FORMAT, createdAt: now.toISOString(), ...(registry ? { registry } : {}), packuments: sorted };
  await writeFileAtomic(path, `${JSON.stringify(snapshot)}\n`);
}
