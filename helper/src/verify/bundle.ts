import { createHash, X509Certificate as StrictX509 } from 'node:crypto';
import { bundleFromJSON, isBundleWithDsseEnvelope, isBundleWithPublicKey, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { InputError } from '../errors.js';
import { readFileBounded, parseJson } from '../io/files.js';
import { failed, passed, type CheckResult } from './checks-model.js';

/** A bundle holds one signature, a short certificate chain and a few log entries: far below this. */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
/** Bounds on what a bundle may list, before any of it is parsed as ASN.1. */
export const MAX_TLOG_ENTRIES = 32;
export const MAX_CHAIN_CERTIFICATES = 10;
export const MAX_TIMESTAMPS = 32;

export interface BundleFile {
  path: string;
  json: unknown;
  /** Why the file is not JSON: the bundle check fails with this (a bad bundle is untrusted input, exit 1). */
  notJson?: string;
  /** Digest of the file as read, for the VSA's inputAttestations. */
  sha256: string;
}

export interface ParsedBundle {
  bundle: Bundle;
  content: 'dsse' | 'message-signature';
  signedWith: 'certificate' | 'public-key';
  /** The signing certificate, for certificate-signed bundles. */
  leaf?: X509Certificate;
  /** The key hint, for key-signed bundles. */
  keyHint?: string;
}

/**
 * Reads a bundle file. A file that cannot be read (missing, a folder, over the size bound) is bad usage (exit 2);
 * what it holds is the signer's, so content that is not JSON is a failed `bundle` check like any bad bundle.
 */
export async function readBundleFile(path: string): Promise<BundleFile> {
  const bytes = await readFileBounded(path, MAX_BUNDLE_BYTES, 'bundle');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    return { path, json: parseJson(bytes.toString('utf8'), { file: path }, 'bundle'), sha256 };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const at = e.where?.line !== undefined ? ` (line ${e.where.line}, column ${e.where.column ?? 0})` : '';
    return { path, json: undefined, notJson: `${e.message}${at}`, sha256 };
  }
}

function countOf(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/**
 * Parses and checks the shape of a Sigstore bundle (v0.1 to v0.3). Returns the parsed bundle and a passed
 * `bundle` check, or a failed one naming what is wrong: a malformed bundle is a bundle that does not verify.
 */
export function parseBundle(json: unknown, trustedCertificates: readonly Buffer[]): { parsed?: ParsedBundle; check: CheckResult } {
  const material = (json as { verificationMaterial?: Record<string, unknown> } | null)?.verificationMaterial;
  if (countOf(material?.tlogEntries) > MAX_TLOG_ENTRIES) return { check: failed('bundle', `bundle lists over ${MAX_TLOG_ENTRIES} transparency log entries`) };
  const chain = (material?.x509CertificateChain as { certificates?: unknown } | undefined)?.certificates;
  if (countOf(chain) > MAX_CHAIN_CERTIFICATES) return { check: failed('bundle', `bundle certificate chain has over ${MAX_CHAIN_CERTIFICATES} certificates`) };
  const stamps = (material?.timestampVerificationData as { rfc3161Timestamps?: unknown } | undefined)?.rfc3161Timestamps;
  if (countOf(stamps) > MAX_TIMESTAMPS) return { check: failed('bundle', `bundle has over ${MAX_TIMESTAMPS} timestamps`) };

  const DER_SEQUENCE = 0x30;
  const badStamp = (Array.isArray(stamps) ? stamps : []).findIndex((t) => Buffer.from(String((t as { signedTimestamp?: unknown })?.signedTimestamp ?? ''), 'base64')[0] !== DER_SEQUENCE);
  if (badStamp >= 0) return { check: failed('bundle', `timestamp ${badStamp} is not a DER SEQUENCE (an RFC 3161 TimeStampResp or token)`) };

  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    return { check: failed('bundle', `not a valid Sigstore bundle: ${(e as Error).message}`) };
  }
  const content = isBundleWithDsseEnvelope(bundle) ? 'dsse' : 'message-signature';
  if (content === 'dsse' && bundle.content.$case === 'dsseEnvelope' && bundle.content.dsseEnvelope.signatures.length !== 1) {
    return { check: failed('bundle', `the DSSE envelope has ${bundle.content.dsseEnvelope.signatures.length} signatures; a Sigstore bundle carries exactly one`) };
  }
  if (isBundleWithPublicKey(bundle)) {
    return { parsed: { bundle, content, signedWith: 'public-key', keyHint: bundle.verificationMaterial.content.publicKey.hint }, check: passed('bundle', `${content} bundle signed with a key`) };
  }
  const vm = bundle.verificationMaterial.content;
  const raw = vm.$case === 'x509CertificateChain' ? vm.x509CertificateChain.certificates.map((c) => c.rawBytes) : vm.$case === 'certificate' ? [vm.certificate.rawBytes] : [];
  if (raw.length === 0) return { check: failed('bundle', 'bundle has no signing certificate') };
  let certs: X509Certificate[];
  try {
    // OpenSSL's parser is strict DER; @sigstore/core's tolerates, e.g., another outer tag.
    for (const b of raw) new StrictX509(Buffer.from(b));
    certs = raw.map((b) => X509Certificate.parse(Buffer.from(b)));
  } catch (e) {
    return { check: failed('bundle', `bundle certificate is not valid X.509: ${(e as Error).message}`) };
  }
  // Trust anchors come only from the trusted root: a bundle that carries a root of its own is refused
  // (conformance bundle-with-root-cert_fail). Older bundles (v0.1, npm's) copy the trusted root's own
  // certificates into the chain; those are harmless, since the path is built from the trusted root anyway.
  const foreignRoot = certs.find((c, i) => c.issuer.equals(c.subject) && !trustedCertificates.some((t) => t.equals(Buffer.from(raw[i]!))));
  if (foreignRoot) {
    return { check: failed('bundle', 'bundle certificate chain contains a root certificate that is not in the trusted root') };
  }
  return { parsed: { bundle, content, signedWith: 'certificate', leaf: certs[0]! }, check: passed('bundle', `${content} bundle signed with a certificate`) };
}
