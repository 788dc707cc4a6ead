import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './cli.js';

/** The real npm attestations in fixtures/public-good, unpacked into one bundle file each. */
export const PUBLIC_GOOD = join(FIXTURES, 'public-good');
export const PUBLIC_GOOD_ROOT = join(PUBLIC_GOOD, 'trusted_root.public-good.json');
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface PublicGoodCase {
  tarball: string;
  subject: string;
  provenanceBundle: string;
  provenancePredicateType: string;
  identity: string;
  issuer: string;
  publishBundle: string;
}

interface CaseFile {
  tarball: string;
  attestations: string;
  subject: string;
  provenance: { predicateType: string; certificateIdentity: string; certificateOidcIssuer: string };
  publish: { predicateType: string };
}

export function unpackPublicGood(): { dir: string; npmKey: string; cases: PublicGoodCase[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sscs-public-good-'));
  const cases = (JSON.parse(readFileSync(join(PUBLIC_GOOD, 'cases.json'), 'utf8')) as CaseFile[]).map((c) => {
    const doc = JSON.parse(readFileSync(join(PUBLIC_GOOD, c.attestations), 'utf8')) as { attestations: { predicateType: string; bundle: unknown }[] };
    const write = (predicateType: string, suffix: string) => {
      const a = doc.attestations.find((x) => x.predicateType === predicateType);
      if (!a) throw new Error(`${c.attestations} has no ${predicateType} attestation`);
      const path = join(dir, `${c.tarball}.${suffix}.sigstore.json`);
      writeFileSync(path, JSON.stringify(a.bundle));
      return path;
    };
    return {
      tarball: join(PUBLIC_GOOD, c.tarball),
      subject: c.subject,
      provenanceBundle: write(c.provenance.predicateType, 'provenance'),
      provenancePredicateType: c.provenance.predicateType,
      identity: c.provenance.certificateIdentity,
      issuer: c.provenance.certificateOidcIssuer,
      publishBundle: write(c.publish.predicateType, 'publish'),
    };
  });
  // The npm registry signs publish attestations with the key whose usage is npm:attestations; it is stored
  // as base64 SPKI DER, which is PEM without the armour.
  const keys = JSON.parse(readFileSync(join(PUBLIC_GOOD, 'npm-registry-keys.json'), 'utf8')) as { keys: { keyId: string; keyUsage: string; publicKey: { rawBytes: string } }[] };
  const key = keys.keys.find((k) => k.keyUsage === 'npm:attestations' && k.keyId === 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA');
  if (!key) throw new Error('npm-registry-keys.json has no npm:attestations key');
  const npmKey = join(dir, 'npm-attestations.pem');
  writeFileSync(npmKey, `-----BEGIN PUBLIC KEY-----\n${key.publicKey.rawBytes.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`);
  return { dir, npmKey, cases };
}
