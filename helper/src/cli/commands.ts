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
  entry('scan', 'Scan an npm package tarball or folder for signs of malware', () => import('../commands/scan.js')),
  entry('firewall', 'npm registry proxy enforcing the dependency policy (serve, run, quarantine, waive)', () => import('../commands/firewall.js')),
];
