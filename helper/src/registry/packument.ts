/**
 * The one place npm registry facts are read from a registry document, for `sscs policy check` and the
 * firewall alike: a packument (untrusted JSON, full or abbreviated) -> PackumentMeta -> PackageFacts.
 *
 * The two forms (npm/registry docs/responses/package-metadata.md) do not carry the same facts. The
 * abbreviated form (`Accept: application/vnd.npm.install-v1+json`) has no `time`, `scripts`, `license` or
 * `dist.attestations`, and registry.npmjs.org sends `hasInstallScript` only when it is true. What the
 * abbreviated form leaves out is recorded as not known here, never as "no"; `lacksFacts` tells the caller
 * which facts the policy needs that this document cannot give, and the caller fetches the full document.
 */
import type { ConditionName, PackageFacts, ReleaseHistory } from '../policy/types.js';
import { releaseHistory, type HistoryMeta, type VersionRecord } from './history.js';

export type DocumentForm = 'full' | 'abbreviated';

/** The part of a registry packument the policy needs, kept in the cache and in snapshots. */
export interface VersionMeta {
  license?: string;
  deprecated?: string;
  /** Undefined: the document did not say (an abbreviated form without `hasInstallScript`). */
  hasInstallScript?: boolean;
  attestations?: boolean;
  /** `_npmUser.name`: the account that published it (full form only). */
  publisher?: string;
  /** This version against the ones before it (see ./history.ts). */
  history?: HistoryMeta;
}

export interface PackumentMeta {
  name: string;
  /** version -> ISO publish time. */
  time: Record<string, string>;
  versions: Record<string, VersionMeta>;
  /** Whether this registry offers provenance attestations for this package (see offersAttestations). */
  attestationsOffered: boolean;
  /** The form it was read from; absent means full (snapshots and caches written before forms were told apart). */
  form?: DocumentForm;
}

/** A version entry that is not a manifest (null, a string, an array): left out, and said why. */
export interface SkippedVersion {
  version: string;
  why: string;
}

/** Raw registry documents, as far as the firewall rewrites them. */
export type RawManifest = Record<string, unknown> & { version?: string; dist?: { tarball?: unknown; integrity?: unknown; shasum?: unknown } };
export type RawPackument = Record<string, unknown> & { versions?: Record<string, unknown>; time?: Record<string, unknown>; 'dist-tags'?: Record<string, string> };

/** Lifecycle scripts that run at install time; `prepare` runs only for git and local installs. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;
/** Registries known to publish provenance attestations in `dist.attestations`. */
const ATTESTING_REGISTRY_HOSTS = new Set(['registry.npmjs.org']);
/** The conditions whose facts come from the registry document; the others come from elsewhere. */
export const REGISTRY_CONDITIONS = [
  'published_within',
  'install_scripts',
  'license',
  'provenance',
  'deprecated',
  'provenance_dropped',
  'publisher_changed',
  'install_script_added',
  'dormant_for',
] as const satisfies readonly ConditionName[];

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

/**
 * `hasInstallScript` when the document states it (npm also sets it for an implicit `node-gyp rebuild`),
 * else the scripts themselves; a full document without scripts has none, an abbreviated one cannot tell.
 */
function hasInstallScript(v: Record<string, unknown>, form: DocumentForm): boolean | undefined {
  if (typeof v.hasInstallScript === 'boolean') return v.hasInstallScript;
  const scripts = v.scripts;
  if (scripts && typeof scripts === 'object') return INSTALL_SCRIPTS.some((s) => typeof (scripts as Record<string, unknown>)[s] === 'string');
  return form === 'full' ? false : undefined;
}

/** `_npmUser` is `{ name, email }`; very old documents spell it `"name <email>"`. */
function publisherOf(v: Record<string, unknown>): string | undefined {
  const u = v._npmUser;
  const name = typeof u === 'string' ? u.replace(/(?<!\s)\s*<.*$/s, '') : u && typeof u === 'object' ? (u as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name ? name : undefined;
}

function whyMalformed(value: unknown): string | undefined {
  if (value === null) return 'the version entry is null';
  if (Array.isArray(value)) return 'the version entry is an array';
  if (typeof value !== 'object') return `the version entry is a ${typeof value}`;
  return undefined;
}

/**
 * Reduces a packument (untrusted JSON) to the fields the policy uses. A version entry that is not an
 * object is skipped and reported; a field of the wrong type reads as absent.
 */
export function readPackument(raw: unknown, name: string, registryUrl: string, form: DocumentForm = 'full'): { meta: PackumentMeta; skipped: SkippedVersion[] } {
  const doc = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  // Keys are the upstream's (`__proto__`, `constructor`): maps without a prototype hold them as plain keys.
  const time: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawTime = doc.time && typeof doc.time === 'object' ? (doc.time as Record<string, unknown>) : {};
  const versions: Record<string, VersionMeta> = Object.create(null) as Record<string, VersionMeta>;
  const rawVersions = doc.versions && typeof doc.versions === 'object' ? (doc.versions as Record<string, unknown>) : {};
  const skipped: SkippedVersion[] = [];
  let anyAttestation = false;
  const records: VersionRecord[] = [];
  for (const [version, value] of Object.entries(rawVersions)) {
    const why = whyMalformed(value);
    if (why) {
      skipped.push({ version, why });
      continue;
    }
    const v = value as Record<string, unknown>;
    const dist = (v.dist && typeof v.dist === 'object' ? v.dist : {}) as Record<string, unknown>;
    const meta: VersionMeta = {};
    const scripts = hasInstallScript(v, form);
    if (scripts !== undefined) meta.hasInstallScript = scripts;
    const license = licenseOf(v);
    if (license) meta.license = license;
    if (typeof v.deprecated === 'string' && v.deprecated) meta.deprecated = v.deprecated;
    if (dist.attestations && typeof dist.attestations === 'object') {
      meta.attestations = true;
      anyAttestation = true;
    }
    const publisher = publisherOf(v);
    if (publisher) meta.publisher = publisher;
    versions[version] = meta;
    if (typeof rawTime[version] === 'string') time[version] = rawTime[version];
    // One shape for every record (no conditional spreads): thousands of versions per document.
    const at = time[version] === undefined ? NaN : Date.parse(time[version]);
    records.push({ version, attested: meta.attestations === true, publishedAt: Number.isNaN(at) ? undefined : at, time: time[version], publisher, hasInstallScript: scripts });
  }
  for (const [version, history] of releaseHistory(records)) versions[version]!.history = history;
  const meta: PackumentMeta = { name: typeof doc.name === 'string' ? doc.name : name, time, versions, attestationsOffered: anyAttestation || offersAttestations(registryUrl), form };
  return { meta, skipped };
}

/** A full packument reduced (see readPackument). */
export function toPackumentMeta(raw: unknown, name: string, registryUrl: string): PackumentMeta {
  return readPackument(raw, name, registryUrl, 'full').meta;
}

export function offersAttestations(registryUrl: string): boolean {
  try {
    return ATTESTING_REGISTRY_HOSTS.has(new URL(registryUrl).host);
  } catch {
    return false;
  }
}

/**
 * The conditions among `needs` that this document cannot answer for some version and the full document
 * could: always none for a full document. An abbreviated one never says that a version has no attestation.
 */
export function lacksFacts(meta: PackumentMeta, needs: readonly ConditionName[]): ConditionName[] {
  if ((meta.form ?? 'full') === 'full') return [];
  const versions = Object.entries(meta.versions);
  return needs.filter((c) => {
    switch (c) {
      case 'published_within':
        return versions.some(([v]) => meta.time[v] === undefined);
      case 'install_scripts':
        return versions.some(([, m]) => m.hasInstallScript === undefined);
      case 'license':
        return versions.some(([, m]) => m.license === undefined);
      case 'provenance':
      case 'provenance_dropped':
        return versions.some(([, m]) => !m.attestations);
      case 'install_script_added':
        return versions.some(([, m]) => m.hasInstallScript === undefined);
      case 'publisher_changed':
        return versions.some(([, m]) => m.publisher === undefined);
      case 'dormant_for':
        return versions.some(([v]) => meta.time[v] === undefined);
      default:
        return false;
    }
  });
}

/** The facts of one version; a version the packument does not list has no metadata (fail closed). */
export function factsFromPackument(meta: PackumentMeta, version: string): PackageFacts {
  const v = Object.hasOwn(meta.versions, version) ? meta.versions[version] : undefined;
  if (!v) return { metadataAvailable: false, metadataError: `version ${version} is not in the registry` };
  const published = Object.hasOwn(meta.time, version) ? meta.time[version] : undefined;
  const facts: PackageFacts = { metadataAvailable: true, deprecated: v.deprecated ?? false };
  // Unknown stays unknown: an abbreviated form's silence and a hand-edited snapshot's gap are not "no".
  if (v.hasInstallScript !== undefined) facts.hasInstallScripts = v.hasInstallScript;
  if (published && !Number.isNaN(Date.parse(published))) facts.publishedAt = new Date(published);
  if (v.license) facts.license = v.license;
  if (v.attestations) facts.hasProvenance = true;
  else if (meta.attestationsOffered && (meta.form ?? 'full') === 'full') facts.hasProvenance = false;
  if (v.publisher) facts.publisher = v.publisher;
  if (v.history) facts.history = historyFacts(v.history);
  return facts;
}

function historyFacts(h: HistoryMeta): ReleaseHistory {
  const { previousPublishedAt, ...rest } = h;
  const at = previousPublishedAt === undefined ? NaN : Date.parse(previousPublishedAt);
  return { ...rest, ...(Number.isNaN(at) ? {} : { previousPublishedAt: new Date(at) }) };
}
