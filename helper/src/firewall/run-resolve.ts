/**
 * Git, tarball-URL and tarball-file dependencies that neither the lockfile nor package.json names before the
 * install: specs on the install's command line, a registry package's own such dependencies (without a lockfile),
 * and what the install resolved in the end. Each is judged by the policy as run-elsewhere.ts judges the declared
 * ones.
 *
 * Before the install, `npm install` is first resolved by npm itself with `--package-lock-only --ignore-scripts`
 * through the firewall: npm reads a git dependency's package.json from a clone (pacote's GitFetcher.manifest),
 * which runs none of its scripts; only fetching its tarball runs `prepare` (GitFetcher's prepareDir), and the
 * real install does that. The lockfiles are put back as they were, so the install runs as the job asked. After
 * the install, every client's lockfile (and npm's hidden node_modules/.package-lock.json) is read again: what
 * the install took from outside the registry that nothing judged before fails the job, though its scripts ran.
 */
import { execa } from 'execa';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedPackage } from '../deps/model.js';
import { InputError } from '../errors.js';
import { readDependencyInputs } from '../lockfiles/index.js';
import { originOf } from '../lockfiles/source.js';
import { npmAnswersWithoutRunning } from './js-client-words.js';

type Tool = 'npm' | 'pnpm' | 'yarn';

const TOOLS: Record<string, Tool> = { npm: 'npm', 'npm-cli.js': 'npm', pnpm: 'pnpm', 'pnpm.cjs': 'pnpm', 'pnpm.js': 'pnpm', yarn: 'yarn', yarnpkg: 'yarn', 'yarn.js': 'yarn', 'yarn.cjs': 'yarn' };
/** The verbs that take package specs (npm's aliases of install included). */
const ADDS: Record<Tool, Set<string>> = {
  npm: new Set(['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'add']),
  pnpm: new Set(['add', 'install', 'i']),
  yarn: new Set(['add']),
};
/** Options whose value is the next word (`--workspace packages/w` is not a spec). */
const VALUE_OPTIONS = new Set(['-w', '--workspace', '--tag', '--omit', '--include', '--install-strategy', '--prefix', '-C', '--dir', '--filter', '-F', '--cwd', '--loglevel', '--cache', '--reporter', '--save-prefix', '--before', '--cpu', '--os', '--libc', '--network-concurrency', '--child-concurrency', '--node-linker', '--mode']);
/** npm lockfiles npm writes; npm uses the shrinkwrap when there is one. */
const NPM_LOCKS = ['npm-shrinkwrap.json', 'package-lock.json'] as const;
/** Where each client leaves what it installed, read after the install. */
const INSTALLED = ['node_modules/.package-lock.json', ...NPM_LOCKS, 'pnpm-lock.yaml', 'yarn.lock'] as const;

interface Invocation {
  tool: Tool;
  verb: string | undefined;
  /** The words after the tool (verb included), as given. */
  args: string[];
}

const base = (w: string) => w.split(/[\\/]/).pop() ?? w;
const fileExists = (path: string) => access(path).then(() => true, () => false);

/** Which JavaScript client COMMAND runs (`npm ...`, `node .../yarn.js ...`), or undefined. */
function invocation(command: readonly string[]): Invocation | undefined {
  const at = /^node(js)?$/.test(base(command[0] ?? '')) || command[0] === process.execPath ? 1 : 0;
  const tool = TOOLS[base(command[at] ?? '')];
  if (!tool) return undefined;
  const args = command.slice(at + 1);
  let verb: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) {
      verb = a;
      break;
    }
  }
  return { tool, verb, args };
}

/** The git, URL and file specs on an npm, pnpm or yarn command line that adds packages (`npm install git+https://...`). */
export function commandLineElsewhere(command: readonly string[]): ResolvedPackage[] {
  const inv = invocation(command);
  if (!inv?.verb || !ADDS[inv.tool].has(inv.verb)) return [];
  // `npm install --help git+https://...` prints npm's usage: nothing is installed.
  if (inv.tool === 'npm' && npmAnswersWithoutRunning(inv.args)) return [];
  const found: ResolvedPackage[] = [];
  let seenVerb = false;
  for (let i = 0; i < inv.args.length; i++) {
    const a = inv.args[i]!;
    if (VALUE_OPTIONS.has(a)) i++;
    if (a.startsWith('-')) continue;
    if (!seenVerb) {
      seenVerb = a === inv.verb;
      continue;
    }
    // `name@spec` names the package; a bare spec is shown as given.
    const alias = /^(@?[^@/\s]+(?:\/[^@/\s]+)?)@(.+)$/.exec(a);
    const [name, spec] = alias && originOf(alias[2], alias[1]) !== 'registry' ? [alias[1]!, alias[2]!] : [a, a];
    const origin = originOf(spec, name);
    if (origin === 'registry' || origin === 'local') continue;
    found.push({ ecosystem: 'npm', name, version: '', resolved: spec, source: origin, direct: true, dev: false, path: [name], sources: ['the install command line'] });
  }
  return found;
}

function elsewhereIn(packages: readonly ResolvedPackage[]): ResolvedPackage[] {
  return packages.filter((p) => p.ecosystem === 'npm' && p.source !== 'registry' && !p.bundled);
}

/**
 * For `npm install` (and its aliases): npm's own resolution of the install, through the firewall (`env`), with
 * no script run; the packages it takes from outside the registry. Undefined for another command; `failed` when
 * npm could not resolve (a refused version, a git host down): the check after the install still applies.
 */
export async function resolveWithNpm(cwd: string, command: readonly string[], env: Record<string, string>, project: string = cwd): Promise<{ elsewhere: ResolvedPackage[] } | { failed: string } | undefined> {
  const inv = invocation(command);
  if (inv?.tool !== 'npm' || !inv.verb || !ADDS.npm.has(inv.verb)) return undefined;
  if (inv.args.some((a) => /^--package-lock-only(=true)?$/.test(a))) return undefined;
  // `npm install --help`, `npm i -v`: npm prints its usage or version, resolves nothing and writes no lockfile to read.
  if (npmAnswersWithoutRunning(inv.args)) return undefined;
  // PROJECT: the folder npm works in (`--prefix DIR`), where it writes the lockfile.
  const saved = new Map<string, Buffer | undefined>();
  for (const f of NPM_LOCKS) saved.set(f, (await fileExists(join(project, f))) ? await readFile(join(project, f)) : undefined);
  try {
    const r = await execa(command[0]!, [...command.slice(1), '--package-lock=true', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd, env, extendEnv: false, reject: false, stdin: 'ignore', all: true });
    if (r.exitCode !== 0) return { failed: r.exitCode === undefined ? (r.shortMessage ?? 'did not run') : `exit ${r.exitCode}` };
    const lock = saved.get('npm-shrinkwrap.json') ? 'npm-shrinkwrap.json' : 'package-lock.json';
    // Help or version flags beside other words (`npm i -h left-pad`), --dry-run, --no-save: npm resolved nothing it
    // wrote down, so nothing can be judged before the install's scripts run (fail closed).
    if (!(await fileExists(join(project, lock)))) {
      throw new InputError('INPUT', 'npm wrote no lockfile when resolving the install before running it, so what it takes from outside the registry cannot be checked before its scripts run: not running it', {
        hint: 'Ask npm for help or its version alone (npm install --help, npm --version), or run the install without the options that keep npm from writing a lockfile (--dry-run, --no-save).',
      });
    }
    return { elsewhere: elsewhereIn((await readDependencyInputs([lock], { cwd: project })).packages) };
  } finally {
    for (const [f, bytes] of saved) {
      if (bytes) await writeFile(join(project, f), bytes);
      else await rm(join(project, f), { force: true });
    }
  }
}

/** What the install left in the clients' lockfiles from outside the registry. Throws InputError (exit 2) for an unreadable one. */
export async function installedElsewhere(cwd: string): Promise<ResolvedPackage[]> {
  const out: ResolvedPackage[] = [];
  for (const f of INSTALLED) {
    if (!(await fileExists(join(cwd, f)))) continue;
    try {
      out.push(...elsewhereIn((await readDependencyInputs([f], { cwd })).packages));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(e.code, `cannot read ${f} after the install, so what it took from outside the registry cannot be checked: ${e.message}`, { where: e.where ?? { file: f }, cause: e });
    }
  }
  // npm's hidden lockfile and package-lock.json name the same packages: each once.
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = `${p.name}@${p.version}\0${p.resolved ?? ''}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}
