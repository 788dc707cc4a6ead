/**
 * `sscs firewall run -- COMMAND`: the CI job's whole use of the firewall in one step. Starts it on a free
 * port, runs the install with npm, pnpm and yarn pointed at it through the environment, stops it, and
 * reports what was served and refused in the same formats as `sscs policy check`.
 */
import { execa } from 'execa';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Io } from '../cli/command.js';
import { PolicyViolation, ServiceError, UsageError } from '../errors.js';
import { writeOutputFile } from '../io/files.js';
import { checkOutputPaths } from '../io/output-path.js';
import { secretValues } from '../io/secrets.js';
import { redactorOf } from '../io/redact.js';
import { outputRelay } from './output-relay.js';
import { printable } from '../io/printable.js';
import { shellLine } from '../io/shell-quote.js';
import { purl } from '../deps/model.js';
import type { CheckRecord, CheckResult } from '../policy/check.js';
import type { Action, Decision, PackageRef } from '../policy/types.js';
import { renderGitlab } from '../policy/reports/gitlab.js';
import { renderJson } from '../policy/reports/json.js';
import { renderJunit } from '../policy/reports/junit.js';
import type { ResolvedPackage } from '../deps/model.js';
import { type Flags, type ServeSettings } from './config.js';
import { launch } from './launch.js';
import { documentKey, factsKey } from '../registry/metadata.js';
import { checkProjectScopes, FIREWALL_REGISTRY_ENV, isYarnClassic, npmConfigFiles, projectScopes, type NpmConfigFiles } from './project-scopes.js';
import { checkInstallOptions, installEnvironment, yarnRcFilename } from './install-env.js';
import { checkPythonSources } from './python-sources.js';
import { invocations, leadingEnv, type Invocation } from './install-command.js';
import { fromProject } from './change-folder.js';
import { clientFolders, commandFolders, lockFolders, npmFolder } from './client-folders.js';
import { checkInstallOrder } from './install-order.js';
import { decideLocked, judgeElsewhere, overridden, readLocked, refusalLine, refuses, reportVersion, runWayOut, wantedVersions, type Refusal } from './run-report.js';
import { loadPolicy } from '../policy/load.js';
import { checkElsewhere, declaredElsewhere } from './run-elsewhere.js';
import { commandLineElsewhere, installedElsewhere, resolveWithNpm } from './run-resolve.js';

export interface RunReports {
  gitlabReport?: string;
  junit?: string;
  output?: string;
}

/** The report options given, as the user wrote them (for the check before anything runs). */
function reportOptions(r: RunReports): { flag: string; path: string }[] {
  const given: [string, string | undefined][] = [['--output', r.output], ['--gitlab-report', r.gitlabReport], ['--junit', r.junit]];
  return given.filter((g): g is [string, string] => g[1] !== undefined).map(([flag, path]) => ({ flag, path }));
}

/**
 * The environment that points every client at the firewall (yarn 4 refuses plain http without the whitelist),
 * for unscoped packages and for every scope the firewall routes: npm and pnpm read `npm_config_@scope:registry`
 * over a project's .npmrc; yarn berry sends scopes without an npmScopes entry to YARN_NPM_REGISTRY_SERVER.
 */
export function clientEnv(url: string, scopes: string[] = [], files: ClientFiles = {}): Record<string, string> {
  const host = new URL(url).hostname;
  const env: Record<string, string> = {
    npm_config_registry: `${url}/`,
    // The job's proxy (HTTP_PROXY, which npm and pnpm read as their default proxy) is not between the client
    // and the firewall: a proxy could answer for the firewall.
    npm_config_noproxy: host,
    pnpm_config_noproxy: host,
    // npm fetches a lockfile's `resolved` URL as written unless its host is registry.npmjs.org: `always` sends
    // every registry tarball to the configured registry, so a lockfile naming another registry cannot go around.
    npm_config_replace_registry_host: 'always',
    // pnpm 11+ reads its own prefix and ignores npm_config_registry.
    pnpm_config_registry: `${url}/`,
    YARN_NPM_REGISTRY_SERVER: url,
    YARN_UNSAFE_HTTP_WHITELIST: host,
    [FIREWALL_REGISTRY_ENV]: url,
    // The configuration files firewall run read (project-scopes.ts), so that no .npmrc can point npm at another.
    ...(files.npm?.userconfig ? { npm_config_userconfig: files.npm.userconfig } : {}),
    ...(files.npm ? { npm_config_globalconfig: files.npm.globalconfig } : {}),
    ...(files.yarnRcFilename !== undefined ? { YARN_RC_FILENAME: files.yarnRcFilename } : {}),
  };
  for (const scope of scopes) {
    env[`npm_config_${scope}:registry`] = `${url}/`;
    env[`pnpm_config_${scope}:registry`] = `${url}/`;
  }
  return { ...env, ...pythonClientEnv(url) };
}

/** The client configuration files firewall run checked, set for the install in one spelling. */
export interface ClientFiles {
  npm?: NpmConfigFiles;
  yarnRcFilename?: string;
}

/**
 * Python clients: pip (and pipenv's pip) read PIP_INDEX_URL; pipenv sends a Pipfile's pypi.org sources to
 * PIPENV_PYPI_MIRROR; uv reads UV_DEFAULT_INDEX (and the older UV_INDEX_URL). An http firewall is a trusted
 * host for pip (it refuses plain http otherwise, loopback excepted). Poetry reads none of these: its commands that
 * fetch are refused before anything runs (poetry-verbs.ts).
 */
export function pythonClientEnv(url: string): Record<string, string> {
  const simple = `${url}/simple/`;
  const env: Record<string, string> = {
    PIP_INDEX_URL: simple, PIPENV_PYPI_MIRROR: simple, UV_DEFAULT_INDEX: simple, UV_INDEX_URL: simple,
    // No pip config file is read (site, user ~/.config/pip/pip.conf, /etc/pip.conf, nor the job's own
    // PIP_CONFIG_FILE): pip skips them all when it is os.devnull (pip's configuration.py), so their
    // find-links and extra-index-url cannot add a source beside the firewall. uv: no uv.toml nor [tool.uv].
    PIP_CONFIG_FILE: '/dev/null',
    UV_NO_CONFIG: '1',
  };
  if (new URL(url).protocol === 'http:') env.PIP_TRUSTED_HOST = new URL(url).hostname;
  return env;
}

function checkResult(s: ServeSettings, mode: CheckResult['mode'], command: string, records: Map<string, CheckRecord>, refused: number, typosquat: boolean, sources: string[]): CheckResult {
  const list = [...records.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const counts: Record<Action, number> = { allow: 0, deny: 0, quarantine: 0, warn: 0 };
  for (const r of list) counts[r.decision.action]++;
  return {
    mode,
    policy: s.policyPath,
    sources: [...sources, `sscs firewall run -- ${command}`],
    records: list,
    counts,
    failed: mode === 'enforce' && refused > 0,
    checks: { registry: 'online', maliciousFeed: s.maliciousFeed ?? null, typosquat, scan: s.scan },
    expiredWaivers: [],
    errors: [],
    packuments: new Map(),
  };
}

/** Filtered versions printed in the job log; the reports list them all. */
const MAX_FILTERED_LINES = 50;

const record = (pkg: { name: string; version: string; ecosystem?: PackageRef['ecosystem'] }, d: Decision, from?: ResolvedPackage): CheckRecord => ({
  purl: purl({ ecosystem: 'npm', ...pkg }),
  name: pkg.name,
  version: pkg.version,
  direct: from?.direct ?? false,
  dev: from?.dev ?? false,
  path: from?.path ?? [],
  sources: from?.sources ?? [],
  source: 'registry',
  decision: d,
});

/** A stand-in for the firewall's URL while the command is read before the firewall starts. */
const NOT_YET_STARTED = 'http://127.0.0.1:1';
/** The variables the .npmrc, pnpm rc and yarn rc checks find the files by. */
const CONFIG_LOCATIONS = ['HOME', 'XDG_CONFIG_HOME', 'PREFIX'];
/** A `NAME=VALUE` word, as env reads one. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** A value no job sets: a variable that comes out of installEnvironment with another value is the firewall's. */
const PROBE = 'sscs-firewall-run-probe';

/**
 * Reads the install command as it will run (install-command.ts) and refuses, before anything runs, what would fetch
 * around the firewall: a source the project adds itself (requirements file, command line, Pipfile) and a client
 * option that routes fetches, in every command the install runs that can be read. Returns the command to start
 * (leading `env`s applied by firewall run) and the job's environment as they change it.
 */
async function readCommand(cwd: string, given: readonly string[], jobEnv: NodeJS.ProcessEnv): Promise<{ run: string[]; env: Record<string, string>; commands: Invocation[]; shown: string; secrets: string[] }> {
  // A leading env's own assignments (`env NPM_TOKEN=... npm ci`) count as the job's variables for what is shown.
  const assigned = Object.fromEntries(given.filter((w) => ASSIGNMENT.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const top = leadingEnv(given, jobEnv, secretValues({ ...jobEnv, ...assigned }));
  if (top.run.length === 0) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall run: give the command after --, e.g. sscs firewall run --policy p.yml -- npm ci');
  const host = new URL(NOT_YET_STARTED).hostname;
  const ours = clientEnv(NOT_YET_STARTED, [], { npm: { userconfig: '', globalconfig: '' }, yarnRcFilename: '' });
  // A variable firewall run sets, drops, merges (NO_PROXY) or refuses (PIP_REQUIREMENT) in the install's environment,
  // or reads the clients' configuration files from (project-scopes.ts).
  const governs = (name: string): boolean => {
    if (CONFIG_LOCATIONS.includes(name)) return true;
    try {
      return installEnvironment({ [name]: PROBE }, ours, host)[name] !== PROBE;
    } catch {
      return true;
    }
  };
  // Every message shows the command as shell words, the job's secrets (a leading env's too) redacted before quoting.
  const secrets = [...new Set([...secretValues({ ...jobEnv, ...assigned }), ...secretValues(top.env)])].sort((a, b) => b.length - a.length);
  const shown = shellLine(top.run, secrets);
  const commands = invocations(top.run, installEnvironment(top.env, ours, host), governs, cwd, secrets);
  checkInstallOrder(commands, shown);
  for (const inv of commands) {
    await checkPythonSources(inv.cwd ?? cwd, inv.argv, inv.env).catch((e: unknown) => Promise.reject(fromProject(e, cwd, inv.cwd)));
    checkInstallOptions(inv.argv);
  }
  return { ...top, commands, shown, secrets };
}

export async function runBehindFirewall(s: ServeSettings, flags: Flags, given: string[], reports: RunReports, io: Io): Promise<number> {
  if (given.length === 0) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall run: give the command after --, e.g. sscs firewall run --policy p.yml -- npm ci');
  // A report that cannot be written is found now, not after the whole install has run.
  await checkOutputPaths(io.cwd, reportOptions(reports), [{ flag: '--policy', path: shown(io.cwd, s.policyPath) }]);
  // `env NAME=VALUE npm ci`: firewall run applies the env itself, so its settings are filtered like the job's.
  const { run: command, env: jobEnv, commands, shown: commandShown, secrets } = await readCommand(io.cwd, given, io.env);
  const [file, ...args] = command as [string, ...string[]];
  // The lockfiles of the folders the install works in (`npm --prefix DIR ci` installs DIR's), as it will use them.
  const folders = await lockFolders(io.cwd, commands);
  const locked = await readLocked(io.cwd, s.pypi?.index, folders);
  // Git, tarball-URL and file dependencies never pass through the firewall: judged before the install runs.
  const policy = await loadPolicy(s.policyPath);
  const declared = (await Promise.all(folders.map((f) => declaredElsewhere(f, locked.elsewhere)))).flat();
  const before = [...locked.elsewhere, ...declared, ...commandLineElsewhere(command)];
  checkElsewhere(policy, before, new Date(), io.stderr, commandShown);
  const seenElsewhere = new Set(before.map(elsewhereKey));
  const records = new Map<string, CheckRecord>();
  const served = new Set<string>();
  const fetchedRefusals = new Map<string, Refusal>();
  const filtered = new Map<string, Refusal>();
  const onDecision = (seen: PackageRef, d: Decision, ok: boolean): void => {
    const pkg = { ...seen, version: reportVersion(seen.version, seen.ecosystem) };
    const key = factsKey(pkg);
    if (ok) served.add(key);
    else fetchedRefusals.set(key, { name: pkg.name, version: pkg.version, ecosystem: pkg.ecosystem, decision: d, seen: 'fetched' });
    // A refusal wins over an earlier serve of the same version in the report.
    if (!ok || !records.has(key)) records.set(key, record(pkg, d, lockedBy.get(key)));
  };
  const onFiltered = (name: string, list: [string, Decision][], ecosystem: PackageRef['ecosystem'] = 'npm'): void => {
    for (const [spelled, decision] of list) {
      const version = reportVersion(spelled, ecosystem);
      filtered.set(factsKey({ ecosystem, name, version }), { name, version, ecosystem, decision, seen: 'filtered' });
    }
  };
  const lockedBy = new Map(locked.packages.map((p) => [factsKey(p), p]));
  // The .npmrc and yarn rc files of every folder the install's clients work in (`npm ci --prefix frontend`).
  const found = await projectScopes(io.cwd, jobEnv, await clientFolders(io.cwd, commands));
  // yarn 1 in any command the install runs, in the folders it works in (`sh -c 'cd web && yarn'`, `yarn --cwd web`).
  const yarnClassic = (await Promise.all(commands.flatMap((c) => commandFolders(c.argv, c.cwd ?? io.cwd, c.env).map((d) => isYarnClassic(c.argv, d))))).some(Boolean);
  checkProjectScopes(found, s.upstream, s.scopedUpstreams, { yarnClassic });
  const scopes = [...new Set([...s.scopedUpstreams.map((u) => u.scope), ...found.map((p) => p.scope)])];
  const rc = yarnRcFilename(jobEnv);
  const clientFiles: ClientFiles = { npm: npmConfigFiles(jobEnv), ...(rc !== undefined ? { yarnRcFilename: rc } : {}) };
  const started = new Date();
  const state = await privateState(s, io.stderr);
  // The way out the summary and the 403 the client prints both name: what lets a version through in this run.
  const way = runWayOut(shown(io.cwd, s.policyPath), s.database ? (typeof flags.database === 'string' && flags.database !== '' ? { flag: flags.database } : {}) : undefined);
  let exitCode: number;
  const lockedRefusals: Refusal[] = [];
  let fw: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    // Request logs go nowhere: the job log shows the install's own output and the summary.
    fw = await launch({ ...s, listen: { host: '127.0.0.1', port: 0 } }, flags, { ...io, stdout: () => {} }, { onDecision, onFiltered, wanted: wantedVersions(locked.packages), wayOut: way, ...(state ? { stateDir: state } : {}) });
    // Every locked version, decided up front by the same packuments and engine the install meets.
    const up = await decideLocked(locked.packages, fw.decision);
    for (const e of up.errors) io.stderr(`sscs firewall: warning: cannot decide locked ${printable(e)}\n`);
    for (const [key, d] of up.decisions) {
      const p = lockedBy.get(key)!;
      records.set(key, record(p, d, p));
      if (refuses(d)) lockedRefusals.push({ name: p.name, version: p.version, ecosystem: p.ecosystem, decision: d, seen: 'locked' });
    }
    const routes = s.scopedUpstreams.map((u) => `, ${u.scope} from ${u.url}`).join('');
    io.stderr(`sscs firewall: ${fw.url} in front of ${s.upstream}${routes}; running ${printable(commandShown)}\n`);
    // The job's environment (as a leading env changed it) without the firewall's secrets and the client settings
    // that route fetches or proxy them (install-env.ts), then the settings that point every client at the firewall.
    // The install runs scripts.
    const env = installEnvironment(jobEnv, clientEnv(fw.url, scopes, clientFiles), new URL(fw.url).hostname);
    // npm install resolves first, scripts off, so that a git or URL dependency of a dependency is judged before it runs.
    const resolved = await resolveWithNpm(io.cwd, command, env, npmFolder(command, io.cwd, jobEnv));
    if (resolved && 'failed' in resolved) io.stderr(`sscs firewall: npm could not resolve the install before running it (${resolved.failed}); what it takes from outside the registry is checked after it\n`);
    else if (resolved) {
      const found = resolved.elsewhere.filter((p) => !seenElsewhere.has(elsewhereKey(p)));
      checkElsewhere(policy, found, new Date(), io.stderr, commandShown);
      for (const p of found) seenElsewhere.add(elsewhereKey(p));
    }
    // The install's output (stdout and stderr as one stream) is passed on as it comes, with its last newline: a
    // long install shows its progress, and a job killed mid-install keeps the log up to that point.
    const child = execa(file, args, { cwd: io.cwd, env, extendEnv: false, reject: false, stdin: 'ignore', all: true, buffer: false, stripFinalNewline: false });
    // Held back only where a secret or private key could be cut in two (output-relay.ts): the redactor sees one write at a time.
    // The CLI's redactor knows the job's secrets; a secret a leading env assigns (`env NPM_TOKEN=... npm ci`) it does
    // not, so the relay hides those too (each under a name io/secrets.ts reads as secret).
    const relay = outputRelay(secrets, runRedactor(secrets, io.stdout));
    child.all?.setEncoding('utf8');
    child.all?.on('data', (text: string) => relay.push(text));
    const r = await child;
    relay.end();
    if (r.failed && r.exitCode === undefined) throw new ServiceError('SERVICE', notRun(file, commandShown, r, secrets), { cause: r });
    exitCode = r.exitCode ?? 2;
  } finally {
    try {
      await fw?.close();
    } finally {
      if (state) await rm(state, { recursive: true, force: true });
    }
  }
  const lockedKeys = new Set(lockedRefusals.map((r) => factsKey(r)));
  const refused = [...lockedRefusals, ...[...fetchedRefusals].filter(([k]) => !lockedKeys.has(k)).map(([, r]) => r)];
  // What no lockfile pins (no lockfile, an empty one, a package the install adds) nobody knows the
  // install needed: every version filtered from such a packument it fetched is reported.
  const pinned = new Set(locked.packages.map((p) => documentKey(p)));
  const leftOut = [...filtered].filter(([k, r]) => !fetchedRefusals.has(k) && !pinned.has(documentKey(r))).map(([, r]) => r);
  for (const r of leftOut) records.set(factsKey(r), record(r, r.decision));

  const result = checkResult(s, fw.mode as CheckResult['mode'], commandShown, records, refused.length + leftOut.length, fw.typosquat, locked.files);
  const ended = new Date();
  if (reports.output) await writeOutputFile(resolve(io.cwd, reports.output), renderJson(result), io.env, 'the report');
  if (reports.gitlabReport) await writeOutputFile(resolve(io.cwd, reports.gitlabReport), renderGitlab(result, { start: started, end: ended }), io.env, 'the GitLab report');
  if (reports.junit) await writeOutputFile(resolve(io.cwd, reports.junit), renderJunit(result, (ended.getTime() - started.getTime()) / 1000), io.env, 'the JUnit report');

  io.stderr(`sscs firewall: served ${served.size} package version(s), refused ${refused.length}\n`);
  const waived = [...records.values()].filter((r) => overridden(r.decision));
  if (waived.length) io.stderr(`sscs firewall: ${waived.length} version(s) allowed by a waiver or a quarantine release:\n${waived.map((r) => `  ${printable(`${factsKey(r)}: ${r.decision.rule}: ${r.decision.reason}`)}\n`).join('')}`);
  for (const r of refused) io.stderr(refusalLine(r, way));
  if (leftOut.length) {
    io.stderr(`sscs firewall: filtered ${leftOut.length} version(s) from the packuments the install fetched (no lockfile says which it needed)\n`);
    for (const r of leftOut.slice(0, MAX_FILTERED_LINES)) io.stderr(refusalLine(r, way));
    if (leftOut.length > MAX_FILTERED_LINES) io.stderr(`  ... and ${leftOut.length - MAX_FILTERED_LINES} more (the reports list them all)\n`);
  }
  // What the install took from outside the registry that nothing above judged (a client other than npm, a
  // shell command, a resolution that changed): the job fails, though the install and its scripts ran.
  if (exitCode === 0) {
    const installed = (await Promise.all(folders.map((f) => installedElsewhere(f)))).flat();
    checkElsewhere(policy, installed.filter((p) => !seenElsewhere.has(elsewhereKey(p))), new Date(), io.stderr, commandShown, true);
  }
  // A refused version fails the job even when the install succeeded: npm takes a locked version from its
  // cache (a cached ~/.npm or `cache: .npm`) by its integrity without asking the registry, so the firewall
  // never sees the download it refuses, and an optional dependency it refused is skipped silently.
  if (refused.length && exitCode === 0) {
    const named = refused.map((r) => factsKey(r));
    throw new PolicyViolation('FIREWALL_BLOCKED', `the firewall refused ${named.slice(0, 10).join(', ')}${named.length > 10 ? ` and ${named.length - 10} more` : ''}, yet \`${printable(commandShown)}\` succeeded (a client cache or an optional dependency took its place): the job fails all the same`, {
      hint: blockedHint(state !== undefined),
    });
  }
  if (exitCode !== 0 && (refused.length || leftOut.length)) {
    const named = (refused.length ? refused : leftOut).map((r) => factsKey(r));
    throw new PolicyViolation('FIREWALL_BLOCKED', `\`${printable(commandShown)}\` failed: the firewall ${refused.length ? 'refused' : 'filtered'} ${named.slice(0, 10).join(', ')}${named.length > 10 ? ` and ${named.length - 10} more` : ''}`, {
      hint: blockedHint(state !== undefined),
    });
  }
  if (exitCode !== 0 && locked.elsewhere.length) {
    const judged = judgeElsewhere(policy, locked.elsewhere, new Date());
    for (const j of judged) io.stderr(j.line);
    const denied = judged.filter((j) => refuses(j.decision)).map((j) => `${factsKey(j.pkg)} (${j.decision.action} by ${j.decision.rule})`);
    const hint = 'The firewall serves registry packages only: npm asks it for every tarball (replace-registry-host=always), so a git or tarball-URL dependency cannot be installed through it. Depend on the registry package, or install such a dependency outside the firewall and check it with sscs policy check.';
    if (denied.length) throw new PolicyViolation('FIREWALL_BLOCKED', `\`${printable(commandShown)}\` failed: the lockfile takes ${denied.join(', ')} from outside the registry, and the policy does not allow ${denied.length === 1 ? 'it' : 'them'}`, { hint });
    throw new ServiceError('SERVICE', `\`${printable(commandShown)}\` exited with ${exitCode}: the firewall refused no registry package, but the lockfile takes ${judged.map((j) => factsKey(j.pkg)).join(', ')} from outside the registry, which the firewall does not serve`, { hint });
  }
  if (exitCode !== 0) throw new ServiceError('SERVICE', `\`${printable(commandShown)}\` exited with ${exitCode} (the firewall refused nothing)`);
  return 0;
}

/** What the job log's refusal lines offer, as a hint: only what works in this run (runWayOut). */
function blockedHint(privateStore: boolean): string {
  return privateStore
    ? 'Each line above names the rule and the way out: a waiver in the policy file, or a change of the policy (this run reads no waiver or quarantine release from elsewhere).'
    : 'Each line above names the rule and the way out: waive a denied version, release a quarantined one, or change the policy.';
}

/**
 * Without a shared database, the run decides with a store of its own in a fresh private folder outside the
 * project (returned; removed after the run), never the data folder's: the data folder is in the project and
 * the GitLab cache carries it to later pipelines, so the install's scripts could plant waivers and releases
 * there. Only verified tarballs (checked against the packument's integrity on every reuse) are kept there.
 */
async function privateState(s: ServeSettings, stderr: (text: string) => void): Promise<string | undefined> {
  if (s.database) return undefined;
  const old = join(s.dataDir, 'firewall.db');
  if (await stat(old).then(() => true, () => false)) {
    stderr(`sscs firewall: not reading the waivers, quarantine releases and decisions in ${printable(old)}: the install can write there; firewall run takes waivers from the policy file (or a shared --database)\n`);
  }
  return await mkdtemp(join(tmpdir(), 'sscs-firewall-run-'));
}

/**
 * Why the install command did not run or did not finish, in one line: execa's own messages span two lines and
 * repeat the command (`Command failed with ENOENT: x` + newline + `spawn x ENOENT`).
 */
function notRun(file: string, command: string, r: { code?: string; signal?: string; signalDescription?: string; originalMessage?: string; shortMessage?: string }, secrets: readonly string[]): string {
  if (r.signal) return `\`${printable(command)}\` was stopped by ${r.signal}${r.signalDescription ? ` (${r.signalDescription})` : ''}`;
  const named = file.includes('/') ? 'no such file' : 'no such program on PATH';
  const why = r.code === 'ENOENT' ? `not found (${named}, or the interpreter its #! line names is missing)`
    : r.code === 'EACCES' ? 'permission denied (not an executable file)'
      : (r.originalMessage ?? r.shortMessage ?? 'it did not start').split('\n')[0]!;
  // Redacted before quoting, as the command shown is (shellLine): a quote inside a secret would change its spelling.
  return `cannot run ${printable(shellLine([file], secrets))}: ${why}`;
}

/** WRITE with each of SECRETS (and the forms sscs prints them in) shown as [REDACTED], by the CLI's own redactor. */
function runRedactor(secrets: readonly string[], write: (text: string) => void): (text: string) => void {
  const redact = redactorOf(secrets);
  return (text) => write(redact(text));
}

/** A path as given relative to the project when inside it, as the job log and a reader of the policy know it. */
function shown(cwd: string, path: string): string {
  const r = relative(cwd, path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
}

/** One dependency from outside the registry, however a lockfile, package.json or command line spelled where it came from. */
const elsewhereKey = (p: ResolvedPackage): string => `${p.ecosystem}:${p.name}`;


