import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { readFileBounded } from '../io/files.js';
import { artifactDigests, artifactSize, formatDigests, type ArtifactInput, type DigestAlgorithm, type Digests } from './artifact.js';
import { parseBundle, type BundleFile, type ParsedBundle } from './bundle.js';
import { failed, passed, skipped, type CheckResult } from './checks-model.js';
import { provenBuildLevel, type BuildLevel } from './level.js';
import type { VerifyPolicy } from './policy.js';
import { runPolicyChecks } from './policy-checks.js';
import { provenanceFields, type ProvenanceFields } from './provenance-fields.js';
import { runSigstoreChecks, type SignedData, type Trust } from './sigstore-checks.js';
import { signerIdentity, type SignerIdentity } from './signer.js';
import { matchSubject, parseStatement, subjectAlgorithms, type Statement } from './statement.js';

/**
 * `sscs verify` as a pipeline: parse the bundle, check what it signs against each artifact, verify it
 * cryptographically, then check the verified identity and statement against the policy. Every check that
 * ran is in the report; verification passes only when none failed.
 */

/** Message-signature artifacts up to this size are verified over their bytes; larger ones over their digest. */
export const MAX_IN_MEMORY_ARTIFACT_BYTES = 256 * 1024 * 1024;

const MESSAGE_DIGEST_ALGORITHMS: Partial<Record<HashAlgorithm, DigestAlgorithm>> = {
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

export interface VerifyRequest {
  bundleFile: BundleFile;
  artifacts: ArtifactInput[];
  trust: Trust;
  policy: VerifyPolicy;
}

export interface ArtifactReport {
  name: string;
  digests: Digests;
  /** The statement subject it matched (DSSE). */
  subject?: string;
  /** Digest algorithms that subject lists that were not compared: given as ALG:HEX, only ALG is. */
  unchecked?: string[];
}

/** Where the trusted root came from: a file (by flag or SSCS_TRUSTED_ROOT), or TUF. */
export type TrustedRootSource = { path: string; from: '--trusted-root' | 'SSCS_TRUSTED_ROOT' };

export interface VerifyReport {
  verified: boolean;
  bundle: { path: string; sha256: string; content?: ParsedBundle['content']; signedWith?: ParsedBundle['signedWith'] };
  signer?: SignerIdentity;
  statement?: { predicateType: string; subjects: number };
  provenance?: ProvenanceFields;
  artifacts: ArtifactReport[];
  checks: CheckResult[];
  /** Set by the command: the trusted root verified against. */
  trustedRoot?: TrustedRootSource | { tuf: string } | { none: string };
  /** The SLSA Build level the bundle proves, from verified facts only (level.ts); set when verified. */
  slsaBuildLevel?: BuildLevel;
}

export async function verifyBundle(req: VerifyRequest): Promise<VerifyReport> {
  const { bundleFile, trust, policy } = req;
  const report: VerifyReport = { verified: false, bundle: { path: bundleFile.path, sha256: bundleFile.sha256 }, artifacts: [], checks: [] };
  const { parsed, check } = bundleFile.notJson !== undefined ? { parsed: undefined, check: failed('bundle', bundleFile.notJson) } : parseBundle(bundleFile.json, trust.certificates);
  report.checks.push(check);
  if (!parsed) {
    report.artifacts = req.artifacts.map((a) => ({ name: a.name, digests: a.kind === 'digest' ? { [a.algorithm]: a.hex } : {} }));
    return report;
  }
  report.bundle.content = parsed.content;
  report.bundle.signedWith = parsed.signedWith;

  let statement: Statement | undefined;
  let statementCheck: CheckResult | undefined;
  const artifactChecks: CheckResult[] = [];
  let signedData: SignedData = { kind: 'dsse' };
  const c = parsed.bundle.content;
  if (c.$case === 'dsseEnvelope') {
    const s = parseStatement(c.dsseEnvelope.payloadType, c.dsseEnvelope.payload);
    if (typeof s === 'string') statementCheck = failed('statement', s);
    else {
      statement = s;
      statementCheck = passed('statement', `in-toto statement with ${s.subjects.length} subject(s), predicate ${s.predicateType}`);
    }
    const algorithms = statement ? subjectAlgorithms(statement) : [];
    for (const a of req.artifacts) {
      const digests = await artifactDigests(a, algorithms.length ? algorithms : ['sha256']);
      const entry: ArtifactReport = { name: a.name, digests };
      report.artifacts.push(entry);
      if (!statement) {
        artifactChecks.push(skipped('subject', 'not run: the bundle holds no in-toto statement'));
        continue;
      }
      const match = matchSubject(statement, digests);
      if (match.subject) {
        entry.subject = match.subject.name ?? formatDigests(digests);
        const unchecked = match.unchecked.length ? `; not checked: ${match.unchecked.join(', ')}${a.kind === 'digest' ? ` (only ${a.algorithm} was given)` : ' (not supported)'}` : '';
        if (match.unchecked.length) entry.unchecked = match.unchecked;
        artifactChecks.push(passed('subject', `artifact is subject '${entry.subject}' of the statement (${match.compared.join(', ')} match${unchecked})`, { artifact: a.name, actual: formatDigests(digests), ...(match.unchecked.length ? { unchecked: match.unchecked } : {}) }));
      } else if (match.disagreement) {
        const d = match.disagreement;
        artifactChecks.push(failed('subject', `artifact matches subject '${d.subject.name ?? ''}' by ${d.agreed.join(', ')} but not by ${d.algorithm}: the subject lists ${d.algorithm}:${d.listed}, the artifact's is ${d.algorithm}:${d.actual}`, { artifact: a.name, expected: `${d.algorithm}:${d.listed}`, actual: `${d.algorithm}:${d.actual}` }));
      } else {
        const shared = Object.keys(digests).filter((alg) => (algorithms as string[]).includes(alg));
        const hint = !algorithms.length
          ? ' (its subjects carry no sha256, sha384 or sha512 digest)'
          : shared.length === 0
            ? ` (its subjects carry only ${algorithms.join(', ')} digests: pass ${algorithms[0]}:HEX or the file)`
            : '';
        artifactChecks.push(failed('subject', `artifact ${formatDigests(digests)} is not a subject of the statement${hint}`, { artifact: a.name, actual: formatDigests(digests) }));
      }
    }
  } else {
    const md = c.messageSignature.messageDigest;
    const algorithm = MESSAGE_DIGEST_ALGORITHMS[md.algorithm] ?? 'sha256';
    const signedHex = Buffer.from(md.digest).toString('hex');
    let bytes: Buffer | undefined;
    for (const a of req.artifacts) {
      const digests = await artifactDigests(a, [algorithm]);
      report.artifacts.push({ name: a.name, digests });
      const mine = digests[algorithm];
      if (mine === undefined) {
        artifactChecks.push(failed('artifact-digest', `the bundle signs a ${algorithm} digest; pass ${algorithm}:HEX or the artifact file`, { artifact: a.name, expected: `${algorithm}:${signedHex}` }));
      } else if (mine !== signedHex) {
        artifactChecks.push(failed('artifact-digest', `artifact ${algorithm}:${mine} is not the one the bundle signs (${algorithm}:${signedHex})`, { artifact: a.name, expected: `${algorithm}:${signedHex}`, actual: `${algorithm}:${mine}` }));
      } else {
        artifactChecks.push(passed('artifact-digest', `artifact digest ${algorithm}:${mine} is the signed one`, { artifact: a.name, actual: `${algorithm}:${mine}` }));
        if (!bytes && a.kind === 'file' && (await artifactSize(a.path)) <= MAX_IN_MEMORY_ARTIFACT_BYTES) bytes = await readFileBounded(a.path, MAX_IN_MEMORY_ARTIFACT_BYTES, 'artifact');
      }
    }
    signedData = bytes ? { kind: 'bytes', data: bytes } : { kind: 'digest', digest: Buffer.from(md.digest) };
  }

  const cryptoChecks = await runSigstoreChecks(parsed, trust, signedData);
  report.checks.push(...cryptoChecks);
  const cryptoOk = cryptoChecks.every((r) => r.status !== 'failed');
  if (statementCheck) report.checks.push(statementCheck);

  const facts = {
    ...(parsed.leaf ? { signer: signerIdentity(parsed.leaf) } : {}),
    ...(statement ? { statement } : {}),
    ...(statement ? { provenance: provenanceFields(statement.predicateType, statement.predicate) } : {}),
  };
  if (facts.signer) report.signer = facts.signer;
  if (statement) report.statement = { predicateType: statement.predicateType, subjects: statement.subjects.length };
  if (facts.provenance) report.provenance = facts.provenance;
  const policyChecks = runPolicyChecks(policy, facts);
  // Identity and statement are the signer's claims only once the signature is verified: before that, not checked.
  report.checks.push(...(cryptoOk ? policyChecks : policyChecks.map((r) => skipped(r.name, 'not run: the bundle did not verify'))));
  report.checks.push(...artifactChecks);
  report.verified = report.checks.every((r) => r.status !== 'failed');
  if (report.verified) {
    report.slsaBuildLevel = provenBuildLevel(policy, {
      signedWith: parsed.signedWith,
      ...(facts.signer ? { signer: facts.signer } : {}),
      ...(statement ? { predicateType: statement.predicateType } : {}),
      ...(facts.provenance?.builderId !== undefined ? { builderId: facts.provenance.builderId } : {}),
      ...(facts.provenance?.factsFrom !== undefined ? { factsFrom: facts.provenance.factsFrom } : {}),
    });
  }
  return report;
}

export function firstFailure(report: VerifyReport): CheckResult | undefined {
  return report.checks.find((r) => r.status === 'failed');
}
