import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureBuildContext } from '../../helper/src/gitlab/context.js';
import { buildPredicate } from '../../helper/src/provenance/predicate.js';
import { FIELD_SOURCES, renderFieldSourceTables } from '../../helper/src/provenance/field-sources.js';
import { InputError } from '../../helper/src/errors.js';
import type { GitLabClaims } from '../../helper/src/gitlab/oidc.js';
import { REPO_ROOT } from '../support/cli.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';

/**
 * schemas/build-type-v1.md says, field by field, whether a field comes from the token's claims or from a
 * variable. This holds the document to the code: each variable is forged in a job that has a token, and
 * sscs must refuse it when the table says it is checked, and record it when the table says no claim carries it.
 */
const FORGED: Record<string, { value: string; recorded?: unknown }> = {
  CI_PROJECT_URL: { value: 'https://evil.example/other/repo' },
  CI_COMMIT_REF_NAME: { value: 'evil-branch' },
  CI_CONFIG_PATH: { value: 'evil.yml' },
  CI_PIPELINE_SOURCE: { value: 'web' },
  CI_JOB_NAME: { value: 'forged-name' },
  CI_SERVER_URL: { value: 'https://evil.example' },
  CI_SERVER_VERSION: { value: '99.0.0' },
  CI_PROJECT_PATH: { value: 'other/repo' },
  CI_PROJECT_ID: { value: '1' },
  CI_PROJECT_VISIBILITY: { value: 'public' },
  CI_PIPELINE_ID: { value: '1' },
  CI_PIPELINE_URL: { value: 'https://evil.example/other/repo/-/pipelines/1' },
  CI_JOB_ID: { value: '1' },
  CI_JOB_IMAGE: { value: 'evil:latest' },
  CI_RUNNER_ID: { value: '99' },
  CI_RUNNER_DESCRIPTION: { value: 'forged runner' },
  CI_RUNNER_VERSION: { value: '99.0.0' },
  CI_RUNNER_REVISION: { value: 'deadbeef' },
  CI_RUNNER_EXECUTABLE_ARCH: { value: 'evil/arch' },
  CI_RUNNER_TAGS: { value: 'evil', recorded: ['evil'] },
  CI_COMMIT_SHA: { value: 'f'.repeat(40) },
  CI_JOB_URL: { value: 'https://evil.example/other/repo/-/jobs/1' },
  CI_JOB_STARTED_AT: { value: '2030-01-01T00:00:00Z' },
};

function predicateFor(env: Record<string, string>): Record<string, unknown> {
  const context = captureBuildContext(env);
  return buildPredicate({ context, trustMode: 'isolated', helper: { version: '0.0.0' }, finishedOn: new Date(0) }) as unknown as Record<string, unknown>;
}

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, key) => {
    const m = /^(\w+)\[(\d+)\]$/.exec(key);
    const v = (o as Record<string, unknown> | undefined)?.[m ? (m[1] as string) : key];
    return m ? (v as unknown[] | undefined)?.[Number(m[2])] : v;
  }, obj);
}

describe('build type field sources', () => {
  it('schemas/build-type-v1.md holds the tables generated from field-sources.ts (run `npm run docs` when this fails)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'schemas/build-type-v1.md'), 'utf8');
    for (const [name, table] of Object.entries(renderFieldSourceTables())) {
      expect(doc).toContain(`<!-- field-sources:${name} -->\n${table}\n<!-- /field-sources:${name} -->`);
    }
  });

  // The provenance job's token: it runs in an environment (`environment:`), so its token says which.
  const jobClaims = gitlabClaims({ environment: 'sscs-provenance', environment_protected: 'true' });
  const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(jobClaims) });
  const honest = predicateFor(env);

  it('every field the table lists is in the predicate of an honest job', () => {
    for (const f of FIELD_SOURCES) {
      if (f.field.endsWith('.inputs') || f.field.endsWith('.variables')) continue;
      expect(at(honest, f.field), f.field).toBeDefined();
    }
  });

  for (const f of FIELD_SOURCES.filter((x) => x.variable)) {
    const variable = f.variable as string;
    it(`${f.field}: a forged ${variable} is ${f.checked ? 'refused' : 'recorded as the job saw it'}`, () => {
      const forged = FORGED[variable];
      expect(forged, `no forged value for ${variable}: add one to FORGED`).toBeDefined();
      const tampered = { ...env, [variable]: forged!.value };
      if (f.checked) {
        let error: unknown;
        try {
          predicateFor(tampered);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).code).toBe('CONTEXT_MISMATCH');
        expect((error as InputError).message).toContain(`${variable}='${forged!.value}'`);
      } else {
        expect(f.claims, `${f.field} has a claim but its variable is not checked`).toBeUndefined();
        expect(at(predicateFor(tampered), f.field)).toEqual(forged!.recorded ?? forged!.value);
      }
    });
  }

  it('with a verified token, holds every field a claim gives and none that only a variable gives', () => {
    // As `sscs provenance --verify-id-token` passes them, once gitlab/id-token-verify.ts accepted the token.
    const context = captureBuildContext(env, { verifiedClaims: jobClaims as unknown as GitLabClaims, expectedIssuer: 'https://gitlab.example' });
    const verified = buildPredicate({ context, trustMode: 'isolated', helper: { version: '0.0.0' }, finishedOn: new Date(0) }) as unknown as Record<string, unknown>;
    expect(at(verified, 'buildDefinition.internalParameters.trust.factsFrom')).toBe('verified-token');
    for (const f of FIELD_SOURCES) {
      if (f.other) continue;
      if (f.claims) expect(at(verified, f.field), f.field).toEqual(at(honest, f.field));
      else expect(at(verified, f.field), f.field).toBeUndefined();
    }
    expect(at(verified, 'runDetails.builder.version')).toEqual({ sscs: '0.0.0' });
    expect((verified as any).buildDefinition.resolvedDependencies.map((d: { uri: string }) => d.uri)).toEqual([`git+https://gitlab.example/group/project@refs/heads/main`, 'pkg:npm/sscs@0.0.0']);
  });

  it('with a token, the claim-derived fields are the claims, whatever the variables said before the check', () => {
    const p = honest as any;
    expect(p.buildDefinition.externalParameters.source.repository).toBe('https://gitlab.example/group/project');
    expect(p.buildDefinition.externalParameters.config.path).toBe('.gitlab-ci.yml');
    expect(p.buildDefinition.internalParameters.gitlab.pipelineUrl).toBe('https://gitlab.example/group/project/-/pipelines/9001');
    expect(p.runDetails.metadata.invocationId).toBe('https://gitlab.example/group/project/-/jobs/777');
    // Variables that no longer exist cannot matter: the claims alone give the same fields.
    const bare = predicateFor({ ...env, CI_CONFIG_PATH: '' }) as any;
    expect(bare.buildDefinition.externalParameters.config.path).toBe('.gitlab-ci.yml');
  });

  it('takes the configuration file from ci_config_ref_uri, also when it lives in another project', () => {
    const claims = gitlabClaims({ ci_config_ref_uri: 'gitlab.example/ops/pipelines//ci/build.yml@refs/heads/stable' });
    const ok = predicateFor(gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(claims), CI_CONFIG_PATH: 'ci/build.yml@ops/pipelines:stable' })) as any;
    expect(ok.buildDefinition.externalParameters.config).toMatchObject({ path: 'ci/build.yml', refUri: 'gitlab.example/ops/pipelines//ci/build.yml@refs/heads/stable' });
    expect(() => predicateFor(gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(claims), CI_CONFIG_PATH: 'ci/build.yml@evil/pipelines' }))).toThrow(/CI_CONFIG_PATH='ci\/build.yml@evil\/pipelines'/);
  });
});
