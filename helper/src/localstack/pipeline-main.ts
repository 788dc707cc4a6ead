#!/usr/bin/env node
/**
 * `npm run pipeline:local -- [--project DIR] [--project-path GROUP/NAME] [--tag TAG] [--job NAME]... [--variable K=V]... [--keep]`:
 * runs a project's own `.gitlab-ci.yml`, which includes sscs components, with gitlab-ci-local against a local
 * Sigstore started for the run, from a checkout of this project (built with `npm run build`). See pipeline.ts for
 * what it sets up; the README's "Trying a pipeline locally" for how to use it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareRepo, pipelineClaims, runPipeline } from './pipeline.js';
import { startLocalStack } from './stack.js';

const USAGE = 'usage: npm run pipeline:local -- [--project DIR] [--project-path GROUP/NAME] [--tag TAG] [--job NAME]... [--variable KEY=VALUE]... [--keep]';
const CHECKOUT = fileURLToPath(new URL('../../..', import.meta.url));
const PROJECT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

class Usage extends Error {}

/** `group/name` from the project's `origin` remote (https or scp-like ssh), if it has one. */
function originPath(dir: string): string | undefined {
  let url: string;
  try {
    url = execFileSync('git', ['-C', dir, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
  const path = (/^[^@/]+@[^:]+:(.+)$/.exec(url)?.[1] ?? (URL.canParse(url) ? new URL(url).pathname : '')).replace(/^\/+/, '').replace(/\.git$/, '');
  return PROJECT_PATH.test(path) ? path : undefined;
}

function hasRsync(): boolean {
  try {
    execFileSync('rsync', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      'project-path': { type: 'string' },
      tag: { type: 'string' },
      job: { type: 'string', multiple: true },
      variable: { type: 'string', multiple: true },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  // npm runs scripts in the package folder; INIT_CWD is where the user typed the command.
  const projectDir = resolve(process.env.INIT_CWD ?? process.cwd(), values.project ?? '.');
  if (!existsSync(join(projectDir, '.gitlab-ci.yml'))) throw new Usage(`${projectDir} has no .gitlab-ci.yml: pass --project DIR, the folder of your project`);
  const projectPath = values['project-path'] ?? originPath(projectDir) ?? `local/${basename(projectDir)}`;
  if (!PROJECT_PATH.test(projectPath)) throw new Usage(`--project-path must be GROUP/NAME, not '${projectPath}'`);
  const variables: Record<string, string> = {};
  for (const kv of values.variable ?? []) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new Usage(`--variable must be KEY=VALUE, not '${kv}'`);
    variables[kv.slice(0, at)] = kv.slice(at + 1);
  }
  const bundle = join(CHECKOUT, 'helper', 'dist', 'sscs.mjs');
  const gitlabCiLocal = join(CHECKOUT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
  if (!existsSync(bundle)) throw new Usage(`${bundle} is missing: run npm run build in ${CHECKOUT} first`);
  if (!existsSync(gitlabCiLocal)) throw new Usage(`gitlab-ci-local is missing: run npm ci in ${CHECKOUT} first`);
  if (!hasRsync()) throw new Usage('gitlab-ci-local needs rsync on PATH (Debian: apt-get install rsync)');

  const work = mkdtempSync(join(tmpdir(), 'sscs-pipeline-local-'));
  // The run's folder (repository copy, job artifacts, local Sigstore keys) goes when the run ends, unless --keep.
  const cleanUp = () => {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let stack;
  try {
    stack = await startLocalStack(join(work, 'sigstore'));
  } catch (e) {
    cleanUp();
    throw e;
  }
  try {
    const repo = await prepareRepo({ projectDir, templatesDir: join(CHECKOUT, 'templates'), projectPath, dir: join(work, 'repo'), ...(values.tag ? { tag: values.tag } : {}) });
    process.stdout.write(`project ${projectPath} (${projectDir}) at ${repo.sha}, run in ${repo.dir}\nlocal Sigstore: issuer ${stack.issuerUrl}, trusted root ${stack.trustedRootPath}\n`);
    const r = await runPipeline(repo, {
      sigstore: stack,
      templatesDir: join(CHECKOUT, 'templates'),
      gitlabCiLocal,
      sscsCommand: `${process.execPath} ${bundle}`,
      claims: pipelineClaims(repo, values.tag),
      variables,
      ...(values.job ? { jobs: values.job } : {}),
      stream: true,
      timeoutMs: 30 * 60_000,
    });
    const envs = r.environments.length ? r.environments.map((e) => `'${e}'`).join(', ') : 'none';
    const artifacts = values.keep ? `artifacts: ${join(r.stateDir, 'artifacts')}` : `artifacts: removed with ${work} (pass --keep to keep them)`;
    process.stdout.write(`\nID tokens: one for jobs without an environment, one per job environment (${envs}).\n${artifacts}\n`);
    return r.exitCode === 0 ? 0 : 1;
  } finally {
    await stack.close();
    cleanUp();
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  const usage = e instanceof Usage || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`pipeline:local: ${(e as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exitCode = 2;
}
