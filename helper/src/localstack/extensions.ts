import type { GitLabClaims } from './claims.js';

/** Fulcio's certificate extension OIDs (fulcio docs/oid-info.md). */
export const OID = {
  issuerLegacy: '1.3.6.1.4.1.57264.1.1',
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  buildSignerDigest: '1.3.6.1.4.1.57264.1.10',
  runnerEnvironment: '1.3.6.1.4.1.57264.1.11',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  sourceRepositoryIdentifier: '1.3.6.1.4.1.57264.1.15',
  sourceRepositoryOwnerUri: '1.3.6.1.4.1.57264.1.16',
  sourceRepositoryOwnerIdentifier: '1.3.6.1.4.1.57264.1.17',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
  buildConfigDigest: '1.3.6.1.4.1.57264.1.19',
  buildTrigger: '1.3.6.1.4.1.57264.1.20',
  runInvocationUri: '1.3.6.1.4.1.57264.1.21',
  sourceRepositoryVisibility: '1.3.6.1.4.1.57264.1.22',
  deploymentEnvironment: '1.3.6.1.4.1.57264.1.23',
  tokenSubject: '1.3.6.1.4.1.57264.1.24',
} as const;

/** As @sigstore/mock's CA takes them: `legacy` values are raw bytes, the others DER UTF8String. */
export interface ExtensionValue {
  oid: string;
  value: string;
  legacy?: boolean;
}

export interface GitLabIdentity {
  subjectAltName: string;
  extensions: ExtensionValue[];
}

/** Claims Fulcio's GitLab principal refuses to do without (pkg/identity/gitlabcom). */
const REQUIRED = ['project_path', 'pipeline_source', 'pipeline_id', 'ci_config_ref_uri', 'job_id', 'ref', 'ref_type', 'namespace_path', 'namespace_id', 'project_id', 'sha', 'runner_environment'] as const;

/**
 * Maps GitLab job token claims to a certificate identity the way Fulcio's GitLab support does. The server
 * URL is the issuer (`iss`), as for gitlab.com, where issuer and instance URL coincide. The SAN is
 * https://<ci_config_ref_uri>: the claim carries no scheme and real GitLab instances serve https.
 */
export function gitLabIdentity(claims: GitLabClaims): GitLabIdentity {
  for (const name of REQUIRED) {
    if (typeof claims[name] !== 'string' || claims[name] === '') throw new Error(`missing ${name} claim in ID token`);
  }
  if (!claims.runner_id) throw new Error('missing runner_id claim in ID token');
  let ref: string;
  switch (claims.ref_type) {
    case 'branch':
      ref = `refs/heads/${claims.ref}`;
      break;
    case 'tag':
      ref = `refs/tags/${claims.ref}`;
      break;
    default:
      throw new Error(`unexpected ref_type: ${String(claims.ref_type)}`);
  }
  const server = claims.iss.replace(/(?<!\/)\/+$/, '');
  const configUri = `https://${claims.ci_config_ref_uri}`;
  const values: [string, string | undefined][] = [
    [OID.issuer, claims.iss],
    [OID.buildSignerUri, configUri],
    [OID.buildSignerDigest, claims.ci_config_sha],
    [OID.runnerEnvironment, claims.runner_environment],
    [OID.sourceRepositoryUri, `${server}/${claims.project_path}`],
    [OID.sourceRepositoryDigest, claims.sha],
    [OID.sourceRepositoryRef, ref],
    [OID.sourceRepositoryIdentifier, claims.project_id],
    [OID.sourceRepositoryOwnerUri, `${server}/${claims.namespace_path}`],
    [OID.sourceRepositoryOwnerIdentifier, claims.namespace_id],
    [OID.buildConfigUri, configUri],
    [OID.buildConfigDigest, claims.ci_config_sha],
    [OID.buildTrigger, claims.pipeline_source],
    [OID.runInvocationUri, `${server}/${claims.project_path}/-/jobs/${claims.job_id}`],
    [OID.sourceRepositoryVisibility, claims.project_visibility],
    // Fulcio's GitLab template: `deployment-environment: "environment"`, with "" as the default value, and an
    // empty value writes no extension: a job that declares no `environment:` gets a certificate without 1.23.
    [OID.deploymentEnvironment, claims.environment],
    [OID.tokenSubject, claims.sub],
  ];
  return {
    subjectAltName: configUri,
    extensions: [
      // Fulcio still writes the deprecated 1.1 issuer extension as raw bytes beside 1.8.
      { oid: OID.issuerLegacy, value: claims.iss, legacy: true },
      ...values.filter((v): v is [string, string] => typeof v[1] === 'string' && v[1] !== '').map(([oid, value]) => ({ oid, value })),
    ],
  };
}
