import { createPublicKey, type KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { failed, passed, skipped, type CheckName, type CheckResult } from './checks-model.js';
import type { ParsedBundle } from './bundle.js';
import { loadPrehashedVerifier, type PrehashedVerifier } from './prehashed.js';
import { inclusionProofMismatch } from './tlog-consistency.js';

/**
 * The cryptographic half of verification, done by @sigstore/verify: timestamps, the certificate chain to the
 * trusted root's CA (or the given key), SCTs, transparency log inclusion and body, and the signature. Its
 * pipeline stops at the first failure; the steps before it passed and the ones after did not run.
 */

export interface Trust {
  material: TrustMaterial;
  /** A trusted root without CT logs declares that its CA logs nowhere: the SCT check is then skipped. */
  hasCtlogs: boolean;
  /** Set with --key: the one key a key-signed bundle must verify with. */
  key?: KeyObject;
  /** DER of every CA and TSA certificate in the trusted root. */
  certificates: Buffer[];
  /**
   * --insecure-ignore-tlog: accept a bundle with no transparency log entry. A key-signed bundle then needs
   * nothing more; a keyless one still needs a trusted timestamp (a TSA's) inside its certificate's validity.
   */
  ignoreTlog?: boolean;
}

export function makeTrust(trustedRootJson: unknown, key?: KeyObject, opts: { ignoreTlog?: boolean } = {}): Trust {
  const root = TrustedRoot.fromJSON(trustedRootJson);
  // With --key, the key is trusted whatever hint the bundle names (as cosign does), for all time.
  const material = toTrustMaterial(root, key ? () => ({ publicKey: key, validFor: () => true }) : undefined);
  const certificates = [...root.certificateAuthorities, ...root.timestampAuthorities].flatMap((a) => a.certChain?.certificates.map((c) => Buffer.from(c.rawBytes)) ?? []);
  return { material, hasCtlogs: root.ctlogs.length > 0, certificates, ...(key ? { key } : {}), ...(opts.ignoreTlog ? { ignoreTlog: true } : {}) };
}

/** What the signature is checked over: the artifact bytes, only their digest, or (DSSE) the envelope itself. */
export type SignedData = { kind: 'bytes'; data: Buffer } | { kind: 'digest'; digest: Buffer } | { kind: 'dsse' };

const EMPTY = Buffer.alloc(0);

function steps(p: ParsedBundle, trust: Trust): CheckName[] {
  const key: CheckName[] = p.signedWith === 'certificate' ? ['certificate-chain', ...(trust.hasCtlogs ? (['sct'] as const) : [])] : ['key'];
  return ['timestamp', ...key, 'tlog', 'signature'];
}

function failingStep(e: unknown): { name: CheckName; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  switch (err?.code) {
    case 'TIMESTAMP_ERROR':
      return { name: 'timestamp', message };
    case 'CERTIFICATE_ERROR':
      return /SCT/.test(message) ? { name: 'sct', message } : { name: 'certificate-chain', message };
    case 'PUBLIC_KEY_ERROR':
      return { name: 'key', message };
    case 'SIGNATURE_ERROR':
      return { name: 'signature', message };
    default:
      if (typeof err?.code === 'string' && err.code.startsWith('TLOG')) return { name: 'tlog', message: `${message} (${err.code})` };
      return { name: 'bundle', message: `bundle could not be verified: ${message}` };
  }
}

/**
 * @sigstore/verify checks the chain at each signing time the bundle gives and says only "Failed to verify
 * certificate chain". When a signing time lies outside the leaf certificate's validity, that is the reason:
 * say which time and the validity window.
 */
function timesOutsideValidity(p: ParsedBundle, entity: SignedEntity): string {
  if (!p.leaf) return '';
  const { notBefore, notAfter } = p.leaf;
  const outside: string[] = [];
  for (const t of entity.timestamps) {
    const at = t.$case === 'transparency-log' ? (Number(t.tlogEntry.integratedTime) > 0 ? new Date(Number(t.tlogEntry.integratedTime) * 1000) : undefined) : t.timestamp.signingTime;
    if (at && (at < notBefore || at > notAfter)) outside.push(`${t.$case === 'transparency-log' ? "the log entry's integrated time" : "the timestamp authority's time"} ${at.toISOString()}`);
  }
  if (outside.length === 0) return '';
  return `the signing time is outside the signing certificate's validity (${notBefore.toISOString()} to ${notAfter.toISOString()}): ${outside.join(', ')}`;
}

function entityFor(p: ParsedBundle, data: SignedData, verifyPrehashed: PrehashedVerifier | undefined): SignedEntity {
  const entity = toSignedEntity(p.bundle, data.kind === 'bytes' ? data.data : EMPTY);
  if (data.kind !== 'digest') return entity;
  const base = entity.signature;
  return {
    ...entity,
    signature: {
      signature: base.signature,
      compareSignature: (s) => base.compareSignature(s),
      compareDigest: (d) => base.compareDigest(d),
      compareSignedDigest: (d) => base.compareSignedDigest(d),
      verifySignature: (key) => verifyPrehashed!(key, data.digest, base.signature).ok,
    },
  };
}

export async function runSigstoreChecks(p: ParsedBundle, trust: Trust, data: SignedData): Promise<CheckResult[]> {
  const names = steps(p, trust);
  // One failure, reported against its step; the steps before it passed, the others did not run.
  const failAt = (name: CheckName, message: string, passedBefore = false): CheckResult[] => {
    const at = names.indexOf(name);
    return [
      ...(at < 0 ? [failed(name, message)] : []),
      ...names.map((n, i) => (n === name ? failed(n, message) : passedBefore && i < at ? passed(n, STEP_MESSAGES[n] ?? 'ok') : skipped(n, 'not run: another check failed'))),
    ];
  };
  const noTlog = p.bundle.verificationMaterial.tlogEntries.length === 0;
  if (noTlog && !trust.ignoreTlog) return failAt('tlog', 'bundle has no transparency log entry (for an air-gapped signer with no log, pass --insecure-ignore-tlog)');
  for (const entry of p.bundle.verificationMaterial.tlogEntries) {
    const mismatch = inclusionProofMismatch(entry);
    if (mismatch) return failAt('tlog', mismatch);
  }
  if (p.signedWith === 'public-key' && !trust.key) return failAt('key', `bundle is signed with a key (hint '${p.keyHint ?? ''}'), not a certificate: pass --key PUB.pem`);
  if (p.signedWith === 'certificate' && trust.key) {
    return failAt('key', 'bundle is signed with a certificate, not a key: verify it with --certificate-identity and --certificate-oidc-issuer instead of --key');
  }
  const stamps = p.bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (noTlog && p.signedWith === 'certificate' && stamps.length === 0) {
    return failAt('timestamp', "a keyless bundle needs a transparency log entry or an RFC 3161 timestamp to prove when it was signed (its certificate is valid for minutes); this one has neither, so --insecure-ignore-tlog cannot accept it: sign with a timestamp authority (--tsa-url) or with a log");
  }
  const verifyPrehashed = data.kind === 'digest' ? await loadPrehashedVerifier() : undefined;
  let entity: SignedEntity;
  try {
    entity = entityFor(p, data, verifyPrehashed);
  } catch (e) {
    return failAt('bundle', `bundle could not be read: ${(e as Error).message}`);
  }
  if (data.kind === 'digest' && verifyPrehashed) {
    // Try the digest path up front, so that a non-ECDSA key fails with its reason rather than a bare "signature".
    const key = p.signedWith === 'public-key' ? trust.key : p.leaf && createPublicKey({ key: p.leaf.publicKey, format: 'der', type: 'spki' });
    const r = key ? verifyPrehashed(key, data.digest, entity.signature.signature) : undefined;
    if (r && !r.ok && r.reason.startsWith('verifying a digest')) return failAt('signature', r.reason);
  }
  const verifier = new Verifier(trust.material, {
    ctlogThreshold: trust.hasCtlogs ? 1 : 0,
    tlogThreshold: noTlog ? 0 : 1,
    // A certificate is valid for minutes: its signature needs a trusted time. A key is trusted for all time.
    timestampThreshold: noTlog && p.signedWith === 'public-key' ? 0 : 1,
  });
  try {
    verifier.verify(entity);
  } catch (e) {
    const fail = failingStep(e);
    const outside = fail.name === 'certificate-chain' ? timesOutsideValidity(p, entity) : '';
    return failAt(fail.name, outside || fail.message, true);
  }
  return names.map((n) =>
    noTlog && n === 'tlog'
      ? skipped(n, 'not required: --insecure-ignore-tlog, and the bundle has no log entry')
      : noTlog && n === 'timestamp' && p.signedWith === 'public-key'
        ? skipped(n, 'not required: a key-signed bundle with no log entry (--insecure-ignore-tlog)')
        : passed(n, STEP_MESSAGES[n] ?? 'ok'),
  );
}

const STEP_MESSAGES: Partial<Record<CheckName, string>> = {
  timestamp: 'signing time is attested by the transparency log or a trusted timestamp authority',
  'certificate-chain': "signing certificate chains to the trusted root's CA and was valid at signing time",
  sct: 'certificate carries a valid SCT from a trusted CT log',
  key: 'bundle is signed with the given key',
  tlog: 'transparency log entry is included in the log and matches the bundle',
  signature: 'signature verifies',
};
