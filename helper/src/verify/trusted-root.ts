import { X509Certificate, createPublicKey } from 'node:crypto';
import { InputError } from '../errors.js';
import { readJsonFile } from '../io/files.js';

/**
 * Strict validation of a Sigstore trusted root (protobuf-specs `TrustedRoot`) before anything trusts it.
 * @sigstore/verify reads a missing `validFor.start` as "since the beginning of time"; the spec makes `start`
 * required, and a root that omits it is malformed, so it is refused here (conformance case
 * trust-root-tlog-missing-validity-start_fail).
 */

/**
 * protobuf-specs (sigstore_trustroot.proto) asks producers to write `application/vnd.dev.sigstore.trustedroot.v0.1+json`
 * now; the `+json;version=0.1` form is what older producers (and the public-good TUF target) still carry.
 */
export const TRUSTED_ROOT_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
] as const;
/** A trusted root is a few kilobytes; this bounds what we parse. */
export const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;
/** Bound on the entries of each list (logs, CAs, TSAs) and on certificates per chain. */
export const MAX_TRUST_ENTRIES = 256;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

type Json = Record<string, unknown>;

class Checker {
  constructor(readonly file: string) {}

  fail(field: string, message: string, cause?: unknown): never {
    throw new InputError('SCHEMA', `trusted root is invalid: ${message}`, {
      where: { file: this.file, field },
      ...(cause === undefined ? {} : { cause }),
      hint: 'A trusted root is the trusted_root.json of a Sigstore instance (sigstore/protobuf-specs TrustedRoot).',
    });
  }

  object(v: unknown, field: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `${field} must be an object`);
    return v as Json;
  }

  list(v: unknown, field: string): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(field, `${field} must be a list`);
    if (v.length > MAX_TRUST_ENTRIES) this.fail(field, `${field} has ${v.length} entries, over the limit of ${MAX_TRUST_ENTRIES}`);
    return v;
  }

  base64(v: unknown, field: string): Buffer {
    if (typeof v !== 'string' || v.length === 0 || !BASE64.test(v)) this.fail(field, `${field} must be non-empty base64`);
    return Buffer.from(v, 'base64');
  }

  time(v: unknown, field: string): number {
    if (typeof v !== 'string' || !RFC3339.test(v) || Number.isNaN(Date.parse(v))) this.fail(field, `${field} must be an RFC 3339 time`);
    return Date.parse(v);
  }

  validFor(v: unknown, field: string): void {
    const range = this.object(v, field);
    // protobuf JSON writes an unset field as absent or null; both mean unset.
    if (range.start === undefined || range.start === null) this.fail(`${field}.start`, `${field}.start is missing; a validity period must say when it starts`);
    const start = this.time(range.start, `${field}.start`);
    if (range.end !== undefined && range.end !== null && this.time(range.end, `${field}.end`) < start) this.fail(`${field}.end`, `${field}.end is before its start`);
  }

  log(v: unknown, field: string): void {
    const log = this.object(v, field);
    this.base64(this.object(log.logId, `${field}.logId`).keyId, `${field}.logId.keyId`);
    const key = this.object(log.publicKey, `${field}.publicKey`);
    const der = this.base64(key.rawBytes, `${field}.publicKey.rawBytes`);
    if (typeof key.keyDetails !== 'string') this.fail(`${field}.publicKey.keyDetails`, `${field}.publicKey.keyDetails is missing`);
    this.validFor(key.validFor, `${field}.publicKey.validFor`);
    const pkcs1 = key.keyDetails.startsWith('PKCS1_');
    try {
      createPublicKey({ key: der, format: 'der', type: pkcs1 ? 'pkcs1' : 'spki' });
    } catch (e) {
      this.fail(`${field}.publicKey.rawBytes`, `${field}.publicKey.rawBytes is not a public key`, e);
    }
  }

  authority(v: unknown, field: string): void {
    const ca = this.object(v, field);
    const certs = this.list(this.object(ca.certChain, `${field}.certChain`).certificates, `${field}.certChain.certificates`);
    if (certs.length === 0) this.fail(`${field}.certChain.certificates`, `${field} has no certificate`);
    certs.forEach((c, i) => {
      const at = `${field}.certChain.certificates[${i}].rawBytes`;
      const der = this.base64(this.object(c, `${field}.certChain.certificates[${i}]`).rawBytes, at);
      try {
        new X509Certificate(der);
      } catch (e) {
        this.fail(at, `${at} is not an X.509 certificate`, e);
      }
    });
    this.validFor(ca.validFor, `${field}.validFor`);
  }
}

/** Throws InputError SCHEMA, naming the field, unless `json` is a well-formed trusted root. */
export function validateTrustedRoot(json: unknown, file: string): void {
  const c = new Checker(file);
  const root = c.object(json, '$');
  if (typeof root.mediaType !== 'string' || !(TRUSTED_ROOT_MEDIA_TYPES as readonly string[]).includes(root.mediaType)) {
    c.fail('mediaType', `mediaType ${JSON.stringify(root.mediaType)} is not a trusted root media type (${TRUSTED_ROOT_MEDIA_TYPES.join(', ')})`);
  }
  c.list(root.tlogs, 'tlogs').forEach((t, i) => c.log(t, `tlogs[${i}]`));
  c.list(root.ctlogs, 'ctlogs').forEach((t, i) => c.log(t, `ctlogs[${i}]`));
  c.list(root.certificateAuthorities, 'certificateAuthorities').forEach((a, i) => c.authority(a, `certificateAuthorities[${i}]`));
  c.list(root.timestampAuthorities, 'timestampAuthorities').forEach((a, i) => c.authority(a, `timestampAuthorities[${i}]`));
  if (c.list(root.tlogs, 'tlogs').length === 0) c.fail('tlogs', 'tlogs is empty: no transparency log to check entries against');
}

/** Reads and validates a trusted_root.json file; returns the JSON, ready for TrustedRoot.fromJSON. */
export async function readTrustedRoot(path: string, from?: string): Promise<unknown> {
  try {
    const json = await readJsonFile(path, 'trusted root', MAX_TRUSTED_ROOT_BYTES);
    validateTrustedRoot(json, path);
    return json;
  } catch (e) {
    // A path nobody typed on this command line (an environment variable) is named with where it came from.
    if (!(e instanceof InputError) || from === undefined || from.startsWith('--')) throw e;
    throw new InputError(e.code, `${e.message} (the path is from ${from})`, {
      cause: e,
      ...(e.where ? { where: e.where } : {}),
      hint: e.hint ?? `Fix or unset ${from}, or pass --trusted-root FILE.`,
    });
  }
}
