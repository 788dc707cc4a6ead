/**
 * What `sscs firewall run` knows about what the install needed. A client that meets a filtered packument
 * prints only `ETARGET No matching version`, so the job reads the project's lockfiles first and asks the
 * running firewall (the same packuments, facts and engine the install meets) for every locked registry
 * version; without a lockfile, the versions filtered from every packument the client fetched stand in.
 */
import { documentKey, factsKey } from '../registry/metadata.js';
import { access } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { ResolvedPackage } from '../deps/model.js';
import { ecosystemOf } from '../ecosystems/index.js';
import { InputError } from '../errors.js';
import { printable } from '../io/printable.js';
import { readDependencyInputs } from '../lockfiles/index.js';
import type { Decision, PackageRef, Policy } from '../policy/types.js';
import { evaluate } from '../policy/engine.js';
import { nonRegistryFacts } from '../policy/check.js';
import { withoutCredentials } from '../lockfiles/source.js';
import { serves, wayOut, type WayOutOf } from './evaluator.js';
import { shellWord } from '../io/shell-quote.js';

/** Lockfiles `firewall run` reads from the project folder; npm uses a shrinkwrap over a package-lock. */
// Python: a project's lock (pylock.toml, uv.lock, poetry.lock, Pipfile.lock) or its pinned requirements.txt.
const LOCKFILES = [['npm-shrinkwrap.json', 'package-lock.json'], ['pnpm-lock.yaml'], ['yarn.lock'], ['pylock.toml', 'uv.lock', 'poetry.lock', 'Pipfile.lock', 'requirements.txt']] as const;
/** Packuments asked of the firewall at once while locked versions are evaluated. */
const LOCKED_CONCURRENCY = 8;

export interface Locked {
  files: string[];
  /** Registry packages only: git, URL and local ones are not the firewall's to serve. */
  packages: ResolvedPackage[];
  /** Locked git, tarball-URL and tarball-file packages: no registry serves them, so neither does the firewall. */
  elsewhere: ResolvedPackage[];
}

export interface Refusal {
  name: string;
  version: string;
  /** Absent: npm. */
  ecosystem?: import('../policy/types.js').PackageRef['ecosystem'];
  decision: Decision;
  /** `locked`: a lockfile needs it; `fetched`: the client asked for its tarball; `filtered`: left out of a packument the client fetched. */
  seen: 'locked' | 'fetched' | 'filtered';
}

export type DecideLocked = (name: string, version: string, ecosystem?: ResolvedPackage['ecosystem']) => Promise<{ decision: Decision } | { error: string }>;

const exists = (path: string) => access(path).then(() => true, () => false);

/** A file as the report and messages name it: relative to the working folder when inside it (`sub/package-lock.json`). */
const shownPath = (cwd: string, path: string): string => {
  const r = relative(cwd, path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
};

/**
 * The lockfiles in each of `folders` (the folders the install takes its lockfiles from, client-folders.ts
 * lockFolders; by default the working folder), read into one graph. An unreadable one throws InputError (exit 2)
 * before anything runs.
 * `pypiIndex` is the firewall's own PyPI upstream (`--pypi-upstream`): a lock that takes packages from it (a
 * requirements file's `--index-url`, uv's registry source) names what the firewall serves, so they stay
 * `registry` and are checked up front, where another index would make them `url` packages and skip them.
 */
export async function readLocked(cwd: string, pypiIndex?: string, folders: readonly string[] = [cwd]): Promise<Locked> {
  const files: string[] = [];
  for (const folder of folders) {
    for (const group of LOCKFILES) {
      for (const f of group) {
        if (await exists(join(folder, f))) {
          files.push(shownPath(cwd, join(folder, f)));
          break;
        }
      }
    }
  }
  const packages: ResolvedPackage[] = [];
  const elsewhere: ResolvedPackage[] = [];
  for (const f of files) {
    try {
      const graph = await readDependencyInputs([f], { cwd, ...(pypiIndex ? { pypiIndex } : {}) });
      packages.push(...graph.packages.filter((p) => p.source === 'registry' && !p.bundled).map((p) => ({ ...p, version: reportVersion(p.version, p.ecosystem) })));
      elsewhere.push(...graph.packages.filter((p) => p.source !== 'registry' && !p.bundled));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // Fail closed: an install takes a locked version from its cache by integrity without asking the firewall,
      // so a lockfile the check cannot read is a lockfile whose packages nobody checks.
      throw new InputError(e.code, `cannot read ${f}, so the versions it locks cannot be checked before the install: ${e.message}`, { where: e.where ?? { file: f }, cause: e });
    }
  }
  // `vers==02.0` in one lock and `vers==2.0` in another are one release, decided and reported once.
  const seen = new Set<string>();
  return { files, packages: packages.filter((p) => !seen.has(factsKey(p)) && seen.add(factsKey(p))), elsewhere };
}

/**
 * A version as the report keys and prints it: the ecosystem's normal form, so that a lock's `02.0` and an index
 * file's `2.0` are one entry, and the printed way out names the release as `sscs firewall waive` stores it.
 */
export function reportVersion(version: string, ecosystem: ResolvedPackage['ecosystem'] = 'npm'): string {
  return ecosystemOf(ecosystem).versioning.normalize(version);
}

/** Every locked version's decision, asked of the running firewall with bounded concurrency. */
export async function decideLocked(packages: readonly ResolvedPackage[], decide: DecideLocked): Promise<{ decisions: Map<string, Decision>; errors: string[] }> {
  const decisions = new Map<string, Decision>();
  const errors: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < packages.length) {
      const p = packages[next++]!;
      const r = await decide(p.name, p.version, p.ecosystem);
      if ('decision' in r) decisions.set(factsKey(p), r.decision);
      else errors.push(`${p.name}@${p.version}: ${r.error}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOCKED_CONCURRENCY, packages.length) }, worker));
  return { decisions, errors };
}

/**
 * Why an install that the firewall refused nothing of may have failed: it asks the firewall for every tarball
 * (npm's replace-registry-host=always), and one from outside the registry is not the firewall's to serve. Each
 * such locked package is judged by the policy as `policy check` judges it (source facts, no registry facts).
 */
export function judgeElsewhere(policy: Policy, packages: readonly ResolvedPackage[], now: Date): { pkg: ResolvedPackage; decision: Decision; line: string }[] {
  return packages.map((pkg) => {
    const decision = evaluate(policy, { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version }, nonRegistryFacts(pkg.source as Exclude<typeof pkg.source, 'registry'>), now);
    const from = pkg.resolved ? ` from ${withoutCredentials(pkg.resolved)}` : '';
    const line = `  ${printable(`${factsKey(pkg)}${from}: a ${pkg.source} dependency, not from the registry, so the firewall does not serve it; the policy says ${decision.action} by ${decision.rule}: ${decision.reason}`)}\n`;
    return { pkg, decision, line };
  });
}

/** The locked versions each name needs, for the firewall's message when no version of a package is allowed. */
export function wantedVersions(packages: readonly ResolvedPackage[]): (name: string) => string[] | undefined {
  const byName = new Map<string, string[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p.version]);
  return (name) => byName.get(name);
}

export const refuses = (d: Decision): boolean => !serves(d);

const SEEN: Record<Refusal['seen'], string> = {
  locked: 'locked',
  fetched: 'requested by the install',
  filtered: 'filtered from a packument the install fetched',
};

/** The way out printed after a refusal: the flags for `sscs firewall waive` (a store the run used), or a function. */
export type WayOut = string | WayOutOf;

/** One line per refusal: name, version, why it was seen, rule, reason, and the way out. */
export function refusalLine(r: Refusal, way: WayOut = ''): string {
  const pkg = { ecosystem: r.ecosystem ?? 'npm', name: r.name, version: r.version };
  const out = typeof way === 'string' ? wayOut(pkg, r.decision, way) : way(pkg, r.decision);
  return `  ${printable(`${factsKey(pkg)}: ${r.decision.action} by ${r.decision.rule}: ${r.decision.reason} (${SEEN[r.seen]}).${out}`)}\n`;
}

/**
 * The way out when the run's waivers come from the policy file only (`firewall run` without a shared
 * database): a waiver recorded in a data folder the install can write is not read.
 */
export function policyWayOut(policyFile: string): WayOutOf {
  return (pkg, d) => {
    const when = d.action === 'quarantine' && d.until ? ` It is released automatically after ${d.until.toISOString()}.` : '';
    return `${when} To allow it anyway: add a waiver for ${documentKey(pkg)} version ${pkg.version} to the policy file ${policyFile}`;
  };
}

/**
 * The way out `firewall run` names, in its summary and in the 403 the client prints (the same words in both):
 * without a shared database the run decides with a private store (run.ts privateState), so only a waiver in the
 * policy file lets a version through; with one, its waivers and releases apply as for `firewall serve`, and the
 * CLI commands must reach it: `--database URL` as the run was given it (a flag's URL holds no password,
 * postgres/connect.ts), nothing more when it came from SSCS_FIREWALL_DATABASE, which the commands read too.
 */
export function runWayOut(policyFile: string, database: { flag?: string } | undefined): WayOutOf {
  if (!database) return policyWayOut(policyFile);
  const flags = database.flag ? ` --database ${shellWord(database.flag)}` : '';
  return (pkg, d) => wayOut(pkg, d, flags);
}

/** Whether a waiver (the policy file's or a shared store's) or a quarantine release let the version through. */
export function overridden(d: Decision): boolean {
  return d.reason.startsWith('waived by ') || d.rule.startsWith('release:') || (d.notes ?? []).some((n) => / waived by /.test(n));
}
