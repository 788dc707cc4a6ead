/**
 * A build job's dotenv report against the isolated provenance job and the gate, end to end through the local
 * pipeline runner. In GitLab a dotenv report's variables outrank the receiving job's own variables and the
 * predefined ones (docs.gitlab.com/ci/variables/dotenv_variables; Gitlab::Ci::Variables::Builder#scoped_variables
 * concatenates `job.dependency_variables` after the predefined and YAML variables), and a job that downloads the
 * build's artifacts cannot refuse its dotenv (gitlab-org/gitlab#384028). gitlab-ci-local applies a producer's
 * dotenv over every variable of the job, as these tests need.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { jobResult, removePipelineRepos, preparePipelineRepo, runPipeline, type PipelineResult } from '../support/pipeline.js';
import { templateJob } from '../support/template-job.js';
import { tempDir } from '../support/tmp.js';

let sigstore: LocalSigstore;
let trap: string;
beforeAll(async () => {
  sigstore = await startLocalSigstore();
  trap = mkdtempSync(join(tmpdir(), 'sscs-dotenv-trap-'));
});
afterAll(async () => {
  removePipelineRepos();
  await sigstore?.close();
  rmSync(trap, { recursive: true, force: true });
});

/** The node-build example whose build job also writes `lines` as its dotenv report. */
function buildWithDotenv(lines: string[]): string {
  const example = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'node-build', '.gitlab-ci.yml'), 'utf8');
  const writes = lines.map((l) => `    - echo ${JSON.stringify(l)} >> build.env\n`).join('');
  return example.replace('    - npm pack --pack-destination dist\n  artifacts:\n    paths: [dist/]\n', `    - npm pack --pack-destination dist\n${writes}  artifacts:\n    paths: [dist/]\n    reports:\n      dotenv: build.env\n`);
}

function vsaOf(run: PipelineResult): { predicate: { verificationResult: string; verifiedLevels: string[] } } {
  return JSON.parse(readFileSync(join(run.artifactsDir('sscs-verify'), 'verification', 'verification.intoto.jsonl'), 'utf8').trim().split('\n')[0]!);
}

describe("a build job's dotenv report", () => {
  it('cannot run code in the provenance job through NODE_OPTIONS: the ID token stays there, and the pipeline still proves L3', async () => {
    const dir = join(trap, 'node-options');
    mkdirSync(dir);
    const payload = `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(join(dir, 'ran'))}, (process.env.CI_JOB_NAME ?? '?') + '\\n');
if (process.env.SIGSTORE_ID_TOKEN) appendFileSync(${JSON.stringify(join(dir, 'stolen'))}, process.env.SIGSTORE_ID_TOKEN + '\\n');
`;
    const dataUrl = `data:text/javascript;base64,${Buffer.from(payload).toString('base64')}`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': buildWithDotenv([`NODE_OPTIONS=--import=${dataUrl}`, 'BUILD_VERSION=1.0.0']) });
    const run = await runPipeline(repo, { sigstore });
    const stolen = existsSync(join(dir, 'stolen')) ? readFileSync(join(dir, 'stolen'), 'utf8') : '';
    for (const token of run.idTokens) expect(stolen).not.toContain(token);
    expect(existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : '').toBe('');
    for (const job of ['build', 'provenance', 'sscs-verify', 'deploy']) expect(jobResult(run, job), run.output).toBe('PASS');
    expect(run.output).toMatch(/provenance > sscs: ignoring NODE_OPTIONS: set for this job but not by its component \(a dotenv report/);
    expect(vsaOf(run).predicate).toMatchObject({ verificationResult: 'PASSED', verifiedLevels: expect.arrayContaining(['SLSA_BUILD_LEVEL_3']) });
  });

  it('cannot replace the sscs command, its PATH or its configuration: the provenance is written and the gate verifies it', async () => {
    const dir = join(trap, 'config');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    // Every tool a job might look up on PATH, as the build would ship it: it records that it ran and succeeds.
    for (const tool of ['env', 'sed', 'node', 'sscs', 'printf', 'test', 'mkdir']) {
      writeFileSync(join(dir, 'bin', tool), `#!/bin/sh\necho "${tool} $*" >> ${join(dir, 'ran')}\n`, { mode: 0o755 });
    }
    const repo = await preparePipelineRepo('node-build', {
      '.gitlab-ci.yml': buildWithDotenv([
        'SSCS=true',
        `PATH=${join(dir, 'bin')}:/usr/bin:/bin`,
        'SSCS_OUT=/nonexistent',
        'SSCS_FULCIO_URL=http://127.0.0.1:9/',
        'SSCS_SIGNING_CONFIG=/nonexistent/signing-config.json',
        `SSCS_TRUSTED_ROOT=${join(dir, 'trusted-root.json')}`,
        'SSCS_DEPLOYMENT_ENVIRONMENT=',
        'SSCS_SOURCE_DIGEST=',
        'SSCS_ALLOW_VARIABLES=CI_JOB_TOKEN',
      ]),
    });
    const run = await runPipeline(repo, { sigstore });
    for (const job of ['build', 'provenance', 'sscs-verify', 'deploy']) expect(jobResult(run, job), run.output).toBe('PASS');
    expect(existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : '').toBe('');
    const statement = JSON.parse(readFileSync(join(run.artifactsDir('provenance'), 'attestations', 'provenance.intoto.jsonl'), 'utf8').split('\n')[0]!);
    expect(statement.predicate.runDetails.builder.id).toBe('https://sscs.dev/gitlab-ci/builder/isolated/v1');
    expect(existsSync(join(run.artifactsDir('provenance'), 'attestations', 'provenance.sigstore.json'))).toBe(true);
    expect(vsaOf(run).predicate).toMatchObject({ verificationResult: 'PASSED', verifiedLevels: expect.arrayContaining(['SLSA_BUILD_LEVEL_3']) });
    expect(run.output).toMatch(/sscs-verify.*sscs: ignoring .*SSCS_TRUSTED_ROOT/);
  });
});

describe('the components that take a build job\'s artifacts', () => {
  it('all begin with the same item, which sets PATH from the path input before anything runs', () => {
    const first = ['isolated-provenance.yml', 'image-provenance.yml', 'verify-gate.yml'].map((f) => (templateJob(f).job.script as string[])[0]!);
    expect(new Set(first).size).toBe(1);
    expect(first[0]).toContain('PATH="$[[ inputs.path ]]"; export PATH;');
    for (const f of ['isolated-provenance.yml', 'image-provenance.yml', 'verify-gate.yml']) {
      const { job } = templateJob(f);
      expect(job.variables, f).toBeUndefined();
      expect((job.script as string[]).join('\n'), f).not.toMatch(/\$SSCS\b|\$\{?SSCS_(?!REF)/);
    }
  });
});

describe('verify-gate', () => {
  it('fails, never passes, when its command ran no verification', async () => {
    const { run } = templateJob('verify-gate.yml');
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    const r = await run(dir, { needs: ['build'], sscs_command: 'true' }, { CI_COMMIT_REF_NAME: 'main' });
    expect(r.exitCode).toBe(1);
    expect(r.all).toContain('sscs: no verification summary at verification/verification.intoto.jsonl: the verify command did not run');
  });

  it('takes the public-good root through a TUF cache of its own, never one under $HOME or $XDG_CACHE_HOME', async () => {
    const { run } = templateJob('verify-gate.yml');
    const dir = tempDir({ 'dist/app.tgz': 'app', 'poisoned/sscs/tuf/root.json': '{}' });
    const r = await run(dir, { needs: ['build'], trusted_root: '', sscs_command: "printf '%s\\n'" }, { CI_COMMIT_REF_NAME: 'main', HOME: dir, XDG_CACHE_HOME: join(dir, 'poisoned') });
    const args = String(r.stdout).split('\n');
    const cache = args[args.indexOf('--tuf-cache-dir') + 1];
    expect(args).toContain('--tuf-cache-dir');
    expect(cache).toMatch(/^\//);
    expect(cache!.startsWith(dir)).toBe(false);
    expect(args).not.toContain('--trusted-root');
    const pinned = await run(dir, { needs: ['build'], trusted_root: 'root.json', sscs_command: "printf '%s\\n'" }, { CI_COMMIT_REF_NAME: 'main' });
    const pinnedArgs = String(pinned.stdout).split('\n');
    expect(pinnedArgs).not.toContain('--tuf-cache-dir');
    expect(pinnedArgs.filter((a) => a === 'root.json')).toHaveLength(1);
    expect(pinnedArgs[pinnedArgs.indexOf('--trusted-root') + 1]).toBe('root.json');
  });

  it('names what it ignores and still runs without a dotenv in sight', async () => {
    const { run } = templateJob('verify-gate.yml');
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    const r = await run(dir, { needs: ['build'], sscs_command: "printf '%s\\n'" }, { CI_COMMIT_REF_NAME: 'main', NODE_OPTIONS: '--require=/nonexistent.js', SSCS_TRUSTED_ROOT: 'evil.json', LD_PRELOAD: '/nonexistent.so' });
    expect(r.all).toContain('sscs: ignoring LD_PRELOAD NODE_OPTIONS SSCS_TRUSTED_ROOT: set for this job but not by its component');
    expect(r.all).not.toContain('evil.json');
  });
});
