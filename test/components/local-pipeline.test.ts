/**
 * `npm run pipeline:local`: a user's own project, with its own .gitlab-ci.yml that includes sscs components as
 * published (any host, a version tag), run from this checkout against a local Sigstore, as a new user would.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { environmentNames, prepareRepo, repointComponentIncludes } from '../../helper/src/localstack/pipeline.js';

const MAIN = join(REPO_ROOT, 'helper', 'dist', 'localstack', 'pipeline-main.js');

const PIPELINE = `stages: [build, attest, verify]
include:
  - component: gitlab.com/sscs/components/isolated-provenance@1.0.0
    inputs:
      as: .sscs-provenance
      stage: attest
      build_job: build
      subjects: dist/*.txt
  - component: gitlab.com/sscs/components/verify-gate@1.0.0
    inputs:
      stage: verify
      needs: [build, provenance]
      artifacts: dist/*.txt
build:
  stage: build
  script: [mkdir -p dist, echo "hello from team/app" > dist/app.txt]
  artifacts:
    paths: [dist/]
provenance:
  extends: .sscs-provenance
  id_tokens:
    SIGSTORE_ID_TOKEN:
      aud: sigstore
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('npm run pipeline:local', () => {
  let project: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'sscs-user-project-'));
    writeFileSync(join(project, '.gitlab-ci.yml'), PIPELINE);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
    execFileSync('git', ['remote', 'add', 'origin', 'git@gitlab.example.com:team/app.git'], { cwd: project });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  const run = (args: string[], cwd = REPO_ROOT) =>
    execa(process.execPath, [MAIN, ...args], { cwd, env: { PATH: process.env.PATH, HOME: project, INIT_CWD: cwd }, extendEnv: false, reject: false, all: true, timeout: 300_000 });

  it("runs the user's own pipeline, components included as published, with GitLab's token claims: the isolated job's bundle verifies as L3", async () => {
    const r = await run(['--project', project, '--keep']);
    const out = String(r.all);
    expect(r.exitCode, out).toBe(0);
    for (const job of ['build', 'provenance', 'sscs-verify']) expect(out).toMatch(new RegExp(`^\\s*PASS\\s+${job}\\s*$`, 'm'));
    expect(out).toContain("project team/app (");
    expect(out).toContain("one per job environment ('sscs-provenance')");
    const artifacts = /^artifacts: (.+)$/m.exec(out)![1]!;
    const files = filesUnder(artifacts);
    const statement = JSON.parse(readFileSync(files.find((f) => f.endsWith('provenance.intoto.jsonl'))!, 'utf8').split('\n')[0]!);
    expect(statement.predicate.buildDefinition.externalParameters.source.repository).toMatch(/\/team\/app$/);
    const vsa = JSON.parse(readFileSync(files.find((f) => f.endsWith('verification.intoto.jsonl'))!, 'utf8').split('\n')[0]!);
    expect(vsa.predicate).toMatchObject({ verificationResult: 'PASSED', verifiedLevels: ['SLSA_BUILD_LEVEL_3'] });
    rmSync(join(artifacts, '..', '..', '..'), { recursive: true, force: true });
  });

  it('takes the project from the folder it is run in, and exits 1 when a job fails', async () => {
    const failing = mkdtempSync(join(tmpdir(), 'sscs-user-failing-'));
    mkdirSync(join(failing, 'dist'));
    writeFileSync(join(failing, '.gitlab-ci.yml'), PIPELINE.replace('echo "hello from team/app" > dist/app.txt', 'exit 3'));
    const r = await run(['--project-path', 'team/failing'], failing);
    expect(r.exitCode, String(r.all)).toBe(1);
    expect(String(r.all)).toMatch(/^\s*FAIL\s+build\s*$/m);
    expect(String(r.all)).toContain('project team/failing (');
    expect(String(r.all)).toContain('(pass --keep to keep them)');
    // Without --keep, the run's folder is gone when it ends.
    expect(existsSync(join(/ run in (\S+)$/m.exec(String(r.all))![1]!, '..'))).toBe(false);
    rmSync(failing, { recursive: true, force: true });
  });

  it('exits 2 with one line, no stack trace, for a pipeline gitlab-ci-local cannot read or a --job it does not have, and cleans up', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'sscs-user-broken-'));
    writeFileSync(join(broken, '.gitlab-ci.yml'), 'build:\n  script: [echo hi\n  stage: : x\n');
    const bad = await run(['--project', broken, '--project-path', 'team/broken']);
    const err = String(bad.stderr);
    expect(bad.exitCode, String(bad.all)).toBe(2);
    expect(err).toMatch(/^pipeline:local: gitlab-ci-local cannot read the pipeline: YAMLException: [^\n]+$/);
    expect(err).not.toMatch(/^\s+at /m);
    expect(existsSync(join(/ run in (\S+)$/m.exec(String(bad.stdout))![1]!, '..'))).toBe(false);
    const noJob = await run(['--project', project, '--job', 'nosuchjob']);
    expect(noJob.exitCode, String(noJob.all)).toBe(2);
    expect(String(noJob.stderr)).toContain("pipeline:local: --job 'nosuchjob': no such job in the pipeline (its jobs: ");
    expect(String(noJob.stderr)).not.toMatch(/^\s+at /m);
    expect(existsSync(join(/ run in (\S+)$/m.exec(String(noJob.stdout))![1]!, '..'))).toBe(false);
    rmSync(broken, { recursive: true, force: true });
  });

  it('says what is wrong with its input (exit 2)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sscs-user-empty-'));
    const none = await run(['--project', empty]);
    expect(none.exitCode).toBe(2);
    expect(String(none.all)).toContain(`${empty} has no .gitlab-ci.yml`);
    const badPath = await run(['--project', project, '--project-path', 'nogroup']);
    expect(badPath.exitCode).toBe(2);
    expect(String(badPath.all)).toContain("--project-path must be GROUP/NAME, not 'nogroup'");
    const badFlag = await run(['--projetc', project]);
    expect(badFlag.exitCode).toBe(2);
    expect(String(badFlag.all)).toContain('usage: npm run pipeline:local');
    rmSync(empty, { recursive: true, force: true });
  });
});

describe('local pipeline repository', () => {
  it('re-points sscs component includes at the project and commit, keeping quotes and flow mappings intact', () => {
    const text = [
      '  - component: gitlab.com/sscs/components/verify-gate@1.0.0',
      '  - component: "$CI_SERVER_FQDN/sscs/components/slsa-l3@~latest"',
      '  - { component: gitlab.example:8443/sscs/components/isolated-provenance@v2, inputs: { build_job: b } }',
      '  - component: gitlab.com/other/components/verify-gate@1.0.0',
    ].join('\n');
    expect(repointComponentIncludes(text, 'team/app', '$CI_COMMIT_SHA').split('\n')).toEqual([
      '  - component: $CI_SERVER_FQDN/team/app/verify-gate@$CI_COMMIT_SHA',
      '  - component: "$CI_SERVER_FQDN/team/app/slsa-l3@$CI_COMMIT_SHA"',
      '  - { component: $CI_SERVER_FQDN/team/app/isolated-provenance@$CI_COMMIT_SHA, inputs: { build_job: b } }',
      '  - component: gitlab.com/other/components/verify-gate@1.0.0',
    ]);
  });

  it('copies a project with a symlink loop without following it, and reads environments past bad YAML', async () => {
    const project = mkdtempSync(join(tmpdir(), 'sscs-user-links-'));
    writeFileSync(join(project, '.gitlab-ci.yml'), 'job:\n  script: [true]\n  environment: production\n');
    writeFileSync(join(project, 'broken.yml'), 'a: [unclosed\n');
    writeFileSync(join(project, 'bomb.yml'), 'a: &a [x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n');
    symlinkSync('..', join(project, 'loop'));
    const repo = await prepareRepo({ projectDir: project, templatesDir: join(REPO_ROOT, 'templates'), projectPath: 'team/links' });
    try {
      expect(readlinkSync(join(repo.dir, 'loop'))).toBe('..');
      expect(environmentNames(repo.dir)).toEqual(['production', 'sscs-provenance']);
    } finally {
      rmSync(repo.dir, { recursive: true, force: true });
      rmSync(project, { recursive: true, force: true });
    }
  });
});
