/**
 * A build job's dotenv report against the isolated provenance job and the gate, end to end through the local
 * pipeline runner. In GitLab a dotenv report's variables outrank the receiving job's own variables and the
 * predefined ones (docs.gitlab.com/ci/variables/dotenv_variables; Gitlab::Ci::Variables::Builder#scoped_variables
 * concatenates `job.dependency_variables` after the predefined and YAML variables), and a job that downloads the
 * build's artifacts cannot refuse its dotenv (gitlab-org/gitlab#384028). gitlab-ci-local applies a producer's
 * dotenv over every variable of the job, as these tests need.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { jobResult, pipelineClaims, removePipelineRepos, preparePipelineRepo, runPipeline, type PipelineResult } from '../support/pipeline.js';
import { startFakeGitLab, type FakeGitLab } from '../support/gitlab-api.js';
import { startTestRegistry, type TestRegistry } from '../registry/server.js';
import { seedRegistry, writeProject } from '../policy/project.js';
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

describe('every component job', () => {
  // A job without `needs:` takes the artifacts, and so the dotenv reports, of every job in an earlier stage; so
  // every component job begins the same way (one text, checked here, as GitLab cannot share it between files).
  const jobFiles = readdirSync(join(import.meta.dirname, '..', '..', 'templates')).filter((f) => f.endsWith('.yml'));

  it('begins with the same item, which sets PATH from the path input before anything runs', () => {
    expect(jobFiles).toEqual(expect.arrayContaining(['build-provenance.yml', 'dependency-policy.yml', 'image-provenance.yml', 'isolated-provenance.yml', 'npm-firewall.yml', 'release-attestations.yml', 'verify-gate.yml']));
    const first = jobFiles.map((f) => (templateJob(f).job.script as string[])[0]!);
    expect(new Set(first).size).toBe(1);
    expect(first[0]).toContain('PATH="$[[ inputs.path ]]"; export PATH;');
    for (const f of jobFiles) {
      const { job, inputs } = templateJob(f);
      expect(job.variables, f).toBeUndefined();
      expect(inputs.path?.default, f).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
      expect((job.script as string[]).join('\n'), f).not.toMatch(/\$SSCS\b|\$\{?SSCS_(?!REF)/);
    }
  });

  it('keeps the upstream credentials of the firewall, and unsets every other SSCS_* setting', async () => {
    const { run } = templateJob('release-attestations.yml');
    const r = await run(tempDir({}), { sscs_command: 'env; true' }, { SSCS_FIREWALL_UPSTREAM_TOKEN: 'a', SSCS_FIREWALL_UPSTREAM_TOKEN_MY_ORG: 'b', SSCS_FIREWALL_UPSTREAM: 'http://127.0.0.1:9/', SSCS_OIDC_ISSUER: 'https://gitlab.example' });
    expect(String(r.stdout)).toMatch(/^SSCS_FIREWALL_UPSTREAM_TOKEN=a$/m);
    expect(String(r.stdout)).toMatch(/^SSCS_FIREWALL_UPSTREAM_TOKEN_MY_ORG=b$/m);
    expect(String(r.stdout)).toMatch(/^SSCS_OIDC_ISSUER=/m);
    expect(String(r.stdout)).not.toMatch(/^SSCS_FIREWALL_UPSTREAM=/m);
    expect(r.all).toContain('sscs: ignoring SSCS_FIREWALL_UPSTREAM: set for this job');
  });
});

for (const [file, what] of [['dependency-policy.yml', 'policy report at sscs-policy.junit.xml: the policy check did not run'], ['npm-firewall.yml', 'firewall report at sscs-firewall.junit.xml: the install did not run behind the firewall']] as const) {
  describe(file, () => {
    it('fails, never passes, when its command ran no check', async () => {
      const { run } = templateJob(file);
      const dir = tempDir({ 'sscs-policy.junit.xml': '<testsuites/>', 'sscs-firewall.junit.xml': '<testsuites/>' });
      const r = await run(dir, { sscs_command: 'true' });
      expect(r.exitCode).toBe(1);
      expect(r.all).toContain(`sscs: no ${what}`);
    });
  });
}

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

/**
 * The components that gate dependencies or publish with the job token, behind a build whose dotenv report
 * attacks them: a tag pipeline of the node-build project whose lockfile has a known-malicious package, with
 * dependency-policy (no `needs:`, so it takes every earlier job's dotenv) and release-attestations (needs the build).
 */
describe("a build job's dotenv report against dependency-policy and release-attestations", () => {
  const TAG = 'v1.0.0';
  const JOB_TOKEN = 'glcbt-64-job-token-value-never-printed';
  let reg: TestRegistry;
  let gitlab: FakeGitLab;
  let project: string;
  beforeAll(async () => {
    reg = await startTestRegistry();
    seedRegistry(reg);
    project = writeProject();
    gitlab = await startFakeGitLab({ projectId: '1217', jobToken: JOB_TOKEN });
  });
  afterAll(async () => {
    await gitlab?.close();
    await reg?.close();
  });

  async function attacked(lines: string[]): Promise<PipelineResult> {
    const writes = lines.map((l) => `    - echo ${JSON.stringify(l)} >> build.env\n`).join('');
    const ci = `stages: [build, test]
include:
  - component: $CI_SERVER_FQDN/sscs/components/dependency-policy@1.0.0
    inputs:
      lockfiles: package-lock.json
      registry: ${reg.url}
      malicious_feed: feed
  - component: $CI_SERVER_FQDN/sscs/components/release-attestations@1.0.0
    inputs:
      stage: test
      needs: [build]
      files: dist/*.tgz
      api_url: ${gitlab.apiUrl}
build:
  stage: build
  script:
    - mkdir -p dist
    - npm pack --pack-destination dist
${writes}  artifacts:
    paths: [dist/]
    reports:
      dotenv: build.env
`;
    const feed = join('feed', 'osv', 'malicious', 'npm', 'evil-pkg', 'MAL-2026-0001.json');
    const repo = await preparePipelineRepo('node-build', {
      '.gitlab-ci.yml': ci,
      'package-lock.json': readFileSync(join(project, 'package-lock.json'), 'utf8'),
      [feed]: readFileSync(join(project, feed), 'utf8'),
    }, { tag: TAG });
    gitlab.packages.clear();
    return runPipeline(repo, { sigstore, claims: pipelineClaims(repo, TAG), variables: { CI_API_V4_URL: gitlab.apiUrl, CI_JOB_TOKEN: JOB_TOKEN } });
  }

  it('SSCS=true turns neither into a no-op: the policy check still denies the malicious package, and the release is published where api_url says', async () => {
    const run = await attacked(['SSCS=true', 'SSCS_MALICIOUS_FEED=', 'SSCS_POLICY=/nonexistent.yml', 'CI_API_V4_URL=http://127.0.0.1:9/api/v4']);
    expect(jobResult(run, 'build'), run.output).toBe('PASS');
    expect(jobResult(run, 'sscs-dependency-policy'), run.output).toBe('FAIL');
    expect(run.output).toContain('DENY       pkg:npm/evil-pkg@1.0.0');
    expect(jobResult(run, 'sscs-release-attestations'), run.output).toBe('PASS');
    expect([...gitlab.packages.keys()]).toEqual([expect.stringMatching(new RegExp(`^attestations/${TAG}/.+\\.tgz$`))]);
  });

  it('NODE_OPTIONS runs no code in either job, and the job token stays in the release job', async () => {
    const dir = join(trap, 'node-options-release');
    mkdirSync(dir);
    const payload = `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(join(dir, 'ran'))}, (process.env.CI_JOB_NAME ?? '?') + '\\n');
if (process.env.CI_JOB_TOKEN) appendFileSync(${JSON.stringify(join(dir, 'stolen'))}, process.env.CI_JOB_TOKEN + '\\n');
`;
    const run = await attacked([`NODE_OPTIONS=--import=data:text/javascript;base64,${Buffer.from(payload).toString('base64')}`]);
    expect(existsSync(join(dir, 'stolen'))).toBe(false);
    expect(existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : '').toBe('');
    expect(jobResult(run, 'sscs-dependency-policy'), run.output).toBe('FAIL');
    expect(run.output).toContain('DENY       pkg:npm/evil-pkg@1.0.0');
    expect(jobResult(run, 'sscs-release-attestations'), run.output).toBe('PASS');
    expect(run.output).toMatch(/sscs-release-attestations > sscs: ignoring NODE_OPTIONS: set for this job/);
  });
});

describe("an earlier job's dotenv report against build-provenance", () => {
  it('runs no code in the L2 build job through NODE_OPTIONS, and SSCS=true does not skip its provenance', async () => {
    const dir = join(trap, 'node-options-l2');
    mkdirSync(dir);
    const payload = `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(join(dir, 'ran'))}, (process.env.CI_JOB_NAME ?? '?') + '\\n');
if (process.env.SIGSTORE_ID_TOKEN) appendFileSync(${JSON.stringify(join(dir, 'stolen'))}, process.env.SIGSTORE_ID_TOKEN + '\\n');
`;
    const dotenv = ['SSCS=true', `NODE_OPTIONS=--import=data:text/javascript;base64,${Buffer.from(payload).toString('base64')}`, 'SSCS_OUT=/nonexistent'];
    const ci = `stages: [build]
include:
  - component: $CI_SERVER_FQDN/sscs/components/build-provenance@1.0.0
    inputs:
      build_script: [mkdir -p dist, npm pack --pack-destination dist]
      subjects: dist/*.tgz
prepare:
  stage: .pre
  script:
${dotenv.map((l) => `    - echo ${JSON.stringify(l)} >> prepare.env\n`).join('')}  artifacts:
    reports:
      dotenv: prepare.env
`;
    const repo = await preparePipelineRepo('node-build', { '.gitlab-ci.yml': ci });
    const run = await runPipeline(repo, { sigstore });
    expect(existsSync(join(dir, 'stolen'))).toBe(false);
    expect(existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : '').toBe('');
    expect(jobResult(run, 'sscs-build'), run.output).toBe('PASS');
    expect(run.output).toMatch(/sscs-build > sscs: ignoring NODE_OPTIONS SSCS_OUT: set for this job/);
    expect(existsSync(join(run.artifactsDir('sscs-build'), 'attestations', 'provenance.sigstore.json'))).toBe(true);
  });
});
