import { createHash } from 'node:crypto';

/** Public parts of the local services, as trusted_root.json and signing_config.json describe them. */
export interface TrustMaterial {
  fulcioUrl: string;
  rekorUrl: string;
  tsaUrl: string;
  issuerUrl: string;
  caRoot: Buffer;
  tlogKey: Buffer;
  ctlogKey: Buffer;
  tsaChain: Buffer[];
  validFrom: Date;
}

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';
const P256 = 'PKIX_ECDSA_P256_SHA_256';

const b64 = (b: Buffer): string => b.toString('base64');
const keyId = (spki: Buffer): string => b64(createHash('sha256').update(spki).digest());

/** Sigstore TrustedRoot (protobuf-specs JSON form) for the local CA, log, CT log and TSA. */
export function trustedRoot(t: TrustMaterial): Record<string, unknown> {
  const validFor = { start: t.validFrom.toISOString() };
  const key = (rawBytes: Buffer) => ({ rawBytes: b64(rawBytes), keyDetails: P256, validFor });
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [{ baseUrl: t.rekorUrl, hashAlgorithm: 'SHA2_256', publicKey: key(t.tlogKey), logId: { keyId: keyId(t.tlogKey) } }],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: t.fulcioUrl,
        certChain: { certificates: [{ rawBytes: b64(t.caRoot) }] },
        validFor,
      },
    ],
    ctlogs: [{ baseUrl: `${t.fulcioUrl}/ct`, hashAlgorithm: 'SHA2_256', publicKey: key(t.ctlogKey), logId: { keyId: keyId(t.ctlogKey) } }],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: t.tsaUrl,
        certChain: { certificates: t.tsaChain.map((c) => ({ rawBytes: b64(c) })) },
        validFor,
      },
    ],
  };
}

/** Sigstore SigningConfig v0.2: where clients get certificates, log entries, timestamps and tokens. */
export function signingConfig(t: TrustMaterial): Record<string, unknown> {
  const service = (url: string, majorApiVersion = 1) => ({ url, majorApiVersion, validFor: { start: t.validFrom.toISOString() }, operator: 'sscs.local' });
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [service(t.fulcioUrl)],
    oidcUrls: [service(t.issuerUrl)],
    rekorTlogUrls: [service(t.rekorUrl)],
    tsaUrls: [service(`${t.tsaUrl}/api/v1/timestamp`)],
    rekorTlogConfig: { selector: 'ANY' },
    tsaConfig: { selector: 'ANY' },
  };
}
