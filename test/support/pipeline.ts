/**
 * Runs an example pipeline end to end with gitlab-ci-local, in shell mode, against the local Sigstore, through
 * the same code as `npm run pipeline:local` (helper/src/localstack/pipeline.ts): a throw-away repository with
 * the example and the components, every component include pinned to its commit, and SIGSTORE_ID_TOKEN minted
 * per job environment with the claims GitLab would give it.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT, BUNDLE } from './cli.js';
import {
  COMPONENT_PROJECT,
  pipelineClaims as claimsFor,
  prepareRepo,
  runPipeline as run,
  type PipelineRepo,
} from '../../helper/src/localstack/pipeline.js';
import type { LocalSigstore, GitLabClaims } from './sigstore.js';

export { COMPONENT_PROJECT, type PipelineRepo };
const GITLAB_CI_LOCAL = join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const TEMPLATES = join(REPO_ROOT, 'templates');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

const created = new Set<string>();

/** Removes every repository preparePipelineRepo made in this process (call it in afterAll). */
export function removePipelineRepos(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

/**
 * A git repository with the component project and the example `name` (examples/<name>), plus `extraFiles`
 * (path -> content). Component includes are re-pinned to the commit itself.
 */
export async function preparePipelineRepo(name: string, extraFiles: Record<string, string> = {}, opts: { tag?: string } = {}): Promise<PipelineRepo> {
  const repo = await prepareRepo({
    projectDir: join(REPO_ROOT, 'examples', name),
    templatesDir: TEMPLATES,
    projectPath: COMPONENT_PROJECT,
    overrides: extraFiles,
    skip: ['README.md'],
    ...(opts.tag ? { tag: opts.tag } : {}),
  });
  created.add(repo.dir);
  return repo;
}

/** Claims GitLab would put in this pipeline's ID tokens. */
export function pipelineClaims(repo: PipelineRepo, tag?: string): Partial<GitLabClaims> {
  return claimsFor(repo, tag);
}

export interface PipelineResult {
  exitCode: number;
  output: string;
  /** Every ID token the jobs got, to check that none appears in a log or an artifact. */
  idTokens: string[];
  /** Every artifact file of every job. */
  allArtifacts(): string[];
  /** The artifacts a job published, as gitlab-ci-local stores them. */
  artifactsDir(job: string): string;
}

export interface RunOptions {
  sigstore: LocalSigstore;
  claims?: Partial<GitLabClaims>;
  /** More `--variable` values, e.g. CI_API_V4_URL for the release job. */
  variables?: Record<string, string>;
  /** Run only these jobs (with `--needs`). */
  jobs?: string[];
  /** Folders put first on the jobs' PATH, e.g. stand-ins for tools this machine lacks. */
  path?: string[];
}

/** Runs the pipeline of `repo` and returns its exit code, its log, and where its artifacts are. */
export async function runPipeline(repo: PipelineRepo, opts: RunOptions): Promise<PipelineResult> {
  const r = await run(repo, {
    sigstore: opts.sigstore,
    templatesDir: TEMPLATES,
    gitlabCiLocal: GITLAB_CI_LOCAL,
    sscsCommand: `${process.execPath} ${BUNDLE}`,
    ...(opts.claims ? { claims: opts.claims } : {}),
    ...(opts.variables ? { variables: opts.variables } : {}),
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.path ? { path: opts.path } : {}),
  });
  return {
    exitCode: r.exitCode,
    output: r.output,
    idTokens: r.idTokens,
    allArtifacts: () => (existsSync(join(r.stateDir, 'artifacts')) ? filesUnder(join(r.stateDir, 'artifacts')) : []),
    artifactsDir: (job) => {
      const d = join(r.stateDir, 'artifacts', job);
      if (!existsSync(d)) throw new Error(`job ${job} published no artifacts`);
      return d;
    },
  };
}

/** What the templates call that the built helper does not have, as "command" or "command --flag". */
export async function missingFeatures(needed: Record<string, string[]>): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, flags] of Object.entries(needed)) {
    const r = await execa(process.execPath, [BUNDLE, ...command.split(' '), '--help'], { reject: false });
    if (r.exitCode !== 0) {
      missing.push(command);
      continue;
    }
    for (const flag of flags) if (!String(r.stdout).includes(`${flag} `)) missing.push(`${command} ${flag}`);
  }
  return missing;
}

/** PASS, FAIL (or WARN for allowed failures) as gitlab-ci-local's summary reports the job; undefined when it did not run. */
export function jobResult(run: PipelineResult, job: string): string | undefined {
  const escaped = job.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*(PASS|FAIL|WARN)\\s+${escaped}\\s*$`, 'm').exec(run.output)?.[1];
}
