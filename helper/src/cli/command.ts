import type { ParseArgsOptionDescriptor } from 'node:util';

/** What a command may touch: it never reads process.* directly, so tests can run it in-process. */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

export type FlagSpec = ParseArgsOptionDescriptor & {
  /** One sentence, shown by --help. */
  description: string;
  /** Placeholder shown by --help for a string flag, e.g. FILE. */
  valueName?: string;
  /** The only values a string flag takes; anything else is a usage error before the command runs. */
  choices?: readonly string[];
  /**
   * A flag that names where to write: `'stdout-or-file'` takes `-` for standard output (as if the flag were not
   * given); `'file'` refuses `-`, since the command's standard output carries something else.
   */
  writes?: 'stdout-or-file' | 'file';
  /**
   * A string flag whose value is a whole number from `min` to `max` (inclusive), written in decimal digits: anything
   * else (`1e3`, `0x10`, `5.0`, ` 5`) is a usage error before the command runs (cli/integer-flag.ts).
   */
  integer?: readonly [min: number, max: number];
};

export type FlagSpecs = Record<string, FlagSpec>;

type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? F['multiple'] extends true
    ? boolean[]
    : boolean
  : F['multiple'] extends true
    ? string[]
    : string;

export type FlagValues<O extends FlagSpecs> = {
  [K in keyof O]: O[K] extends { default: unknown } ? FlagValue<O[K]> : FlagValue<O[K]> | undefined;
};

export interface CommandDef<O extends FlagSpecs = FlagSpecs> {
  name: string;
  summary: string;
  /** Shown after `usage:`, e.g. `sscs verify ARTIFACT --bundle FILE [flags]`. */
  usage: string;
  /** Paragraphs shown by --help between usage and flags. */
  description?: string;
  flags: O;
  positionals?: { min: number; max: number; name: string };
  examples?: string[];
  /** Returns the exit code: 0, or 1 when a check failed. Throws SscsError for everything else. */
  run(args: { flags: FlagValues<O>; positionals: string[]; io: Io }): Promise<number>;
}

export function defineCommand<O extends FlagSpecs>(def: CommandDef<O>): CommandDef<O> {
  return def;
}
