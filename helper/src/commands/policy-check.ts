import { join, resolve } from 'node:path';
import { defineCommand, type Io } from '../cli/command.js';
import { InputError, UsageError } from '../errors.js';
import type { DependencyGraph } from '../deps/model.js';
import { writeOutputFile } from '../io/files.js';
import { printable } from '../io/printable.js';
import { argumentParts, assertNoSecret } from '../io/secrets.js';
import { graphParts } from '../deps/named-parts.js';
import { findDependencyInputs } from '../lockfiles/detect.js';
import { readDependencyInputs } from '../lockfiles/index.js';
import { checkGraph } from '../policy/check.js';
import { DEFAULT_POLICY } from '../policy/defaults.js';
import { loadPolicy } from '../policy/load.js';
import { localChecks } from '../policy/local.js';
import { renderGitlab } from '../policy/reports/gitlab.js';
import { renderJson } from '../policy/reports/json.js';
import { renderJunit } from '../policy/reports/junit.js';
import { resultParts } from '../policy/reports/parts.js';
import { renderText } from '../policy/reports/text.js';
import type { Mode } from '../policy/types.js';
import { RegistryClient } from '../registry/client.js';
import type { MetadataSource } from '../registry/metadata.js';
import { loadRegistryConfig, type RegistryConfig } from '../registry/npmrc.js';
import { readSnapshot, writeSnapshot } from '../registry/snapshot.js';
import { documentKey } from '../registry/metadata.js';
import { pypiIndexOf } from '../registry/pypi-client.js';

const MODES = ['enforce', 'warn'] as const;
const FORMATS = ['text', 'json'] as const;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError('USAGE', `sscs policy check: --${flag} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

/** Default cache: $XDG_CACHE_HOME/sscs, else ~/.cache/sscs, else a folder in the project. */
function defaultCacheDir(env: NodeJS.ProcessEnv, cwd: string): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'sscs');
  if (env.HOME) return join(env.HOME, '.cache', 'sscs');
  return join(cwd, '.cache', 'sscs');
}

/** Where registry metadata comes from: a snapshot or nothing when offline, else the registry npm is configured with. */
async function metadataSource(
  flags: { offline: boolean; registry?: string | undefined; 'metadata-snapshot'?: string | undefined; 'cache-dir'?: string | undefined },
  io: Io,
): Promise<{ metadata: MetadataSource; config?: RegistryConfig; registryUrl?: string }> {
  if (flags.offline) {
    const snapshot = flags['metadata-snapshot'];
    return { metadata: snapshot ? { kind: 'snapshot', packuments: await readSnapshot(resolve(io.cwd, snapshot)) } : { kind: 'none' } };
  }
  const config = await loadRegistryConfig({ cwd: io.cwd, env: io.env, ...(flags.registry ? { registry: flags.registry } : {}) });
  const pypiIndex = pypiIndexOf(io.env);
  const client = new RegistryClient({ config, cacheDir: resolve(io.cwd, flags['cache-dir'] ?? defaultCacheDir(io.env, io.cwd)), ...(pypiIndex ? { pypiIndex } : {}) });
  return { metadata: { kind: 'registry', client }, config, registryUrl: config.registry };
}

export default defineCommand({
  name: 'policy check',
  summary: 'Check lockfiles and SBOMs against the dependency policy',
  usage: 'sscs policy check [INPUT...] [--policy FILE] [--mode enforce|warn] [flags]',
  description: `Reads the inputs (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, requirements.txt,
pylock.toml, uv.lock, poetry.lock, Pipfile.lock, CycloneDX JSON),
fetches registry metadata (publish time, install scripts, deprecation, license, provenance) through an on-disk
cache, and evaluates every package with the policy. Without --policy the default policy applies: deny versions
in the known-malicious feed, quarantine versions younger than 48h (also when the publish time cannot be fetched)
and, with --scan, versions whose tarball has a high or critical finding; warn on likely typosquats, install
scripts and deprecated versions.
With no INPUT, the lockfiles in the working directory are checked (package-lock.json or npm-shrinkwrap.json,
pnpm-lock.yaml, yarn.lock, uv.lock, poetry.lock, Pipfile.lock, pylock.toml, pylock.*.toml, requirements*.txt).
A requirement that pins no version (requests>=2 in a requirements file, an SBOM component whose purl names no
version) is exit 2 unless --allow-unpinned: the installer would choose its version at install time, unchecked.
A report that would hold the value of a secret variable (in a file name, a package name, a path or a URL) is
refused before any output (exit 2), naming the variable and the part, never the value.
Exit 1 when a package is denied or quarantined in enforce mode; 0 otherwise; 2 on bad usage or input.`,
  flags: {
    policy: { type: 'string', valueName: 'FILE', description: 'Policy file (YAML or JSON); default: the built-in default policy.' },
    mode: { type: 'string', valueName: 'MODE', description: "enforce (deny/quarantine fail) or warn (report only); default: the policy's mode, else enforce." },
    registry: { type: 'string', valueName: 'URL', description: 'Registry for unscoped packages; default: npm configuration (.npmrc, npm_config_registry).' },
    offline: { type: 'boolean', default: false, description: 'Fetch nothing: use --metadata-snapshot, or evaluate with no registry metadata.' },
    'metadata-snapshot': { type: 'string', valueName: 'FILE', description: 'Registry metadata snapshot to read instead of the registry.' },
    'write-snapshot': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write the registry metadata used into a snapshot for later --offline runs.' },
    'malicious-feed': { type: 'string', valueName: 'PATH', description: 'Known-malicious feed: a folder of OSV records (ossf/malicious-packages layout) or a .tar.gz of one.' },
    scan: { type: 'boolean', default: false, description: 'Download and scan each tarball for suspicious code (slow).' },
    format: { type: 'string', choices: ['text', 'json'], default: 'text', valueName: 'FORMAT', description: 'Output format: text or json.' },
    output: { type: 'string', writes: 'stdout-or-file', valueName: 'FILE', description: "Write the output to FILE instead of stdout ('-': stdout)." },
    'gitlab-report': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a GitLab dependency scanning report (schema 15.0.7).' },
    junit: { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a JUnit XML report.' },
    'cache-dir': { type: 'string', valueName: 'DIR', description: 'Registry metadata cache; default: $XDG_CACHE_HOME/sscs or ~/.cache/sscs.' },
    'allow-unpinned': { type: 'boolean', default: false, description: 'Accept requirements and SBOM components that pin no version (requests>=2, pkg:pypi/requests): list them as not checked instead of failing (exit 2).' },
  },
  positionals: { min: 0, max: Number.POSITIVE_INFINITY, name: 'INPUT' },
  examples: [
    'sscs policy check package-lock.json',
    'sscs policy check pnpm-lock.yaml --policy .sscs/policy.yml --gitlab-report gl-dependency-scanning-report.json --junit policy.junit.xml',
    'sscs policy check package-lock.json --offline --metadata-snapshot metadata.json --malicious-feed osv-malicious/',
    'sscs policy check uv.lock requirements/main.txt --policy .sscs/policy.yml',
    'sscs policy check',
  ],
  async run({ flags, positionals, io }) {
    const started = new Date();
    const mode = oneOf<Mode>('mode', flags.mode, MODES);
    const format = oneOf('format', flags.format, FORMATS)!;
    if (flags.offline && flags.registry) throw new UsageError('CONFLICTING_FLAGS', 'sscs policy check: --offline fetches nothing, so --registry has no use');
    if (flags['metadata-snapshot'] && !flags.offline) throw new UsageError('CONFLICTING_FLAGS', 'sscs policy check: --metadata-snapshot needs --offline');
    if (flags.scan && flags.offline) throw new UsageError('CONFLICTING_FLAGS', 'sscs policy check: --scan downloads tarballs, so it cannot run --offline');

    const policy = flags.policy ? await loadPolicy(resolve(io.cwd, flags.policy), flags.policy) : DEFAULT_POLICY;
    const source = await metadataSource(flags, io);
    // The lockfiles and the feed are independent inputs: read them side by side.
    // The project's registries, online or not: a lockfile that sends a package elsewhere names another source.
    const config = source.config ?? (await loadRegistryConfig({ cwd: io.cwd, env: io.env }));
    const registries = [config.registry, ...config.scopes.values()];
    const inputs = positionals.length > 0 ? positionals : await findDependencyInputs(io.cwd);
    if (inputs.length === 0) {
      throw new UsageError('USAGE', `sscs policy check: no lockfile found in ${io.cwd}; name the lockfiles or SBOMs to check`);
    }
    const [graph, local] = await Promise.all([
      readDependencyInputs(inputs, { cwd: io.cwd, registries, ...(pypiIndexOf(io.env) ? { pypiIndex: pypiIndexOf(io.env)! } : {}) }),
      localChecks({
        cwd: io.cwd,
        ...(flags['malicious-feed'] ? { maliciousFeed: flags['malicious-feed'] } : {}),
        ...(source.config && flags.scan ? { scanWith: source.config } : {}),
        ...(pypiIndexOf(io.env) ? { pypiIndex: pypiIndexOf(io.env)! } : {}),
      }),
    ]);
    for (const w of graph.warnings ?? []) io.stderr(`sscs: warning: ${printable(w)}\n`);
    assertComplete(graph);
    if (!flags['allow-unpinned']) assertPinned(graph);
    const { metadata, registryUrl } = source;

    const result = await checkGraph({ graph, policy, policyName: flags.policy ?? 'default', ...(mode ? { mode } : {}), metadata, local, now: started });
    const ended = new Date();
    for (const e of result.errors) io.stderr(`sscs: warning: ${printable(e)}; packages without metadata get the policy's on_unknown outcome\n`);

    const out = format === 'json' ? renderJson(result) : renderText(result);
    // The report is data (file, package and path names), printed or written: a name holding a secret's value
    // would be printed as [REDACTED], naming nothing real, and a file must never hold it. Refused before any
    // output, naming the part; the GitLab and JUnit reports hold the same names.
    assertNoSecret(out, io.env, {
      what: 'the policy report',
      ...(flags.output ? { verb: 'write' as const, file: flags.output } : { verb: 'print' as const }),
      parts: () => [
        ...(positionals.length > 0 ? argumentParts(inputs, 'a lockfile or SBOM name') : inputs.map((f, i) => ({ name: `lockfile ${i + 1} found in the working folder (its name)`, text: f }))),
        ...graphParts(graph),
        ...resultParts(result),
      ],
    });
    if (flags.output) await writeOutputFile(resolve(io.cwd, flags.output), out, io.env, 'the report');
    else io.stdout(out);
    if (flags.output && format === 'text') io.stderr(out.split('\n').slice(-2).join('\n'));
    if (flags['gitlab-report']) await writeOutputFile(resolve(io.cwd, flags['gitlab-report']), renderGitlab(result, { start: started, end: ended }), io.env, 'the GitLab report');
    if (flags.junit) await writeOutputFile(resolve(io.cwd, flags.junit), renderJunit(result, (ended.getTime() - started.getTime()) / 1000), io.env, 'the JUnit report');
    if (flags['write-snapshot']) {
      const keep = new Map<string, Set<string>>();
      for (const p of graph.packages) keep.set(documentKey(p), (keep.get(documentKey(p)) ?? new Set()).add(p.version));
      await writeSnapshot(resolve(io.cwd, flags['write-snapshot']), result.packuments, keep, started, registryUrl);
    }
    return result.failed ? 1 : 0;
  },
});

/**
 * Fail closed on a lockfile that does not lock every dependency it declares: `npm install` (yarn, pnpm without a
 * frozen lockfile) would resolve those at install time, unchecked, and `npm ci` refuses such a lockfile anyway.
 * A peer npm did not install (legacy-peer-deps) is only a warning; so is a missing optional dependency.
 */
function assertComplete(graph: DependencyGraph): void {
  const missing = graph.missing ?? [];
  if (missing.length === 0) return;
  const first = missing[0]!;
  throw new InputError('SCHEMA', `${missing.length} dependenc${missing.length === 1 ? 'y is' : 'ies are'} declared but not locked, so what gets installed for ${missing.length === 1 ? 'it' : 'them'} cannot be checked: ${missing.slice(0, 5).map((m) => `${m.dependency} in ${m.file}`).join(', ')}${missing.length > 5 ? ', ...' : ''}`, {
    where: { file: first.file },
    hint: 'Update the lockfile (npm install, pnpm install, yarn install) so that it locks every dependency, and commit it.',
  });
}

/**
 * Fail closed on a requirement that pins no version (`requests>=2`): pip would resolve it at install time to a
 * version nobody checked, as `npm install` would an unlocked dependency (assertComplete). `--allow-unpinned`
 * accepts them explicitly; they are then listed as not checked. `sscs deps` only lists them.
 */
function assertPinned(graph: DependencyGraph): void {
  const unpinned = graph.unpinned ?? [];
  if (unpinned.length === 0) return;
  const first = unpinned[0]!;
  const at = (u: (typeof unpinned)[number]) => `${u.requirement} (${u.file}${u.line ? `:${u.line}` : ''})`;
  throw new InputError('SCHEMA', `${unpinned.length} requirement${unpinned.length === 1 ? ' pins' : 's pin'} no version, so the installer would choose ${unpinned.length === 1 ? 'its version' : 'their versions'} unchecked: ${unpinned.slice(0, 5).map(at).join(', ')}${unpinned.length > 5 ? ', ...' : ''}`, {
    where: { file: first.file, ...(first.line ? { line: first.line } : {}) },
    hint: 'Pin every requirement to one version with its hashes (pip-compile --generate-hashes, uv pip compile --generate-hashes) and check that file, or an SBOM made from a lockfile, or pass --allow-unpinned to accept unpinned requirements as not checked.',
  });
}
