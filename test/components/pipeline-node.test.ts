import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { missingFeatures, PIPELINE_FEATURES, preparePipelineRepo, runPipeline } from '../support/pipeline.js';

const missing = await missingFeatures(PIPELINE_FEATURES);

let sigstore: LocalSigstore;
beforeAll(async () => {
  if (missing.length > 0) return;
  sigstore = await startLocalSigstore();
});
afterAll(async () => {
  await sigstore?.close();
});

describe.skipIf(missing.length > 0)(`example node-build (pipeline author)${missing.length ? ` (skipped: sscs lacks ${missing.join(', ')})` : ''}`, () => {
  it('builds, attests in an isolated job, verifies, and deploys', async () => {
    const repo = await preparePipelineRepo('node-build');
    const run = await runPipeline(repo, { sigstore });
    expect(run.output).toMatch(/PASS\s+deploy/);
    expect(run.exitCode, run.output).toBe(0);

    const attestations = run.artifactsDir('provenance');
    const statement = JSON.parse(readFileSync(join(attestations, 'attestations', 'provenance.intoto.jsonl'), 'utf8').trim());
    expect(statement.subject).toEqual([{ name: 'dist/hello-sscs-1.0.0.tgz', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }]);
    expect(statement.predicate.runDetails.builder.id).toBe('https://sscs.dev/gitlab-ci/builder/isolated/v1');
    expect(statement.predicate.buildDefinition.resolvedDependencies[0].digest).toEqual({ gitCommit: repo.sha });
    expect(readdirSync(join(attestations, 'attestations')).sort()).toEqual(['provenance.intoto.jsonl', 'provenance.sigstore.json', 'subjects.sha256']);
    expect(readdirSync(join(run.artifactsDir('sscs-verify'), 'verification')).sort()).toEqual(['junit.xml', 'verification.intoto.jsonl']);
  });
});
