import type { Subject } from '../subjects/subject.js';
import { SLSA_PROVENANCE_V1, STATEMENT_TYPE_V1 } from './constants.js';
import type { SlsaProvenance, Statement } from './types.js';

/**
 * Wraps the predicate in in-toto statements, splitting the subjects past `maxSubjects` per statement: a
 * signed statement goes to a transparency log whose entries have a size limit. The statements hold the
 * subject objects themselves (a copy of each cost 20,000 objects on 10,000 subjects, and the garbage
 * collection of them): nothing changes a subject once collected.
 */
export function buildStatements(subjects: readonly Subject[], predicate: SlsaProvenance, maxSubjects: number): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < subjects.length; i += maxSubjects) {
    out.push({
      _type: STATEMENT_TYPE_V1,
      subject: subjects.slice(i, i + maxSubjects) as Statement['subject'],
      predicateType: SLSA_PROVENANCE_V1,
      predicate: predicate as Statement['predicate'],
    });
  }
  return out;
}

