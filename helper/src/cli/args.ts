import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { whyNotRegularOutput } from '../io/path-kind.js';
import type { CommandDef, FlagSpecs, FlagValues } from './command.js';
import { parseIntegerFlag } from './integer-flag.js';

export interface ParsedCommandLine<O extends FlagSpecs> {
  flags: FlagValues<O>;
  positionals: string[];
  help: boolean;
}

/** Parses argv strictly against a command's flags: unknown flags and missing values are usage errors. */
export function parseCommandLine<O extends FlagSpecs>(def: CommandDef<O>, argv: string[]): ParsedCommandLine<O> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean | string[] | boolean[] }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(def.flags)) {
    options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}), ...(spec.default !== undefined ? { default: spec.default } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError('UNKNOWN_FLAG', `sscs ${def.name}: ${cleanParseArgsMessage((e as Error).message)}`, {
      hint: `Run 'sscs ${def.name} --help' for the flags it takes.`,
    });
  }
  const help = parsed.values.help === true;
  const positionals = parsed.positionals;
  if (!help && def.positionals) {
    const { min, max, name } = def.positionals;
    if (positionals.length < min) {
      throw new UsageError('MISSING_ARGUMENT', `sscs ${def.name}: missing ${name}`, { hint: `usage: ${def.usage}` });
    }
    if (positionals.length > max) {
      throw new UsageError('USAGE', `sscs ${def.name}: too many arguments (${positionals.slice(max).join(' ')})`, { hint: `usage: ${def.usage}` });
    }
  } else if (!help && positionals.length > 0) {
    throw new UsageError('USAGE', `sscs ${def.name}: unexpected argument '${positionals[0]}'`, { hint: `usage: ${def.usage}` });
  }
  const { help: _help, ...flags } = parsed.values;
  for (const [name, spec] of Object.entries(def.flags)) {
    if (!spec.choices || help) continue;
    const given = flags[name];
    for (const v of Array.isArray(given) ? given : given === undefined ? [] : [given]) {
      if (typeof v === 'string' && !spec.choices.includes(v)) {
        throw new UsageError('USAGE', `sscs ${def.name}: --${name} must be one of ${spec.choices.join(', ')}, not '${v}'`);
      }
    }
  }
  for (const [name, spec] of Object.entries(def.flags)) {
    if (!spec.integer || help) continue;
    const given = flags[name];
    for (const v of Array.isArray(given) ? given : given === undefined ? [] : [given]) {
      if (typeof v === 'string') parseIntegerFlag(name, v, spec.integer[0], spec.integer[1]);
    }
  }
  for (const [name, spec] of Object.entries(def.flags)) {
    if (!help && spec.writes && flags[name] === '') throw new UsageError('USAGE', `--${name} is empty: name the file to write, or leave the option out`);
    if (help || !spec.writes || flags[name] !== '-') continue;
    if (spec.writes === 'stdout-or-file') delete flags[name];
    else throw new UsageError('USAGE', `sscs ${def.name}: --${name} writes a file and '-' (standard output) is not one here; name a file (./- for a file called '-')`);
  }
  return { flags: flags as FlagValues<O>, positionals, help };
}

/**
 * Refuses, before the command does anything, an output option naming something that exists and is not a regular
 * file: a symlink (even to a regular file, or dangling), a FIFO, a socket or a device (io/path-kind.ts). A folder
 * is left to the command, which names it in its own words. `cwd`: what relative paths are resolved against.
 */
export function checkWrittenPaths(def: CommandDef<FlagSpecs>, flags: Record<string, unknown>, cwd: string): void {
  for (const [name, spec] of Object.entries(def.flags)) {
    const value = flags[name];
    if (!spec.writes || typeof value !== 'string' || value === '') continue;
    const problem = whyNotRegularOutput(resolve(cwd, value), value);
    if (!problem || problem.endsWith('is a folder, not a file')) continue;
    throw new UsageError('USAGE', `--${name} ${value}: cannot write there: ${problem}`, {
      hint: `sscs writes a new file and renames it over the path, so it writes only a regular file or a path that does not exist yet.${spec.writes === 'stdout-or-file' ? ` To print to standard output, leave --${name} out or give '-'.` : ''}`,
    });
  }
}

function cleanParseArgsMessage(message: string): string {
  // node:util says e.g. "Unknown option '--foo'. To specify a positional argument starting with a '-', ..."
  // and "Option '--n' argument is ambiguous.\nDid you forget ...?\nTo specify an option argument starting with a dash
  // use '--n=-XYZ'." on three lines, which a one-line message would print with escaped newlines: joined by spaces.
  return message
    .replace(/\. To specify a positional argument.*$/s, '')
    .replace(/^Option '(.*?)' argument missing$/, "flag '$1' needs a value")
    .split('\n')
    .map((line) => line.trim())
    .join(' ');
}

/** Renders --help for a command from its definition, so help cannot drift from the flags. */
export function renderHelp(def: CommandDef<FlagSpecs>): string {
  const lines = [`${def.summary}`, '', `usage: ${def.usage}`];
  if (def.description) lines.push('', def.description.trim());
  const rows = Object.entries(def.flags).map(([name, spec]) => {
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
    const short = spec.short ? `-${spec.short}, ` : '';
    const repeat = spec.multiple ? ' (repeatable)' : '';
    const dflt = spec.default !== undefined && spec.default !== false ? ` [default: ${String(spec.default)}]` : '';
    return [`  ${short}--${name}${value}`, `${spec.description}${repeat}${dflt}`] as const;
  });
  rows.push(['  -h, --help', 'Show this help.']);
  const width = Math.min(36, Math.max(...rows.map(([l]) => l.length)) + 2);
  lines.push('', 'flags:');
  for (const [left, right] of rows) {
    lines.push(left.length >= width ? `${left}\n${' '.repeat(width)}${right}` : `${left.padEnd(width)}${right}`);
  }
  if (def.examples?.length) lines.push('', 'examples:', ...def.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}
