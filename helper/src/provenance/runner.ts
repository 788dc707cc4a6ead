import { InputError } from '../errors.js';
import { isSecretName } from '../io/secrets.js';
import { assertSubjectName, quoteName, whyNameLeavesProject } from '../subjects/name.js';
import { SLSA_PROVENANCE_V1, STATEMENT_TYPE_V1 } from './constants.js';
import type { ResourceDescriptor, Statement } from './types.js';

/** The statement type GitLab Runner still writes in its header, over a SLSA v1 predicate. */
const RUNNER_STATEMENT_TYPE = 'https://in-toto.io/Statement/v0.1';
const GIT_SHA1 = /^[0-9a-f]{40}$/;
const GIT_OBJECT_ID = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;
const WITHHELD = '[WITHHELD]';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns the statement GitLab Runner writes with RUNNER_GENERATE_ARTIFACTS_METADATA=true into a correct
 * in-toto v1 statement, keeping what the runner recorded:
 * - `_type` becomes Statement v1 (the runner writes v0.1 over a v1 predicate);
 * - a git commit filed under `sha256` is filed under `gitCommit`: any 40-hex value (it cannot be a SHA-256), and
 *   the source's own entry (its uri is `externalParameters.source`), whose 64-hex value is the commit of a
 *   SHA-256 repository, not a file digest;
 * - `invocationID` becomes SLSA v1's `invocationId`;
 * - variable values are kept only for allow-listed names; secret-looking names never keep a value.
 */
export function importRunnerStatement(doc: unknown, file: string, allowVariables: ReadonlySet<string>): Statement {
  const where = (field: string) => ({ file, field });
  if (!isObject(doc)) throw new InputError('MALFORMED', 'runner metadata is not a JSON object', { where: { file } });
  if (doc._type !== RUNNER_STATEMENT_TYPE && doc._type !== STATEMENT_TYPE_V1) {
    throw new InputError('MALFORMED', `unexpected _type '${String(doc._type)}' (GitLab Runner writes ${RUNNER_STATEMENT_TYPE})`, { where: where('_type') });
  }
  if (doc.predicateType !== SLSA_PROVENANCE_V1) {
    throw new InputError('MALFORMED', `predicateType is '${String(doc.predicateType)}': only SLSA provenance v1 metadata (GitLab Runner 16.7 and later) can be imported`, { where: where('predicateType') });
  }
  if (!Array.isArray(doc.subject) || doc.subject.length === 0) throw new InputError('NO_SUBJECTS', 'the runner recorded no subjects', { where: where('subject') });
  // The names are the build's file names, held to what sscs's own subjects are (subjects/name.ts).
  for (const s of doc.subject) {
    if (!isObject(s) || typeof s.name !== 'string') continue;
    assertSubjectName(s.name, file);
    const escape = whyNameLeavesProject(s.name);
    if (escape) throw new InputError('PATH_ESCAPE', `subject name ${quoteName(s.name)} ${escape}`, { where: where('subject') });
  }
  const predicate = doc.predicate;
  if (!isObject(predicate) || !isObject(predicate.buildDefinition) || !isObject(predicate.runDetails)) {
    throw new InputError('MALFORMED', 'predicate has no buildDefinition or runDetails', { where: where('predicate') });
  }
  const def = predicate.buildDefinition;
  const run = predicate.runDetails;
  const external = isObject(def.externalParameters) ? filterVariables(def.externalParameters, allowVariables) : {};
  const source = typeof def.externalParameters === 'object' && def.externalParameters !== null ? (def.externalParameters as Json).source : undefined;
  const deps = Array.isArray(def.resolvedDependencies) ? def.resolvedDependencies.map((d) => fixCommitDigest(d, source)) : undefined;
  const metadata = isObject(run.metadata) ? renameInvocationId(run.metadata) : undefined;
  return {
    _type: STATEMENT_TYPE_V1,
    subject: doc.subject as Statement['subject'],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: def.buildType,
        externalParameters: external,
        ...(isObject(def.internalParameters) ? { internalParameters: def.internalParameters } : {}),
        ...(deps ? { resolvedDependencies: deps } : {}),
      },
      runDetails: {
        builder: run.builder,
        ...(metadata ? { metadata } : {}),
        ...(Array.isArray(run.byproducts) ? { byproducts: run.byproducts } : {}),
      },
    },
  };
}

function fixCommitDigest(dep: unknown, source: unknown): ResourceDescriptor {
  if (!isObject(dep) || !isObject(dep.digest)) return dep as ResourceDescriptor;
  const digest = { ...(dep.digest as Record<string, string>) };
  const isSource = typeof source === 'string' && source !== '' && dep.uri === source;
  if (typeof digest.sha256 === 'string' && (GIT_SHA1.test(digest.sha256) || (isSource && GIT_OBJECT_ID.test(digest.sha256)))) {
    digest.gitCommit = digest.sha256;
    delete digest.sha256;
  }
  return { ...dep, digest } as ResourceDescriptor;
}

function renameInvocationId(metadata: Json): Json {
  const { invocationID, ...rest } = metadata;
  return invocationID !== undefined && rest.invocationId === undefined ? { invocationId: String(invocationID), ...rest } : rest;
}

/** The runner's own external parameters (GitLab Runner's PROVENANCE.md); every other key is a job variable. */
const RUNNER_FIELDS = new Set(['entryPoint', 'source']);

/**
 * The runner records job variables as external parameters (masked ones as [MASKED]), under their names in
 * whatever case the job gave them. sscs writes no variable value that the user did not allow-list, and never
 * one whose name says secret in any case (`deploy_password`, `Npm_Token`).
 */
function filterVariables(external: Json, allow: ReadonlySet<string>, nested = false): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(external)) {
    if (!nested && key === 'variables' && isObject(value)) out.variables = filterVariables(value, allow, true);
    else if (!nested && RUNNER_FIELDS.has(key)) out[key] = value;
    else out[key] = allow.has(key) && !isSecretName(key) ? value : WITHHELD;
  }
  return out;
}
