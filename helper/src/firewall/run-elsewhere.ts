/**
 * `firewall run`'s check of what the install fetches around the firewall, before the install runs. npm, pnpm,
 * yarn and the Python clients fetch git dependencies with git and may take a tarball-URL or file dependency from
 * their cache by integrity, so the firewall never sees them: an install that succeeds would otherwise have
 * installed a dependency the policy denies. The lockfile names them before anything runs; without an npm
 * lockfile, the project's package.json names its own (direct) ones, which `npm install` resolves the same way.
 * Each is judged by the one policy engine with the facts `policy check` gives it (its source, no registry facts).
 */
import { join } from 'node:path';
import type { ResolvedPackage } from '../deps/model.js';
import { PolicyViolation } from '../errors.js';
import { printable } from '../io/printable.js';
import { DEFAULT_LIMITS } from '../lockfiles/limits.js';
import { expandWorkspaces, readManifest, type Manifest } from '../lockfiles/manifest.js';
import { originOf, withoutCredentials } from '../lockfiles/source.js';
import { factsKey } from '../registry/metadata.js';
import type { Policy } from '../policy/types.js';
import { judgeElsewhere, refuses } from './run-report.js';

const HINT = 'The install would fetch these around the firewall. Depend on the registry package instead, add a waiver for it to the policy file, or change the rule.';

/**
 * The direct git, tarball-URL and tarball-file dependencies that the project's package.json and its workspace
 * members' (npm and yarn `workspaces`) declare, and that the lockfile does not already take from outside the
 * registry (no lockfile, or a stale one locking the registry package that `npm install` would replace).
 * Transitive ones are known from a lockfile, or from npm's own resolution before the install (run-resolve.ts).
 * `lockedElsewhere`: the lockfiles' non-registry packages. Throws InputError (exit 2) for an unreadable package.json.
 */
export async function declaredElsewhere(cwd: string, lockedElsewhere: readonly ResolvedPackage[]): Promise<ResolvedPackage[]> {
  const root = await readManifest(join(cwd, 'package.json'), DEFAULT_LIMITS);
  if (!root) return [];
  const members = await expandWorkspaces(root);
  const manifests: [string, Manifest][] = [['package.json', root]];
  for (const dir of members) {
    const m = await readManifest(join(cwd, dir, 'package.json'), DEFAULT_LIMITS);
    if (m) manifests.push([`${dir}/package.json`, m]);
  }
  const known = new Set(lockedElsewhere.filter((p) => p.ecosystem === 'npm').map((p) => p.name));
  const found: ResolvedPackage[] = [];
  for (const [file, m] of manifests) {
    for (const [field, deps] of [['dependencies', m.dependencies], ['optionalDependencies', m.optionalDependencies], ['devDependencies', m.devDependencies]] as const) {
      for (const [name, spec] of Object.entries(deps)) {
        const origin = originOf(spec, name);
        if (origin === 'registry' || origin === 'local' || known.has(name)) continue;
        known.add(name);
        found.push({ ecosystem: 'npm', name, version: '', resolved: spec, source: origin, direct: true, dev: field === 'devDependencies', path: [name], sources: [`${file} ${field}`] });
      }
    }
  }
  return found;
}

/**
 * Prints the policy's decision for each package from outside the registry; throws PolicyViolation (exit 1) naming
 * every denied or quarantined one, its source and rule, when the policy enforces. `warn` prints and goes on.
 * `after`: the install has run already (what its lockfile shows it took), so the job fails instead of not starting.
 * `command`: the install command as the messages show it (shell words, io/shell-quote.ts shellLine).
 */
export function checkElsewhere(policy: Policy, packages: readonly ResolvedPackage[], now: Date, stderr: (s: string) => void, command: string, after = false): void {
  if (packages.length === 0) return;
  const judged = judgeElsewhere(policy, packages, now);
  const refused = judged.filter((j) => refuses(j.decision));
  const enforce = (policy.mode ?? 'enforce') === 'enforce';
  for (const j of judged) if (!refused.includes(j) || !enforce) stderr(`sscs firewall: ${refuses(j.decision) ? 'warning (warn mode): ' : ''}${j.line.trimStart()}`);
  if (refused.length === 0 || !enforce) return;
  const count = `${refused.length} dependenc${refused.length === 1 ? 'y' : 'ies'}`;
  stderr(after
    ? `sscs firewall: \`${printable(command)}\` installed ${count} from outside the registry that the policy does not allow (their install scripts may have run):\n`
    : `sscs firewall: not running \`${printable(command)}\`: the policy does not allow ${count} it would fetch around the firewall:\n`);
  for (const { pkg, decision } of refused) {
    const from = pkg.resolved ? ` from ${withoutCredentials(pkg.resolved)}` : '';
    stderr(`  ${printable(`${shown(pkg)}: a ${pkg.source} dependency${from} (${pkg.sources.join(', ')}): ${decision.action} by ${decision.rule}: ${decision.reason}`)}\n`);
  }
  const named = refused.map(({ pkg, decision }) => `${shown(pkg)} (${pkg.source}, ${decision.action} by ${decision.rule})`);
  throw new PolicyViolation('FIREWALL_BLOCKED', `\`${printable(command)}\` ${after ? 'installed' : 'was not run: the project takes'} ${named.slice(0, 10).join(', ')}${named.length > 10 ? ` and ${named.length - 10} more` : ''} from outside the registry, and the policy does not allow ${refused.length === 1 ? 'it' : 'them'}${after ? ': the job fails' : ''}`, { hint: HINT });
}

/** `name@version`, or the bare name when nothing pins a version (a package.json git spec, a VCS requirement). */
const shown = (p: ResolvedPackage): string => (p.version ? factsKey(p) : p.ecosystem === 'npm' ? p.name : `${p.ecosystem}:${p.name}`);
