import type { PackageFacts } from '../policy/types.js';

/** The part of a registry packument the policy needs, kept in the cache and in snapshots. */
export interface VersionMeta {
  license?: string;
  deprecated?: string;
  hasInstallScript?: boolean;
  attestations?: boolean;
}

export interface PackumentMeta {
  name: string;
  /** version -> ISO publish time. */
  time: Record<string, string>;
  versions: Record<string, VersionMeta>;
  /** Whether this registry offers provenance attestations for this package (see offersAttestations). */
  attestationsOffered: boolean;
}

/** Lifecycle scripts that run at install time; `prepare` runs only for git and local installs. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;
/** Registries known to publish provenance attestations in `dist.attestations`. */
const ATTESTING_REGISTRY_HOSTS = new Set(['registry.npmjs.org']);

function licenseOf(v: Record<string, unknown>): string | undefined {
  const l = v.license;
  if (typeof l === 'string') return l;
  if (l && typeof l === 'object' && typeof (l as { type?: unknown }).type === 'string') return (l as { type: string }).type;
  // Legacy manifests: "licenses": [{ "type": "MIT" }, ...] means any of them.
  if (Array.isArray(v.licenses)) {
    const types = v.licenses.map((x) => (x && typeof x === 'object' ? (x as { type?: unknown }).type : x)).filter((t): t is string => typeof t === 'string');
    if (types.length) return types.length === 1 ? types[0] : `(${types.join(' OR ')})`;
  }
  return undefined;
}

function hasInstallScript(v: Record<string, unknown>): boolean {
  if (v.hasInstallScript === true) return true;
  const scripts = v.scripts;
  if (scripts && typeof scripts === 'object') return INSTALL_SCRIPTS.some((s) => typeof (scripts as Record<string, unknown>)[s] === 'string');
  return false;
}

/** Reduces a full packument (untrusted JSON) to the fields the policy uses, ignoring anything malformed. */
export function toPackumentMeta(raw: unknown, name: string, registryUrl: string): PackumentMeta {
  const doc = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const time: Record<string, string> = {};
  const rawTime = doc.time && typeof doc.time === 'object' ? (doc.time as Record<string, unknown>) : {};
  const versions: Record<string, VersionMeta> = {};
  const rawVersions = doc.versions && typeof doc.versions === 'object' ? (doc.versions as Record<string, unknown>) : {};
  let anyAttestation = false;
  for (const [version, value] of Object.entries(rawVersions)) {
    if (!value || typeof value !== 'object') continue;
    const v = value as Record<string, unknown>;
    const dist = (v.dist && typeof v.dist === 'object' ? v.dist : {}) as Record<string, unknown>;
    const meta: VersionMeta = { hasInstallScript: hasInstallScript(v) };
    const license = licenseOf(v);
    if (license) meta.license = license;
    if (typeof v.deprecated === 'string' && v.deprecated) meta.deprecated = v.deprecated;
    if (dist.attestations && typeof dist.attestations === 'object') {
      meta.attestations = true;
      anyAttestation = true;
    }
    versions[version] = meta;
    if (typeof rawTime[version] === 'string') time[version] = rawTime[version];
  }
  return { name: typeof doc.name === 'string' ? doc.name : name, time, versions, attestationsOffered: anyAttestation || offersAttestations(registryUrl) };
}

export function offersAttestations(registryUrl: string): boolean {
  try {
    return ATTESTING_REGISTRY_HOSTS.has(new URL(registryUrl).host);
  } catch {
    return false;
  }
}

/** The facts of one version; a version the packument does not list has no metadata (fail closed). */
export function factsFromPackument(meta: PackumentMeta, version: string): PackageFacts {
  const v = meta.versions[version];
  if (!v) return { metadataAvailable: false, metadataError: `version ${version} is not in the registry` };
  const published = meta.time[version];
  // toPackumentMeta always records hasInstallScript; its absence (a hand-edited snapshot) stays unknown.
  const facts: PackageFacts = { metadataAvailable: true, deprecated: v.deprecated ?? false };
  if (v.hasInstallScript !== undefined) facts.hasInstallScripts = v.hasInstallScript;
  if (published && !Number.isNaN(Date.parse(published))) facts.publishedAt = new Date(published);
  if (v.license) facts.license = v.license;
  if (v.attestations) facts.hasProvenance = true;
  else if (meta.attestationsOffered) facts.hasProvenance = false;
  return facts;
}
