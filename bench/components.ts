/**
 * What the sscs jobs cost a pipeline: the Node example run end to end with gitlab-ci-local (build, isolated
 * provenance + signing, verification gate, deploy) against the same pipeline's build job alone, in one process,
 * interleaved, against one local Sigstore. Prints medians and the difference.
 *   npm run bench:components   (SSCS_BENCH_RUNS=N, default 5)
 */
import { startLocalSigstore } from '../test/support/sigstore.js';
import { jobResult, preparePipelineRepo, removePipelineRepos, runPipeline } from '../test/support/pipeline.js';

const RUNS = Number(process.env.SSCS_BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sigstore = await startLocalSigstore();
const buildOnly: number[] = [];
const full: number[] = [];
try {
  for (let i = 0; i < RUNS; i += 1) {
    for (const [jobs, into] of [[['build'], buildOnly], [undefined, full]] as const) {
      const repo = await preparePipelineRepo('node-build');
      const start = performance.now();
      const run = await runPipeline(repo, { sigstore, ...(jobs ? { jobs: [...jobs] } : {}) });
      const ms = performance.now() - start;
      if (run.exitCode !== 0 || jobResult(run, jobs ? 'build' : 'deploy') !== 'PASS') {
        process.stderr.write(run.output);
        throw new Error('the pipeline failed; see its log above');
      }
      into.push(ms);
    }
  }
} finally {
  removePipelineRepos();
  await sigstore.close();
}
const b = median(buildOnly);
const f = median(full);
process.stdout.write(`gitlab-ci-local, examples/node-build, ${RUNS} runs each (median wall time)\n`);
process.stdout.write(`  build job only (reference)                        ${(b / 1000).toFixed(2)} s\n`);
process.stdout.write(`  build + provenance/attest + verify gate + deploy  ${(f / 1000).toFixed(2)} s\n`);
process.stdout.write(`  added by the sscs jobs and deploy                 ${((f - b) / 1000).toFixed(2)} s (x${(f / b).toFixed(2)})\n`);
