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
  entry('policy check', 'Check lockfiles and SBOMs against the dependency policy', () => import('../commands/policy-check.js')),
  entry('policy validate', 'Validate a dependency policy file', () => import('../commands/policy-validate.js')),
  entry('policy schema', 'Print the JSON Schema of the dependency policy file', () => import('../commands/policy-schema.js')),
  entry('deps', 'Print the resolved dependency graph of lockfiles and SBOMs', () => import('../commands/deps.js')),
  entry('scan', 'Scan an npm package tarball or folder for signs of malware', () => import('../commands/scan.js')),
  entry('firewall serve', 'Serve an npm registry that enforces the dependency policy on every request', () => import('../commands/firewall-serve.js')),
  entry('firewall run', 'Run an install behind the firewall and report what it refused', () => import('../commands/firewall-run.js')),
  entry('firewall quarantine', 'List the firewall quarantine queue, or release a version from it', () => import('../commands/firewall-quarantine.js')),
  entry('firewall waive', 'Let the firewall serve one denied or quarantined version', () => import('../commands/firewall-waive.js')),
];
