/**
 * Key-only verification of an air-gapped bundle: with --key and --insecure-ignore-tlog, a key-signed bundle that
 * carries no transparency log entry and no RFC 3161 timestamp checks nothing a trusted root vouches for (the key
 * is the caller's, trusted for all time; there is no log inclusion, no certificate chain, no timestamp), so no
 * trusted root is needed and none is fetched. Anything else still needs one: a log entry or a TSA timestamp in
 * the bundle is verified, and verifying it needs the log's key or the TSA's certificates.
 * The decision reads the bundle's JSON; it is safe however that JSON lies, since the verifier then runs against
 * an empty trusted root, where anything needing trust material fails closed.
 */

/** A trusted root with no CA, no log and no TSA (protobuf-specs TrustedRoot v0.1). */
export const EMPTY_TRUSTED_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
} as const;

const count = (v: unknown): number => (Array.isArray(v) ? v.length : v === undefined || v === null ? 0 : 1);

/**
 * What in the bundle needs a trusted root even with --key --insecure-ignore-tlog: a list of reasons, empty when
 * the bundle is key-signed with no log entry and no timestamp.
 */
export function trustedRootNeeds(bundleJson: unknown): string[] {
  const m = (bundleJson as { verificationMaterial?: Record<string, unknown> } | null | undefined)?.verificationMaterial;
  if (m === undefined || m === null || typeof m !== 'object') return ['the bundle has no verification material'];
  const needs: string[] = [];
  if (m.publicKey === undefined) needs.push('it is not signed with a key');
  if (count(m.tlogEntries) > 0) needs.push('it has a transparency log entry, checked against the log key');
  const stamps = (m.timestampVerificationData as { rfc3161Timestamps?: unknown } | undefined)?.rfc3161Timestamps;
  if (count(stamps) > 0) needs.push("it has an RFC 3161 timestamp, checked against the TSA's certificates");
  return needs;
}
