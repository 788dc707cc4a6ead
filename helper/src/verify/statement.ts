import { INTOTO_PAYLOAD_TYPE, STATEMENT_TYPE_V1 } from '../provenance/constants.js';
import { isDigestAlgorithm, type DigestAlgorithm, type Digests } from './artifact.js';

/** The in-toto statement inside a DSSE bundle: its subjects (what was attested) and its predicate. */

export const STATEMENT_TYPES = [STATEMENT_TYPE_V1, 'https://in-toto.io/Statement/v0.1'] as const;
/** Bound on subjects in one statement (provenance splits larger sets over several statements). */
export const MAX_SUBJECTS = 100_000;

export interface Subject {
  name?: string;
  digest: Record<string, string>;
}

export interface Statement {
  subjects: Subject[];
  predicateType: string;
  predicate: unknown;
}

/** Parses the DSSE payload as an in-toto statement; returns a reason string when it is not one. */
export function parseStatement(payloadType: string, payload: Buffer): Statement | string {
  if (payloadType !== INTOTO_PAYLOAD_TYPE) return `DSSE payload type is '${payloadType}', not an in-toto statement (${INTOTO_PAYLOAD_TYPE})`;
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    return `DSSE payload is not JSON: ${(e as Error).message}`;
  }
  const s = doc as { _type?: unknown; subject?: unknown; predicateType?: unknown; predicate?: unknown } | null;
  if (typeof s !== 'object' || s === null) return 'in-toto statement is not an object';
  if (!(STATEMENT_TYPES as readonly unknown[]).includes(s._type)) return `statement _type ${JSON.stringify(s._type)} is not an in-toto statement`;
  if (!Array.isArray(s.subject) || s.subject.length === 0) return 'statement has no subject';
  if (s.subject.length > MAX_SUBJECTS) return `statement has over ${MAX_SUBJECTS} subjects`;
  const subjects: Subject[] = [];
  for (const [i, sub] of (s.subject as unknown[]).entries()) {
    const digest = (sub as { digest?: unknown } | null)?.digest;
    if (typeof digest !== 'object' || digest === null || Object.values(digest).some((v) => typeof v !== 'string')) return `subject[${i}] has no digest set`;
    const name = (sub as { name?: unknown }).name;
    subjects.push({ ...(typeof name === 'string' ? { name } : {}), digest: digest as Record<string, string> });
  }
  if (typeof s.predicateType !== 'string') return 'statement has no predicateType';
  return { subjects, predicateType: s.predicateType, predicate: s.predicate };
}

/** The digest algorithms we can compute that some subject carries, strongest coverage first: sha256 when any has it. */
export function subjectAlgorithms(statement: Statement): DigestAlgorithm[] {
  const present = new Set<DigestAlgorithm>();
  for (const s of statement.subjects) for (const k of Object.keys(s.digest)) if (isDigestAlgorithm(k)) present.add(k);
  return [...present];
}

export interface SubjectMatch {
  /** The subject the artifact is, when one is. */
  subject?: Subject;
  /** The algorithms compared for that subject: every one it lists that the artifact's digests cover. */
  compared: DigestAlgorithm[];
  /** The algorithms that subject lists and that were not compared (not given, or not supported by sscs). */
  unchecked: string[];
  /** A subject that agreed on some algorithm and disagreed on another: named in the failure. */
  disagreement?: { subject: Subject; algorithm: DigestAlgorithm; listed: string; actual: string; agreed: DigestAlgorithm[] };
}

/**
 * The subject whose digests equal the artifact's. Every algorithm both sides know must agree, and at least one
 * must be compared: a subject that shares no algorithm with the artifact never matches. With the file in hand the
 * artifact's digests cover every supported algorithm the statement lists; given as `ALG:HEX`, only that one.
 */
export function matchSubject(statement: Statement, digests: Digests): SubjectMatch {
  let disagreement: SubjectMatch['disagreement'];
  for (const s of statement.subjects) {
    const shared = (Object.keys(digests) as DigestAlgorithm[]).filter((alg) => s.digest[alg] !== undefined);
    if (shared.length === 0) continue;
    const differing = shared.filter((alg) => s.digest[alg]!.toLowerCase() !== digests[alg]);
    if (differing.length === 0) {
      return { subject: s, compared: shared, unchecked: Object.keys(s.digest).filter((k) => !(shared as string[]).includes(k)) };
    }
    if (!disagreement && differing.length < shared.length) {
      const algorithm = differing[0]!;
      disagreement = { subject: s, algorithm, listed: s.digest[algorithm]!, actual: digests[algorithm]!, agreed: shared.filter((a) => !differing.includes(a)) };
    }
  }
  return { compared: [], unchecked: [], ...(disagreement ? { disagreement } : {}) };
}
