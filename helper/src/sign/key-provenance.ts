import { InputError } from '../errors.js';
import { provenanceFields } from '../verify/provenance-fields.js';
import { BUILDER_ID_ISOLATED } from '../provenance/constants.js';
import type { Statement } from './statements.js';

/**
 * A key signs whatever statement it is given, and a verifier that trusts the key as the isolated builder's
 * (--key-builder-id) takes the result as SLSA Build L3. So a key signs provenance naming the isolated builder
 * only when `sscs provenance --verify-id-token` wrote it: every fact from an ID token whose signature was checked
 * against the instance's keys (trust.factsFrom `verified-token`), none from a variable a dotenv report can set.
 * Keyless signing needs no such check: Fulcio verifies the token itself.
 */
export function refuseUnverifiedIsolatedProvenance(statements: readonly Statement[], file: string): void {
  for (const s of statements) {
    let predicate: unknown;
    try {
      predicate = (JSON.parse(s.payload.toString('utf8')) as { predicate?: unknown }).predicate;
    } catch {
      continue; // readStatements parsed it already
    }
    const fields = provenanceFields(s.predicateType, predicate);
    if (fields?.builderId !== BUILDER_ID_ISOLATED || fields.factsFrom === 'verified-token') continue;
    throw new InputError('TOKEN', `the statement names the isolated builder (SLSA Build L3), but its facts are not from a verified ID token (trust.factsFrom is ${fields.factsFrom === undefined ? 'absent' : `'${fields.factsFrom}'`}): a key would sign whatever the job's variables said`, {
      where: { file, line: s.line },
      hint: 'Write it with `sscs provenance --builder isolated --verify-id-token --oidc-issuer <instance URL>` (the isolated-provenance component does when signing_key_variable is set), or sign keyless.',
    });
  }
}
