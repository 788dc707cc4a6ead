/**
 * Runs an example pipeline end to end with gitlab-ci-local, in shell mode, against the local Sigstore.
 *
 * gitlab-ci-local resolves a component include from the working tree only when the repository's `origin`
 * path is the component project's path and the ref is HEAD's SHA. So each run builds a throw-away git
 * repository holding the component project (templates/) and the example, with origin set to the component
 * project, and every include of a component of this project pinned to `$CI_COMMIT_SHA`.
 * gitlab-ci-local does not implement `id_tokens`: the job token is passed with `--variable`, minted by the
 * local issuer with the claims GitLab would give this pipeline, and the predefined variables the helper
 * cross-checks against the token are set to the same values.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { REPO_ROOT, BUNDLE } from './cli.js';
import { listComponents } from './components.js';
import type { LocalSigstore, GitLabClaims } from './sigstore.js';

export const COMPONENT_PROJECT = 'sscs/components';
export const ORIGIN = `https://gitlab.example/${COMPONENT_PROJECT}.git`;
const GITLAB_CI_LOCAL = join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
/** Includes of this project's components, whatever their pinned ref (SHA, semver, branch). */
const COMPONENT_INCLUDE = /(component:\s*\$CI_SERVER_FQDN\/sscs\/components\/[A-Za-z0-9_-]+)@\S+/g;

export interface PipelineRepo {
  dir: string;
  sha: string;
  branch: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-c', 'user.name=sscs-test', '-c', 'user.email=test@sscs.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  return r.stdout.trim();
}

/**
 * A git repository with the component project and the example `name` (examples/<name>), plus `extraFiles`
 * (path -> content). Component includes are re-pinned to the commit itself.
 */
const created = new Set<string>();

/** Removes every repository preparePipelineRepo made in this process (call it in afterAll). */
export function removePipelineRepos(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

export async function preparePipelineRepo(name: string, extraFiles: Record<string, string> = {}, opts: { tag?: string } = {}): Promise<PipelineRepo> {
  const dir = mkdtempSync(join(tmpdir(), `sscs-pipeline-${name}-`));
  created.add(dir);
  const branch = 'main';
  await git(dir, 'init', '-q', '-b', branch);
  cpSync(join(REPO_ROOT, 'templates'), join(dir, 'templates'), { recursive: true });
  const example = join(REPO_ROOT, 'examples', name);
  for (const file of filesUnder(example)) {
    const rel = relative(example, file);
    if (rel === 'README.md') continue;
    const text = readFileSync(file, 'utf8');
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), rel.endsWith('.yml') ? text.replace(COMPONENT_INCLUDE, '$1@$CI_COMMIT_SHA') : text, { flag: 'w' });
  }
  for (const [rel, content] of Object.entries(extraFiles)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), rel.endsWith('.yml') ? content.replace(COMPONENT_INCLUDE, '$1@$CI_COMMIT_SHA') : content);
  }
  await git(dir, 'remote', 'add', 'origin', ORIGIN);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', `example ${name}`);
  if (opts.tag) await git(dir, 'tag', opts.tag);
  return { dir, sha: await git(dir, 'rev-parse', 'HEAD'), branch };
}

/** Claims GitLab would put in this pipeline's ID tokens. */
export function pipelineClaims(repo: PipelineRepo, tag?: string): Partial<GitLabClaims> {
  return {
    project_path: COMPONENT_PROJECT,
    namespace_path: 'sscs',
    project_id: '1217',
    sha: repo.sha,
    ci_config_sha: repo.sha,
    ref: tag ?? repo.branch,
    ref_type: tag ? 'tag' : 'branch',
    pipeline_source: 'push',
    // What gitlab-ci-local sets CI_PROJECT_VISIBILITY to.
    project_visibility: 'internal',
    pipeline_id: '4242',
    job_id: '302',
  };
}

/**
 * The inputs every run overrides, per component (gitlab-ci-local's structured inputs file): the helper comes
 * from the working tree, and signing and verification use the local Sigstore. Only inputs a component declares.
 */
function inputsFile(sigstore: LocalSigstore): string {
  const overrides: Record<string, unknown> = {
    sscs_command: `${process.execPath} ${BUNDLE}`,
    signing_config: sigstore.signingConfigPath,
    trusted_root: sigstore.trustedRootPath,
  };
  const perComponent: Record<string, Record<string, unknown>> = {};
  for (const c of listComponents()) {
    const declared = c.header.spec.inputs ?? {};
    perComponent[c.name] = Object.fromEntries(Object.entries(overrides).filter(([k]) => k in declared));
  }
  return YAML.stringify(perComponent);
}

export interface PipelineResult {
  exitCode: number;
  output: string;
  /** The ID token the jobs got, to check that it appears in no log and no artifact. */
  idToken: string;
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
  const claims = { ...pipelineClaims(repo), ...opts.claims };
  const token = opts.sigstore.mintToken(claims, { expiresIn: 900 });
  const issuer = new URL(opts.sigstore.issuerUrl);
  writeFileSync(join(repo.dir, '.gitlab-ci-local-inputs.yml'), inputsFile(opts.sigstore));
  const variables: Record<string, string> = {
    SIGSTORE_ID_TOKEN: token,
    // The instance is the local issuer, as GitLab is its own OIDC issuer.
    CI_SERVER_URL: opts.sigstore.issuerUrl.replace(/\/+$/, ''),
    CI_SERVER_FQDN: issuer.host,
    CI_PROJECT_URL: `${opts.sigstore.issuerUrl.replace(/\/+$/, '')}/${COMPONENT_PROJECT}`,
    CI_CONFIG_PATH: '.gitlab-ci.yml',
    CI_PROJECT_ID: String(claims.project_id),
    CI_PROJECT_NAMESPACE: String(claims.namespace_path),
    CI_PIPELINE_ID: String(claims.pipeline_id),
    CI_PIPELINE_SOURCE: String(claims.pipeline_source),
    CI_JOB_ID: String(claims.job_id),
    CI_COMMIT_REF_NAME: String(claims.ref),
    ...(claims.ref_type === 'tag' ? { CI_COMMIT_TAG: String(claims.ref) } : {}),
    ...opts.variables,
  };
  const args = [
    GITLAB_CI_LOCAL,
    '--force-shell-executor',
    '--shell-isolation',
    '--no-artifacts-to-source',
    '--no-color',
    '--max-job-name-padding', '0',
    // The overrides below are deliberate: they make the job environment match the minted token.
    '--ignore-predefined-vars', Object.keys(variables).join(','),
    ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]),
    ...(opts.jobs ? ['--needs', ...opts.jobs] : []),
  ];
  const r = await execa(process.execPath, args, {
    cwd: repo.dir,
    env: { PATH: [...(opts.path ?? []), process.env.PATH].join(':'), HOME: repo.dir },
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 300_000,
  });
  const stateDir = join(repo.dir, '.gitlab-ci-local');
  return {
    exitCode: r.exitCode ?? -1,
    output: String(r.all),
    idToken: token,
    allArtifacts: () => (existsSync(join(stateDir, 'artifacts')) ? filesUnder(join(stateDir, 'artifacts')) : []),
    artifactsDir: (job) => {
      const d = join(stateDir, 'artifacts', job);
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
