/**
 * What the registry's packument tells about one version, as the policy engine's PackageFacts. Works on
 * both forms: the full document has `scripts`, the abbreviated one `hasInstallScript`.
 */
import type { PackageFacts } from '../policy/types.js';

/** Lifecycle scripts that run on install; the registry sets hasInstallScript from the same list. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

export type Manifest = Record<string, unknown> & {
  version?: string;
  scripts?: Record<string, unknown>;
  hasInstallScript?: boolean;
  deprecated?: unknown;
  license?: unknown;
  dist?: { tarball?: unknown; integrity?: unknown; shasum?: unknown; attestations?: unknown };
};

export type Packument = Record<string, unknown> & {
  name?: unknown;
  versions?: Record<string, Manifest>;
  time?: Record<string, string>;
  'dist-tags'?: Record<string, string>;
};

function licenseOf(m: Manifest): string | undefined {
  if (typeof m.license === 'string') return m.license;
  if (m.license && typeof m.license === 'object' && typeof (m.license as { type?: unknown }).type === 'string') {
    return (m.license as { type: string }).type;
  }
  return undefined;
}

/**
 * `registryHasAttestations`: whether this registry offers provenance at all (some version of the packument
 * lists attestations). Without it, a missing attestation says nothing, and hasProvenance stays unknown.
 */
export function factsFromManifest(m: Manifest, publishedAt: string | undefined, registryHasAttestations = false): PackageFacts {
  const facts: PackageFacts = { metadataAvailable: true };
  if (publishedAt) {
    const d = new Date(publishedAt);
    if (!Number.isNaN(d.getTime())) facts.publishedAt = d;
  }
  if (typeof m.hasInstallScript === 'boolean') facts.hasInstallScripts = m.hasInstallScript;
  else if (m.scripts && typeof m.scripts === 'object') facts.hasInstallScripts = INSTALL_SCRIPTS.some((s) => typeof m.scripts?.[s] === 'string');
  facts.deprecated = typeof m.deprecated === 'string' && m.deprecated ? m.deprecated : false;
  const license = licenseOf(m);
  if (license) facts.license = license;
  if (hasAttestation(m)) facts.hasProvenance = true;
  else if (registryHasAttestations) facts.hasProvenance = false;
  return facts;
}

export function hasAttestation(m: Manifest): boolean {
  return Boolean(m.dist && typeof m.dist === 'object' && (m.dist.attestations as { provenance?: unknown } | undefined)?.provenance);
}
