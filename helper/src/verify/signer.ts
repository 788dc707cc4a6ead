import type { X509Certificate } from '@sigstore/core';

/**
 * The identity a Fulcio certificate vouches for: its SAN and the OIDC claims Fulcio copied into extensions
 * (docs: sigstore/fulcio docs/oid-info.md). On GitLab, the SAN is `https://` + the `ci_config_ref_uri` claim.
 */

const FULCIO = '1.3.6.1.4.1.57264.1';
export const FULCIO_EXTENSIONS = {
  issuer: `${FULCIO}.8`,
  buildSignerUri: `${FULCIO}.9`,
  buildSignerDigest: `${FULCIO}.10`,
  runnerEnvironment: `${FULCIO}.11`,
  sourceRepositoryUri: `${FULCIO}.12`,
  sourceRepositoryDigest: `${FULCIO}.13`,
  sourceRepositoryRef: `${FULCIO}.14`,
  sourceRepositoryIdentifier: `${FULCIO}.15`,
  sourceRepositoryOwnerUri: `${FULCIO}.16`,
  sourceRepositoryOwnerIdentifier: `${FULCIO}.17`,
  buildConfigUri: `${FULCIO}.18`,
  buildConfigDigest: `${FULCIO}.19`,
  buildTrigger: `${FULCIO}.20`,
  runInvocationUri: `${FULCIO}.21`,
  sourceRepositoryVisibility: `${FULCIO}.22`,
  deploymentEnvironment: `${FULCIO}.23`,
  tokenSubject: `${FULCIO}.24`,
} as const;
/** The deprecated issuer extension: the raw string, not DER (older certificates carry only this one). */
const FULCIO_ISSUER_V1 = `${FULCIO}.1`;
const DER_UTF8_STRING = 0x0c;

export type FulcioExtension = keyof typeof FULCIO_EXTENSIONS;

export interface SignerIdentity {
  subjectAlternativeName?: string;
  issuer?: string;
  extensions: Partial<Record<FulcioExtension, string>>;
}

/**
 * Decodes a DER UTF8String (tag 0x0c, then a short or long form length). Returns undefined for anything else,
 * so that a value encoded differently never matches a policy by accident.
 */
export function decodeDerUtf8String(der: Buffer): string | undefined {
  if (der.length < 2 || der[0] !== DER_UTF8_STRING) return undefined;
  let len = der[1]!;
  let offset = 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 4 || der.length < 2 + bytes) return undefined;
    len = 0;
    for (let i = 0; i < bytes; i++) len = len * 256 + der[2 + i]!;
    offset = 2 + bytes;
  }
  if (offset + len !== der.length) return undefined;
  return der.subarray(offset).toString('utf8');
}

export function signerIdentity(cert: X509Certificate): SignerIdentity {
  const extensions: SignerIdentity['extensions'] = {};
  for (const [name, oid] of Object.entries(FULCIO_EXTENSIONS) as [FulcioExtension, string][]) {
    const ext = cert.extension(oid);
    const value = ext ? decodeDerUtf8String(ext.value) : undefined;
    if (value !== undefined) extensions[name] = value;
  }
  const issuer = extensions.issuer ?? cert.extension(FULCIO_ISSUER_V1)?.value.toString('utf8');
  const san = cert.subjectAltName;
  return { ...(san !== undefined ? { subjectAlternativeName: san } : {}), ...(issuer !== undefined ? { issuer } : {}), extensions };
}
