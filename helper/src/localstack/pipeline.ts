/**
 * Runs a project's `.gitlab-ci.yml` that includes sscs components with gitlab-ci-local (shell executor), against
 * the local Sigstore, with the ID token claims GitLab would give each job. Dev-only, like the rest of localstack:
 * `npm run pipeline:local` and the pipeline tests both go through here.
 *
 * What it takes care of, that gitlab-ci-local alone does not:
 * - Component includes. gitlab-ci-local reads a component from the working tree only when the repository's
 *   `origin` is the component's project and the ref is HEAD's SHA; otherwise it fetches it over the network. So
 *   the run happens in a throw-away git repository holding the project's files and this checkout's templates/,
 *   whose origin is the project, with every include of an sscs component re-pointed at that project and commit.
 * - `id_tokens`, which gitlab-ci-local does not implement. SIGSTORE_ID_TOKEN is given through its variables
 *   file, scoped by environment as GitLab scopes variables: a job that declares `environment: NAME` gets a token
 *   with the `environment` claim NAME (certificate extension 1.3.6.1.4.1.57264.1.23), any other job one without.
 * - The predefined variables that the helper cross-checks against the token, set to the claims' values.
 * - The component inputs that point at the working tree (sscs_command), this machine's PATH (path) and the local
 *   Sigstore (signing_config, trusted_root), through gitlab-ci-local's per-component inputs file.
 *
 * Dotenv reports (artifacts:reports:dotenv) are gitlab-ci-local's own: a job gets the dotenv of each job whose
 * artifacts it takes (not with `needs: artifacts: false`, as in GitLab), applied over every variable of the job.
 * GitLab applies them over the job's YAML variables, the predefined ones and the ID tokens, but under project,
 * group, instance and pipeline variables (docs.gitlab.com/ci/variables/dotenv_variables,
 * Gitlab::Ci::Variables::Builder#scoped_variables). What these runs set with --variable (predefined variables,
 * the variables file's ID tokens) is what GitLab lets a dotenv override too; a `--variable` of `npm run
 * pipeline:local` meant as a project variable is overridden here where GitLab would keep it: the stand-in is the
 * harsher of the two.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { checkPipeline } from './pipeline-check.js';
import YAML from 'yaml';
import type { GitLabClaims, MintOptions } from './claims.js';

/** Where this checkout's sscs components are published; includes of them are re-pointed at the local run. */
export const COMPONENT_PROJECT = 'sscs/components';
/** Includes of sscs components on any host and at any ref: `<host>/sscs/components/<name>@<ref>`. */
// The ref stops at a quote or a flow-collection delimiter, so `{ component: ...@1.0.0, inputs: ... }` keeps its shape.
const COMPONENT_INCLUDE = /(component:\s*["']?)[^\s"']+?\/sscs\/components\/([A-Za-z0-9_-]+)@([^\s"',}\]]+)/g;
/** GitLab's ID tokens live as long as the job may; a local pipeline finishes well within this. */
const TOKEN_LIFETIME_SECONDS = 900;
const VARIABLES_FILE = '.gitlab-ci-local-variables.yml';
const INPUTS_FILE = '.gitlab-ci-local-inputs.yml';
/** Folders of a project never copied into the run (dependencies, state of earlier runs). */
const SKIPPED = new Set(['.git', 'node_modules', '.gitlab-ci-local']);

/** What the local Sigstore offers a pipeline run. */
export interface PipelineSigstore {
  issuerUrl: string;
  signingConfigPath: string;
  trustedRootPath: string;
  mintToken(claims?: Partial<GitLabClaims>, opts?: MintOptions): string;
}

export interface PipelineRepo {
  dir: string;
  sha: string;
  branch: string;
  projectPath: string;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-c', 'user.name=sscs-local', '-c', 'user.email=local@sscs.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  return r.stdout.trim();
}

/** Regular files under `dir`, symlinks not followed (a link to a parent folder would never end). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIPPED.has(e.name)) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

/** Symbolic links under `dir` (not followed), to be recreated as links in the run's repository. */
function linksUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIPPED.has(e.name)) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? linksUnder(p) : e.isSymbolicLink() ? [p] : [];
  });
}

/** Re-points every include of an sscs component at `projectPath`, at `ref` (or keeps the ref when undefined). */
export function repointComponentIncludes(text: string, projectPath: string, ref?: string): string {
  return text.replace(COMPONENT_INCLUDE, (_whole, prefix: string, name: string, given: string) => `${prefix}$CI_SERVER_FQDN/${projectPath}/${name}@${ref ?? given}`);
}

export interface RepoSource {
  /** The project's files: a folder (its .git, node_modules and earlier run state are left out). */
  projectDir: string;
  /** This checkout's templates/ folder. */
  templatesDir: string;
  /** The project's path on GitLab, `group/name`: the token's project_path and the repository's origin. */
  projectPath: string;
  /** Files that replace or add to the project's, path -> content. */
  overrides?: Record<string, string>;
  /** Leave out these files of the project (relative paths, e.g. a README). */
  skip?: string[];
  tag?: string;
  /** Where to make the repository (default: a new temporary folder). */
  dir?: string;
}

/** Makes the throw-away repository the pipeline runs in, with one commit and the project as its origin. */
export async function prepareRepo(src: RepoSource): Promise<PipelineRepo> {
  const dir = src.dir ?? mkdtempSync(join(tmpdir(), `sscs-pipeline-${basename(src.projectPath)}-`));
  const branch = 'main';
  mkdirSync(dir, { recursive: true });
  await git(dir, 'init', '-q', '-b', branch);
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), /\.ya?ml$/.test(rel) ? repointComponentIncludes(text, src.projectPath, '$CI_COMMIT_SHA') : text);
  };
  for (const file of filesUnder(src.projectDir)) {
    const rel = relative(src.projectDir, file);
    if (src.skip?.includes(rel)) continue;
    if (/\.ya?ml$/.test(rel)) write(rel, readFileSync(file, 'utf8'));
    else cpSync(file, join(dir, rel));
  }
  for (const link of linksUnder(src.projectDir)) {
    const rel = relative(src.projectDir, link);
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    symlinkSync(readlinkSync(link), join(dir, rel));
  }
  for (const [rel, content] of Object.entries(src.overrides ?? {})) write(rel, content);
  // The components, as the project's own: composites include their parts at their own commit already.
  for (const file of filesUnder(src.templatesDir)) {
    const rel = join('templates', relative(src.templatesDir, file));
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), repointComponentIncludes(readFileSync(file, 'utf8'), src.projectPath));
  }
  await git(dir, 'remote', 'add', 'origin', `https://gitlab.example/${src.projectPath}.git`);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'local pipeline run');
  if (src.tag) await git(dir, 'tag', src.tag);
  return { dir, sha: await git(dir, 'rev-parse', 'HEAD'), branch, projectPath: src.projectPath };
}

/** Claims GitLab would put in this pipeline's ID tokens (a job's `environment` is added per job). */
export function pipelineClaims(repo: PipelineRepo, tag?: string): Partial<GitLabClaims> {
  const namespace = repo.projectPath.includes('/') ? repo.projectPath.slice(0, repo.projectPath.lastIndexOf('/')) : repo.projectPath;
  return {
    project_path: repo.projectPath,
    namespace_path: namespace,
    // What gitlab-ci-local sets CI_PROJECT_ID and CI_PROJECT_VISIBILITY to.
    project_id: '1217',
    project_visibility: 'internal',
    sha: repo.sha,
    ci_config_sha: repo.sha,
    ref: tag ?? repo.branch,
    ref_type: tag ? 'tag' : 'branch',
    pipeline_source: 'push',
    pipeline_id: '4242',
    job_id: '302',
  };
}

/** The predefined variables the helper cross-checks against the token, set to the claims' values. */
export function predefinedVariables(sigstore: PipelineSigstore, claims: Partial<GitLabClaims>): Record<string, string> {
  const server = sigstore.issuerUrl.replace(/(?<!\/)\/+$/, '');
  return {
    // The instance is the local issuer, as GitLab is its own OIDC issuer.
    CI_SERVER_URL: server,
    CI_SERVER_FQDN: new URL(server).host,
    CI_PROJECT_URL: `${server}/${String(claims.project_path)}`,
    // gitlab-ci-local builds these from its own job and pipeline numbers (and without `/-/` for pipelines).
    CI_JOB_URL: `${server}/${String(claims.project_path)}/-/jobs/${String(claims.job_id)}`,
    CI_PIPELINE_URL: `${server}/${String(claims.project_path)}/-/pipelines/${String(claims.pipeline_id)}`,
    CI_CONFIG_PATH: '.gitlab-ci.yml',
    CI_PROJECT_ID: String(claims.project_id),
    CI_PROJECT_NAMESPACE: String(claims.namespace_path),
    CI_PIPELINE_ID: String(claims.pipeline_id),
    CI_PIPELINE_SOURCE: String(claims.pipeline_source),
    CI_JOB_ID: String(claims.job_id),
    CI_COMMIT_REF_NAME: String(claims.ref),
    ...(claims.ref_type === 'tag' ? { CI_COMMIT_TAG: String(claims.ref) } : {}),
  };
}

/**
 * gitlab-ci-local's variables file: SIGSTORE_ID_TOKEN with one value per environment a job declares (that
 * job's token carries the `environment` claim) and a default for jobs without one, as GitLab would mint them.
 */
export function tokenVariablesFile(sigstore: PipelineSigstore, claims: Partial<GitLabClaims>, environments: readonly string[]): string {
  const mint = (extra: Partial<GitLabClaims>) => sigstore.mintToken({ ...claims, ...extra }, { expiresIn: TOKEN_LIFETIME_SECONDS });
  // gitlab-ci-local reads `*` in a scope as a wildcard; an environment name with one is matched literally by GitLab.
  const scoped = environments.filter((e) => e !== '' && !e.includes('*'));
  const values: Record<string, string> = { '*': mint({}) };
  for (const env of scoped) values[env] = mint({ environment: env });
  return YAML.stringify({ SIGSTORE_ID_TOKEN: { type: 'variable', values } });
}

/**
 * gitlab-ci-local's per-component inputs file: only inputs each component declares. `path` is the jobs' PATH here,
 * for the components that set PATH from their `path` input rather than trust the job's.
 */
export function componentInputsFile(templatesDir: string, sigstore: PipelineSigstore, sscsCommand: string, path: string): string {
  const overrides: Record<string, string> = { sscs_command: sscsCommand, path, signing_config: sigstore.signingConfigPath, trusted_root: sigstore.trustedRootPath };
  const perComponent: Record<string, Record<string, string>> = {};
  for (const entry of readdirSync(templatesDir, { withFileTypes: true })) {
    const file = entry.isFile() && entry.name.endsWith('.yml') ? join(templatesDir, entry.name) : join(templatesDir, entry.name, 'template.yml');
    if (!existsSync(file)) continue;
    const header = YAML.parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS() as { spec?: { inputs?: Record<string, unknown> } } | undefined;
    const declared = header?.spec?.inputs ?? {};
    perComponent[entry.name.replace(/\.yml$/, '')] = Object.fromEntries(Object.entries(overrides).filter(([k]) => k in declared));
  }
  return YAML.stringify(perComponent);
}

export interface RunOptions {
  sigstore: PipelineSigstore;
  /** The checkout's templates/ folder, for the inputs file. */
  templatesDir: string;
  /** gitlab-ci-local's dist/index.js. */
  gitlabCiLocal: string;
  /** How jobs run the helper, e.g. `node /checkout/helper/dist/sscs.mjs`. */
  sscsCommand: string;
  claims?: Partial<GitLabClaims>;
  /** More variables for every job, e.g. CI_API_V4_URL for the release job. */
  variables?: Record<string, string>;
  /** Run only these jobs (with `--needs`). */
  jobs?: string[];
  /** Folders put first on the jobs' PATH. */
  path?: string[];
  /** Stream the log to this process's stdout and stderr, as well as returning it. */
  stream?: boolean;
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  output: string;
  /** Every ID token the jobs got (the default one first), to check that none appears in a log or an artifact. */
  idTokens: string[];
  /** Every environment a job may declare (environmentNames), each of which got its own token. */
  environments: string[];
  /** gitlab-ci-local's state folder: artifacts/<job>/ holds what each job published. */
  stateDir: string;
}

const PLACEHOLDER = /^\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]$/;

/**
 * Every environment name a job of the repository's configuration may declare: `environment:` values written
 * literally, and those given through a component input (`$[[ inputs.NAME ]]`: the input's default and every
 * value passed to an input of that name). A superset is harmless (an unused token is never handed out);
 * a name built from CI/CD variables at run time is not resolved and gets the default token. Read from the
 * YAML, because asking gitlab-ci-local (`--list-csv-all`) costs seconds per run.
 */
export function environmentNames(repoDir: string): string[] {
  const literal = new Set<string>();
  const viaInput = new Set<string>();
  const inputValues = new Map<string, Set<string>>();
  const add = (name: string, value: unknown) => {
    if (typeof value === 'string') (inputValues.get(name) ?? inputValues.set(name, new Set()).get(name)!).add(value);
  };
  const environment = (value: unknown) => {
    const name = typeof value === 'string' ? value : (value as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const input = PLACEHOLDER.exec(name.trim());
    if (input) viaInput.add(input[1]!);
    else literal.add(name);
  };
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n));
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'environment') environment(v);
      if (k === 'inputs' && typeof v === 'object' && v !== null) {
        for (const [name, given] of Object.entries(v)) add(name, key === 'spec' ? (given as { default?: unknown } | null)?.default : given);
      }
      walk(v, k);
    }
  };
  for (const file of filesUnder(repoDir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
      // A file that is not usable YAML is gitlab-ci-local's to report, if the pipeline uses it at all.
      if (doc.errors.length > 0) continue;
      try {
        walk(doc.toJS({ maxAliasCount: 100 }));
      } catch {
        continue;
      }
    }
  }
  for (const name of viaInput) for (const v of inputValues.get(name) ?? []) if (!PLACEHOLDER.test(v.trim())) literal.add(v);
  // A name with a variable in it is expanded by GitLab when the job runs: it cannot be minted for here.
  return [...literal].filter((e) => e !== '' && !e.includes('$')).sort();
}

/** Runs the pipeline of `repo` with gitlab-ci-local and returns its exit code and log. */
export async function runPipeline(repo: PipelineRepo, opts: RunOptions): Promise<RunResult> {
  const claims = { ...pipelineClaims(repo), ...opts.claims };
  const env = { PATH: [...(opts.path ?? []), process.env.PATH].join(':'), HOME: repo.dir };
  const variables = { ...predefinedVariables(opts.sigstore, claims), ...opts.variables };
  const variableArgs = [
    // Deliberate: the job environment must match the minted token.
    '--ignore-predefined-vars', Object.keys(variables).join(','),
    ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]),
  ];
  writeFileSync(join(repo.dir, INPUTS_FILE), componentInputsFile(opts.templatesDir, opts.sigstore, opts.sscsCommand, env.PATH));
  const environments = environmentNames(repo.dir);
  const tokens = tokenVariablesFile(opts.sigstore, claims, environments);
  writeFileSync(join(repo.dir, VARIABLES_FILE), tokens);
  const idTokens = Object.values((YAML.parse(tokens) as { SIGSTORE_ID_TOKEN: { values: Record<string, string> } }).SIGSTORE_ID_TOKEN.values);
  const args = [
    opts.gitlabCiLocal,
    '--force-shell-executor',
    '--shell-isolation',
    '--no-artifacts-to-source',
    '--no-color',
    '--max-job-name-padding', '0',
    ...variableArgs,
  ];
  await checkPipeline(args, { cwd: repo.dir, env, ...(opts.jobs ? { jobs: opts.jobs } : {}), timeoutMs: 120_000 });
  args.push(...(opts.jobs ? ['--needs', ...opts.jobs] : []));
  const child = execa(process.execPath, args, { cwd: repo.dir, env, extendEnv: false, reject: false, all: true, timeout: opts.timeoutMs ?? 300_000 });
  if (opts.stream) {
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  }
  const r = await child;
  return { exitCode: r.exitCode ?? -1, output: String(r.all), idTokens, environments, stateDir: join(repo.dir, '.gitlab-ci-local') };
}
