import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_TYPE, BUILDER_ID_BUILD_JOB } from '../../helper/src/provenance/constants.js';
import { runCli } from './cli.js';
import type { GitLabClaims, LocalSigstore } from './sigstore.js';

/** Builds what a GitLab pipeline would: an artifact, its SLSA provenance statement, a bundle from `sscs attest`. */

export { BUILD_TYPE, BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED } from '../../helper/src/provenance/constants.js';
export const COMMIT = '5f0c6e2bd6b4b4a6c2f2f0e1c3b0a9d8e7f6a5b4';

export function sanFor(stack: LocalSigstore, project = 'group/project', ref = 'refs/heads/main'): string {
  return `https://${new URL(stack.issuerUrl).host}/${project}//.gitlab-ci.yml@${ref}`;
}

export function provenanceStatement(stack: LocalSigstore, artifacts: { name: string; bytes: Buffer }[], opts: { project?: string; ref?: string; builderId?: string } = {}): object {
  const project = opts.project ?? 'group/project';
  const ref = opts.ref ?? 'refs/heads/main';
  const repo = `${stack.issuerUrl}/${project}`;
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: artifacts.map((a) => ({ name: a.name, digest: { sha256: createHash('sha256').update(a.bytes).digest('hex') } })),
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        // The shape of sscs's build type (schemas/build-type-v1.md), as `sscs provenance` writes it.
        externalParameters: { source: { repository: repo, ref }, config: { path: '.gitlab-ci.yml', refUri: sanFor(stack, project, ref).slice('https://'.length) }, pipeline: { source: 'push' }, job: { name: 'build' } },
        resolvedDependencies: [{ uri: `git+${repo}@${ref}`, digest: { gitCommit: COMMIT } }],
      },
      runDetails: { builder: { id: opts.builderId ?? BUILDER_ID_BUILD_JOB }, metadata: { invocationId: `${repo}/-/jobs/302` } },
    },
  };
}

/** Signs `statement` with a job token minted for `claims`, through `sscs attest` in its own process. */
export async function attest(stack: LocalSigstore, dir: string, name: string, statement: object, claims: Partial<GitLabClaims> = {}): Promise<string> {
  const statementPath = join(dir, `${name}.intoto.json`);
  writeFileSync(statementPath, JSON.stringify(statement));
  const bundle = join(dir, `${name}.sigstore.json`);
  const r = await runCli(['attest', '--statement', statementPath, '--bundle', bundle, '--signing-config', stack.signingConfigPath], { env: { SIGSTORE_ID_TOKEN: stack.mintToken(claims) } });
  if (r.exitCode !== 0) throw new Error(`sscs attest failed: ${r.stderr}`);
  return bundle;
}
