import type { CommandDef, FlagSpecs } from './command.js';

/**
 * Every command of the CLI, in the order --help lists them. Modules load lazily so that start-up stays
 * fast and heavy dependencies (sigstore, tar) load only for the commands that need them.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandDef<FlagSpecs>>;
}

const entry = (name: string, summary: string, load: () => Promise<{ default: unknown }>): CommandEntry => ({
  name,
  summary,
  load: async () => (await load()).default as CommandDef<FlagSpecs>,
});

export const COMMANDS: readonly CommandEntry[] = [
  entry('context', 'Print the GitLab build context captured from the job environment', () => import('../commands/context.js')),
  entry('digest', 'Compute subject digests for files, globs, checksum files or images', () => import('../commands/digest.js')),
  entry('provenance', 'Generate SLSA v1 provenance (an in-toto statement) for build outputs', () => import('../commands/provenance.js')),
  entry('sign', 'Sign a file into a Sigstore bundle (keyless or with a key)', () => import('../commands/sign.js')),
  entry('attest', 'Sign in-toto statements (DSSE) into Sigstore bundles', () => import('../commands/attest.js')),
  entry('verify', 'Verify artifacts against a Sigstore bundle and a GitLab identity policy', () => import('../commands/verify.js')),
  entry('release', 'Publish attestations with a release (generic package registry and release asset links)', () => import('../commands/release.js')),
  entry('deps', 'Print the resolved dependency graph of lockfiles and SBOMs', () => import('../commands/deps.js')),
  entry('scan', 'Scan an npm package tarball or folder for signs of malware', () => import('../commands/scan.js')),
  entry('feed sync', 'Download or refresh a local copy of the OSV records (malicious packages and vulnerabilities)', () => import('../commands/feed-sync.js')),
  entry('policy check', 'Check lockfiles and SBOMs against the dependency policy', () => import('../commands/policy-check.js')),
  entry('policy validate', 'Validate a dependency policy file', () => import('../commands/policy-validate.js')),
  entry('policy schema', 'Print the JSON Schema of the dependency policy file', () => import('../commands/policy-schema.js')),
  entry('firewall serve', 'Serve an npm registry that enforces the dependency policy on every request', () => import('../commands/firewall-serve.js')),
  entry('firewall run', 'Run an install behind the firewall and report what it refused', () => import('../commands/firewall-run.js')),
  entry('firewall quarantine', 'List the firewall quarantine queue, or release a version from it', () => import('../commands/firewall-quarantine.js')),
  entry('firewall waive', 'Let the firewall serve one denied or quarantined version', () => import('../commands/firewall-waive.js')),
  entry('firewall migrate', 'Apply the firewall database migrations as its owner, and grant a replica role least privileges', () => import('../commands/firewall-migrate.js')),
];
