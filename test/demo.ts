/**
 * `npm run demo`: the pipeline author's example (examples/node-build) end to end with gitlab-ci-local, in
 * shell mode, against a local Sigstore started for the run. Prints the artifacts, the provenance subjects
 * and the verification verdict. Nothing leaves this machine.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startLocalSigstore } from './support/sigstore.js';
import { jobResult, preparePipelineRepo, runPipeline, type PipelineResult } from './support/pipeline.js';

const JOBS = ['build', 'provenance', 'sscs-verify', 'deploy'];

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

function section(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

function printArtifacts(run: PipelineResult): void {
  section('Artifacts');
  for (const job of JOBS) {
    let dir: string;
    try {
      dir = run.artifactsDir(job);
    } catch {
      continue;
    }
    for (const f of files(dir)) process.stdout.write(`  ${job.padEnd(12)} ${relative(dir, f)} (${statSync(f).size} bytes)\n`);
  }
}

function printProvenance(run: PipelineResult): void {
  section('Provenance subjects (attestations/provenance.intoto.jsonl)');
  const lines = readFileSync(join(run.artifactsDir('provenance'), 'attestations', 'provenance.intoto.jsonl'), 'utf8').trim().split('\n');
  for (const line of lines) {
    const s = JSON.parse(line) as { subject: { name: string; digest: { sha256: string } }[]; predicate: { runDetails: { builder: { id: string } }; buildDefinition: { resolvedDependencies: { uri: string }[] } } };
    for (const subject of s.subject) process.stdout.write(`  ${subject.name}  sha256:${subject.digest.sha256}\n`);
    process.stdout.write(`  builder: ${s.predicate.runDetails.builder.id}\n  source:  ${s.predicate.buildDefinition.resolvedDependencies[0]?.uri}\n`);
  }
}

function printVerdict(run: PipelineResult): void {
  section('Verification (sscs-verify)');
  const verdict = run.output.split('\n').filter((l) => /^sscs-verify\s+>/.test(l)).map((l) => l.replace(/^sscs-verify\s+>\s?/, '  '));
  process.stdout.write(`${verdict.join('\n')}\n`);
  let vsaDir: string | undefined;
  try {
    vsaDir = run.artifactsDir('sscs-verify');
  } catch {
    vsaDir = undefined;
  }
  const vsaFile = vsaDir && join(vsaDir, 'verification', 'verification.intoto.jsonl');
  if (vsaFile && existsSync(vsaFile)) {
    const vsa = JSON.parse(readFileSync(vsaFile, 'utf8').trim().split('\n')[0]!) as { predicateType: string; predicate: { verificationResult?: string; verifiedLevels?: string[] } };
    process.stdout.write(`  VSA (${vsa.predicateType}): ${vsa.predicate.verificationResult ?? '?'} ${(vsa.predicate.verifiedLevels ?? []).join(' ')}\n`);
  }
  section('Jobs');
  for (const job of JOBS) process.stdout.write(`  ${(jobResult(run, job) ?? 'not run').padEnd(8)} ${job}\n`);
}

const sigstore = await startLocalSigstore();
try {
  process.stdout.write(`local Sigstore: Fulcio ${sigstore.fulcioUrl}, Rekor ${sigstore.rekorUrl}, issuer ${sigstore.issuerUrl}\n`);
  const repo = await preparePipelineRepo('node-build');
  process.stdout.write(`pipeline repository: ${repo.dir} (commit ${repo.sha})\nrunning gitlab-ci-local...\n`);
  const run = await runPipeline(repo, { sigstore });
  if (run.exitCode !== 0) {
    process.stdout.write(run.output);
    process.stderr.write(`\nthe pipeline failed (gitlab-ci-local exit ${run.exitCode}); its log is above\n`);
    process.exitCode = 1;
  }
  printArtifacts(run);
  if (jobResult(run, 'provenance') === 'PASS') printProvenance(run);
  printVerdict(run);
} finally {
  await sigstore.close();
}
