import type { DigestSet } from './digest.js';

/** An in-toto ResourceDescriptor as a statement subject: a name and at least one digest. */
export interface Subject {
  name: string;
  digest: DigestSet;
}
