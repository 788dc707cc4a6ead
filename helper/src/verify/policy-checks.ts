import { BUILDER_ID_ISOLATED } from '../provenance/constants.js';
import { failed, passed, type CheckName, type CheckResult } from './checks-model.js';
import { describeMatch, matches, GITLAB_SAN_EXAMPLE, type StringMatch, type VerifyPolicy } from './policy.js';
import type { ProvenanceFields } from './provenance-fields.js';
import { FULCIO_EXTENSIONS, type SignerIdentity } from './signer.js';
import type { Statement } from './statement.js';

/**
 * Each policy check is a small function of (policy, facts): it returns undefined when the policy does not ask
 * for it, else one CheckResult. Facts come from the verified certificate and the verified statement only.
 * Where both the certificate and the provenance carry a value, both must match; where neither does, the check
 * fails (an expectation that cannot be checked is not met).
 */
export interface PolicyFacts {
  signer?: SignerIdentity;
  statement?: Statement;
  provenance?: ProvenanceFields;
}

type Source = { from: 'certificate' | 'provenance' | 'statement'; value: string | undefined };
type Check = (policy: VerifyPolicy, facts: PolicyFacts) => CheckResult | undefined;

function compare(name: CheckName, what: string, expected: StringMatch, sources: Source[], normalize: (s: string) => string = (s) => s): CheckResult {
  const present = sources.filter((s): s is { from: Source['from']; value: string } => s.value !== undefined);
  const want = describeMatch(expected);
  if (present.length === 0) {
    const where = sources.length === 1 ? `the ${sources[0]!.from} carries none` : `neither the ${sources.map((s) => s.from).join(' nor the ')} carries one`;
    return failed(name, `no ${what} to check: ${where}`, { expected: want });
  }
  const norm: StringMatch = 'exact' in expected ? { exact: normalize(expected.exact) } : expected;
  for (const s of present) {
    if (!matches(norm, normalize(s.value))) {
      return failed(name, `${what} in the ${s.from} is '${s.value}', expected ${'exact' in expected ? `'${want}'` : want}`, { expected: want, actual: s.value });
    }
  }
  return passed(name, `${what} is '${present[0]!.value}' (${present.map((s) => s.from).join(', ')})`, { expected: want, actual: present[0]!.value });
}

const exact = (v: string | undefined): StringMatch | undefined => (v === undefined ? undefined : { exact: v });
const cert = (f: PolicyFacts, k: keyof SignerIdentity['extensions']): Source => ({ from: 'certificate', value: f.signer?.extensions[k] });
const prov = (f: PolicyFacts, k: keyof ProvenanceFields): Source => ({ from: 'provenance', value: f.provenance?.[k] });

const identity: Check = (p, f) => {
  if (!p.certificateIdentity) return undefined;
  const r = compare('identity', 'certificate identity', p.certificateIdentity, [{ from: 'certificate', value: f.signer?.subjectAlternativeName }]);
  return r.status === 'failed' ? { ...r, message: `${r.message} (a GitLab job's identity looks like ${GITLAB_SAN_EXAMPLE})` } : r;
};
const issuer: Check = (p, f) => p.certificateOidcIssuer === undefined ? undefined : compare('issuer', 'OIDC issuer', { exact: p.certificateOidcIssuer }, [{ from: 'certificate', value: f.signer?.issuer }]);
const predicateType: Check = (p, f) => p.predicateType === undefined ? undefined : compare('predicate-type', 'predicate type', { exact: p.predicateType }, [{ from: 'statement', value: f.statement?.predicateType }]);
const sourceRepo: Check = (p, f) => {
  const m = exact(p.sourceRepo);
  return m && compare('source-repo', 'source repository', m, [cert(f, 'sourceRepositoryUri'), prov(f, 'sourceRepository')], (s) => s.replace(/(?<!\/)\/+$/, ''));
};
const sourceRef: Check = (p, f) => p.sourceRef && compare('source-ref', 'source ref', p.sourceRef, [cert(f, 'sourceRepositoryRef'), prov(f, 'sourceRef')]);
const sourceDigest: Check = (p, f) => {
  const m = exact(p.sourceDigest);
  return m && compare('source-digest', 'source commit', m, [cert(f, 'sourceRepositoryDigest'), prov(f, 'sourceDigest')], (s) => s.toLowerCase());
};
// The certificate holds https:// + ci_config_ref_uri; provenance may record the bare claim.
const buildConfigUri: Check = (p, f) => {
  const m = exact(p.buildConfigUri);
  return m && compare('build-config-uri', 'build config URI', m, [cert(f, 'buildConfigUri'), prov(f, 'configUri')], (s) => s.replace(/^https:\/\//, ''));
};
const runnerEnvironment: Check = (p, f) => {
  const m = exact(p.runnerEnvironment);
  return m && compare('runner-environment', 'runner environment', m, [cert(f, 'runnerEnvironment')]);
};
// GitLab writes the `environment` claim from the job's definition, and Fulcio copies it into 1.23: it tells the
// isolated provenance job's certificate apart from the build job's, which has the same identity otherwise.
const deploymentEnvironment: Check = (p, f) => {
  if (p.deploymentEnvironment === undefined) return undefined;
  const expected = p.deploymentEnvironment;
  const actual = f.signer?.extensions.deploymentEnvironment;
  const oid = FULCIO_EXTENSIONS.deploymentEnvironment;
  if (actual === undefined) {
    const why = f.signer ? 'the signing job declared no `environment:`' : 'the bundle has no signing certificate';
    return failed('deployment-environment', `the certificate has no DeploymentEnvironment extension (${oid}): ${why}, so nothing proves it ran in the provenance environment '${expected}'`, { expected });
  }
  if (actual !== expected) return failed('deployment-environment', `DeploymentEnvironment (${oid}) in the certificate is '${actual}', expected '${expected}'`, { expected, actual });
  return passed('deployment-environment', `DeploymentEnvironment (${oid}) is '${actual}' (certificate)`, { expected, actual });
};
const pipelineSource: Check = (p, f) => {
  const m = exact(p.pipelineSource);
  return m && compare('pipeline-source', 'pipeline source', m, [cert(f, 'buildTrigger'), prov(f, 'pipelineSource')]);
};
// For a key-signed bundle, the builder the verifier's policy gives the key must be the one asked for, too: the
// statement's builder.id is only what the key's holder wrote.
const builderId: Check = (p, f) => {
  const m = exact(p.builderId);
  if (!m) return undefined;
  const r = compare('builder-id', 'builder id', m, [prov(f, 'builderId')]);
  if (r.status === 'failed' || p.keyBuilderId === undefined) return r;
  if (p.keyBuilderId === p.builderId) {
    // A key signs whatever it is given: the isolated builder's key vouches for L3 only over facts from an ID token
    // sscs verified (level.ts); over a token that was only decoded, a dotenv report could have written them.
    if (p.builderId !== BUILDER_ID_ISOLATED || f.provenance?.factsFrom === 'verified-token') return r;
    return failed('builder-id', `the key belongs to builder '${p.keyBuilderId}', but the statement's facts are not from a verified ID token (trust.factsFrom is ${f.provenance?.factsFrom === undefined ? 'absent' : `'${f.provenance.factsFrom}'`}, not 'verified-token'): a key-signed statement names the isolated builder only when written by sscs provenance --verify-id-token`, { expected: 'verified-token', ...(f.provenance?.factsFrom !== undefined ? { actual: f.provenance.factsFrom } : {}) });
  }
  return failed('builder-id', `the key belongs to builder '${p.keyBuilderId}' (--key-builder-id), expected '${p.builderId}'`, { expected: p.builderId, actual: p.keyBuilderId });
};
const buildType: Check = (p, f) => {
  const m = exact(p.buildType);
  return m && compare('build-type', 'build type', m, [prov(f, 'buildType')]);
};

/** In the order they are reported. */
export const POLICY_CHECKS: readonly Check[] = [identity, issuer, predicateType, sourceRepo, sourceRef, sourceDigest, buildConfigUri, runnerEnvironment, deploymentEnvironment, pipelineSource, builderId, buildType];

export function runPolicyChecks(policy: VerifyPolicy, facts: PolicyFacts): CheckResult[] {
  return POLICY_CHECKS.map((c) => c(policy, facts)).filter((r): r is CheckResult => r !== undefined);
}
