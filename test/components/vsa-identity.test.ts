/**
 * Whom a VSA consumer trusts (review L4): the gate signs its VSA in an environment of its own, so a consumer can
 * require that environment exactly, and a VSA signed by any other job of the project (the same SAN) fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { jobResult, removePipelineRepos, preparePipelineRepo, runPipeline } from '../support/pipeline.js';
import { BUNDLE } from '../support/cli.js';

let sigstore: LocalSigstore;
beforeAll(async () => {
  sigstore = await startLocalSigstore();
});
afterAll(async () => {
  removePipelineRepos();
  await sigstore?.close();
});

const VSA_TYPE = 'https://slsa.dev/verification_summary/v1';

describe('verify-gate sign_vsa', () => {
  it('signs the VSA in the gate job\'s own environment, which a consumer requires; the provenance job\'s environment does not pass for it', async () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'node-build', '.gitlab-ci.yml'), 'utf8');
    const ci = `${example.replace('      needs: [build, provenance]\n', '      as: .sscs-verify\n      needs: [build, provenance]\n      sign_vsa: true\n')}
sscs-verify:
  extends: .sscs-verify
  environment: { name: sscs-verify, action: prepare }
  id_tokens:
    SIGSTORE_ID_TOKEN:
      aud: sigstore
`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': ci });
    const run = await runPipeline(repo, { sigstore });
    for (const job of ['build', 'provenance', 'sscs-verify', 'deploy']) expect(jobResult(run, job), run.output).toBe('PASS');
    const dir = run.artifactsDir('sscs-verify');
    const artifact = join(run.artifactsDir('build'), 'dist', 'hello-sscs-1.0.0.tgz');
    const identity = `https://${new URL(sigstore.issuerUrl).host}/sscs/components//.gitlab-ci.yml@refs/heads/main`;
    const verifyVsa = (environment: string) => execa(process.execPath, [BUNDLE, 'verify', artifact, '--bundle', join(dir, 'verification', 'verification.sigstore.json'), '--predicate-type', VSA_TYPE, '--trusted-root', sigstore.trustedRootPath, '--certificate-identity', identity, '--certificate-oidc-issuer', sigstore.issuerUrl, '--deployment-environment', environment], { reject: false });
    const ok = await verifyVsa('sscs-verify');
    expect(ok.exitCode, String(ok.stderr)).toBe(0);
    const other = await verifyVsa('sscs-provenance');
    expect(other.exitCode).toBe(1);
    expect(String(other.stderr)).toContain('deployment-environment check failed');
    for (const token of run.idTokens) expect(run.output).not.toContain(token);
  });
});
