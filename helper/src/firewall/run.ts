/**
 * `sscs firewall run -- COMMAND`: the CI job's whole use of the firewall in one step. Starts it on a free
 * port, runs the install with npm, pnpm and yarn pointed at it through the environment, stops it, and
 * reports what was served and refused in the same formats as `sscs policy check`.
 */
import { execa } from 'execa';
import { resolve } from 'node:path';
import type { Io } from '../cli/command.js';
import { PolicyViolation, ServiceError, UsageError } from '../errors.js';
import { writeOutputFile } from '../io/files.js';
import { purl } from '../deps/model.js';
import type { CheckRecord, CheckResult } from '../policy/check.js';
import type { Action, Decision, PackageRef } from '../policy/types.js';
import { renderGitlab } from '../policy/reports/gitlab.js';
import { renderJson } from '../policy/reports/json.js';
import { renderJunit } from '../policy/reports/junit.js';
import { ADMIN_TOKEN_ENV, UPSTREAM_TOKEN_ENV, type Flags, type ServeSettings } from './config.js';
import { launch } from './launch.js';
import { checkProjectScopes, FIREWALL_REGISTRY_ENV, projectScopes } from './project-scopes.js';

export interface RunReports {
  gitlabReport?: string;
  junit?: string;
  output?: string;
}

/**
 * The environment that points every client at the firewall (yarn 4 refuses plain http without the whitelist),
 * for unscoped packages and for every scope the firewall routes: npm and pnpm read `npm_config_@scope:registry`
 * over a project's .npmrc; yarn berry sends scopes without an npmScopes entry to YARN_NPM_REGISTRY_SERVER.
 */
export function clientEnv(url: string, scopes: string[] = []): Record<string, string> {
  const env: Record<string, string> = {
    npm_config_registry: `${url}/`,
    // pnpm 11+ reads its own prefix and ignores npm_config_registry.
    pnpm_config_registry: `${url}/`,
    YARN_NPM_REGISTRY_SERVER: url,
    YARN_UNSAFE_HTTP_WHITELIST: new URL(url).hostname,
    [FIREWALL_REGISTRY_ENV]: url,
  };
  for (const scope of scopes) {
    env[`npm_config_${scope}:registry`] = `${url}/`;
    env[`pnpm_config_${scope}:registry`] = `${url}/`;
  }
  return env;
}

function checkResult(s: ServeSettings, mode: CheckResult['mode'], command: string, records: Map<string, CheckRecord>, blocked: number, typosquat: boolean): CheckResult {
  const list = [...records.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const counts: Record<Action, number> = { allow: 0, deny: 0, quarantine: 0, warn: 0 };
  for (const r of list) counts[r.decision.action]++;
  return {
    mode,
    policy: s.policyPath,
    sources: [`sscs firewall run -- ${command}`],
    records: list,
    counts,
    failed: mode === 'enforce' && blocked > 0,
    checks: { registry: 'online', maliciousFeed: s.maliciousFeed ?? null, typosquat, scan: s.scan },
    expiredWaivers: [],
    errors: [],
    packuments: new Map(),
  };
}

/**
 * The install's environment: the job's, without the firewall's own secrets. The install runs packages' scripts,
 * and the upstream and admin tokens are the firewall's to use, not theirs.
 */
function installEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith(UPSTREAM_TOKEN_ENV) && k !== ADMIN_TOKEN_ENV));
}

export async function runBehindFirewall(s: ServeSettings, flags: Flags, command: string[], reports: RunReports, io: Io): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall run: give the command after --, e.g. sscs firewall run --policy p.yml -- npm ci');
  const records = new Map<string, CheckRecord>();
  let blocked = 0;
  const onDecision = (pkg: PackageRef, d: Decision, served: boolean): void => {
    if (!served) blocked++;
    const key = `${pkg.name}@${pkg.version}`;
    // A refusal wins over an earlier serve of the same version in the report.
    if (!served || !records.has(key)) records.set(key, { purl: purl(pkg), name: pkg.name, version: pkg.version, direct: false, dev: false, path: [], sources: [], source: 'registry', decision: d });
  };
  const found = await projectScopes(io.cwd, io.env);
  checkProjectScopes(found, s.upstream, s.scopedUpstreams);
  const scopes = [...new Set([...s.scopedUpstreams.map((u) => u.scope), ...found.map((p) => p.scope)])];
  const started = new Date();
  // Request logs go nowhere: the job log shows the install's own output and the summary.
  const fw = await launch({ ...s, listen: { host: '127.0.0.1', port: 0 } }, flags, { ...io, stdout: () => {} }, { onDecision });
  let exitCode: number;
  try {
    const routes = s.scopedUpstreams.map((u) => `, ${u.scope} from ${u.url}`).join('');
    io.stderr(`sscs firewall: ${fw.url} in front of ${s.upstream}${routes}; running ${command.join(' ')}\n`);
    const r = await execa(file, args, { cwd: io.cwd, env: { ...installEnv(io.env), ...clientEnv(fw.url, scopes) }, extendEnv: false, reject: false, stdin: 'ignore', all: true });
    if (r.failed && r.exitCode === undefined) throw new ServiceError('SERVICE', `cannot run ${file}: ${r.shortMessage ?? r.message}`, { cause: r });
    io.stdout(String(r.all ?? ''));
    exitCode = r.exitCode ?? 2;
  } finally {
    await fw.close();
  }
  const result = checkResult(s, fw.mode as CheckResult['mode'], command.join(' '), records, blocked, fw.typosquat);
  const ended = new Date();
  if (reports.output) await writeOutputFile(resolve(io.cwd, reports.output), renderJson(result), io.env, 'the report');
  if (reports.gitlabReport) await writeOutputFile(resolve(io.cwd, reports.gitlabReport), renderGitlab(result, { start: started, end: ended }), io.env, 'the GitLab report');
  if (reports.junit) await writeOutputFile(resolve(io.cwd, reports.junit), renderJunit(result, (ended.getTime() - started.getTime()) / 1000), io.env, 'the JUnit report');

  const refused = result.records.filter((r) => r.decision.action === 'deny' || r.decision.action === 'quarantine');
  io.stderr(`sscs firewall: served ${result.counts.allow + result.counts.warn} package version(s), refused ${refused.length}\n`);
  for (const r of refused) io.stderr(`  ${r.name}@${r.version}: ${r.decision.action} by ${r.decision.rule}: ${r.decision.reason}\n`);
  if (exitCode !== 0 && refused.length) {
    throw new PolicyViolation('FIREWALL_BLOCKED', `'${command.join(' ')}' failed: the firewall refused ${refused.map((r) => `${r.name}@${r.version}`).join(', ')}`, {
      hint: 'Each line above names the rule; release a quarantined version or add a waiver to the policy to let it through.',
    });
  }
  if (exitCode !== 0) throw new ServiceError('SERVICE', `'${command.join(' ')}' exited with ${exitCode} (the firewall refused nothing)`);
  return 0;
}
