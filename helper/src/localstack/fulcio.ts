import { verify } from 'node:crypto';
import type { CA } from '@sigstore/mock/dist/fulcio/ca.js';
import { gitLabIdentity } from './extensions.js';
import { HttpFailure, json, type Route } from './http.js';
import type { LocalIssuer } from './oidc.js';

/** Fulcio answers an unauthenticated request with 401 and a gRPC-style JSON error. */
const UNAUTHENTICATED = 401;

interface CertificateRequest {
  credentials?: { oidcIdentityToken?: string };
  publicKeyRequest?: { publicKey?: { content?: string }; proofOfPossession?: string };
}

/**
 * Fulcio's POST /api/v2/signingCert for GitLab job tokens: it verifies the token against the issuer (signature,
 * issuer, audience, expiry), checks the proof of possession (the token subject signed with the key), maps the
 * claims to the certificate identity and has the CA issue a certificate with an embedded SCT.
 */
export function fulcioRoutes(ca: CA, issuer: LocalIssuer): Record<string, Route> {
  return {
    'POST /api/v2/signingCert': async (_req, body) => {
      const request = JSON.parse(body.toString('utf8')) as CertificateRequest;
      const token = request.credentials?.oidcIdentityToken;
      const publicKey = request.publicKeyRequest?.publicKey?.content;
      const proof = request.publicKeyRequest?.proofOfPossession;
      if (!token || !publicKey || !proof) throw new Error('request needs an identity token, a public key and a proof of possession');
      let claims;
      try {
        claims = issuer.verify(token);
      } catch (e) {
        throw new HttpFailure(UNAUTHENTICATED, `error processing the identity token: ${(e as Error).message}`);
      }
      if (!verify('sha256', Buffer.from(claims.sub), publicKey, Buffer.from(proof, 'base64'))) {
        throw new Error('the proof of possession does not verify: the subject was not signed with this key');
      }
      const identity = gitLabIdentity(claims);
      const cert = await ca.issueCertificate({ publicKey: pemToDer(publicKey), subjectAltName: identity.subjectAltName, extensions: identity.extensions });
      const chain = [toPem(cert), toPem(ca.rootCertificate)];
      return json(201, { signedCertificateEmbeddedSct: { chain: { certificates: chain } } });
    },
  };
}

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

function toPem(der: ArrayBufferView): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}
