#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { EXIT_OK, EXIT_USAGE, UsageError, isSscsError } from './errors.js';
import { printable } from './io/printable.js';
import { COMMANDS } from './cli/commands.js';
import { checkWrittenPaths, parseCommandLine, renderHelp } from './cli/args.js';
import { makeRedactor, secretVariablesNamedBy } from './io/redact.js';
import type { Io } from './cli/command.js';
import { VERSION } from './version.js';
import { nodeTooOld } from './node-version.js';

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    `sscs ${VERSION}: software supply chain security for GitLab CI/CD`,
    '',
    'usage: sscs <command> [flags]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'sscs <command> --help' for a command's flags.",
    'Exit codes: 0 success, 1 a check failed, 2 bad usage or input.',
    '',
  ].join('\n');
}

/** Runs the CLI and returns the exit code. The only place where errors become exit codes and messages. */
export async function main(argv: string[], io: Io, nodeVersion: string = process.versions.node): Promise<number> {
  const [name, ...rest] = argv;
  // Before any command module loads: they use what only newer Node.js has (node:sqlite, Set.prototype.union).
  const tooOld = nodeTooOld(nodeVersion);
  if (tooOld) {
    io.stderr(`sscs: error: ${tooOld}\n`);
    return EXIT_USAGE;
  }
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(topLevelHelp());
      return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    // Two-word commands (`policy check`) take the second word as part of the name.
    const twoWord = rest[0] !== undefined ? COMMANDS.find((c) => c.name === `${name} ${rest[0]}`) : undefined;
    const entry = twoWord ?? COMMANDS.find((c) => c.name === name);
    if (!entry) {
      const group = COMMANDS.filter((c) => c.name.startsWith(`${name} `));
      if (group.length && (rest[0] === '--help' || rest[0] === '-h')) {
        const width = Math.max(...group.map((c) => c.name.length)) + 4;
        io.stdout(`usage: sscs ${name} <subcommand> [flags]\n\nsubcommands:\n${group.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n`).join('')}\nRun 'sscs ${name} <subcommand> --help' for its flags.\n`);
        return EXIT_OK;
      }
      throw new UsageError('UNKNOWN_COMMAND', group.length ? `sscs ${name}: missing or unknown subcommand${rest[0] ? ` '${rest[0]}'` : ''}` : `unknown command '${name}'`, {
        hint: group.length ? `Commands: ${group.map((c) => c.name).join(', ')}.` : "Run 'sscs --help' for the list of commands.",
      });
    }
    const def = await entry.load();
    const parsed = parseCommandLine(def, twoWord ? rest.slice(1) : rest);
    if (parsed.help) {
      io.stdout(renderHelp(def));
      return EXIT_OK;
    }
    checkWrittenPaths(def, parsed.flags, io.cwd);
    return await def.run({ flags: parsed.flags, positionals: parsed.positionals, io });
  } catch (e) {
    if (isSscsError(e)) {
      // A message quotes names and paths from the input: one printable line, so none forges another.
      io.stderr(`sscs: error: ${printable(e.describe())}\n`);
      if (e.hint) io.stderr(`${e.hint.split('\n').map((l) => `  ${printable(l)}`).join('\n')}\n`);
      if (io.env.SSCS_DEBUG && e.cause) io.stderr(`cause: ${String((e.cause as Error)?.stack ?? e.cause)}\n`);
      return e.exitCode;
    }
    // Anything else is a bug in sscs, not a user error: say so, and show the stack only on request.
    const err = e as Error;
    io.stderr(`sscs: internal error: ${printable(err?.message ?? String(e))}\n`);
    io.stderr(io.env.SSCS_DEBUG ? `${err?.stack ?? ''}\n` : '  This is a bug in sscs. Set SSCS_DEBUG=1 to see the stack trace, and report it.\n');
    return EXIT_USAGE;
  }
}

function processIo(argv: readonly string[]): Io {
  const redact = makeRedactor(process.env, secretVariablesNamedBy(argv));
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => void process.stdout.write(redact(t)),
    stderr: (t) => void process.stderr.write(redact(t)),
  };
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

function runMain(): void {
  main(process.argv.slice(2), processIo(process.argv.slice(2))).then(
    (code) => void (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`sscs: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = EXIT_USAGE;
    },
  );
}

// No top-level await: the single-file bundle runs this module as a CommonJS chunk (helper/tools/bundle.mjs).
// main() turns every error into an exit code; the handler is for the impossible rest.
// The single-file bundle is also its own scan worker process (scan/pool.ts: an IPC channel and SSCS_SCAN_WORKER=1,
// its only environment variable) and deep-file worker thread (scan/deep.ts), each started with no arguments, so
// that its process.argv is [node, file]. Only then is node:worker_threads loaded to tell them apart: a command
// always has a third argument, and loading that module cost every command ~1 ms (7 million instructions).
if (process.argv.length > 2) {
  if (isEntryPoint()) runMain();
} else {
  void import('node:worker_threads').then(({ isMainThread, workerData }) => {
    const data = workerData as { sscsDeepWorker?: boolean } | undefined;
    // The worker module listens once loaded.
    if (isMainThread && process.send && process.env.SSCS_SCAN_WORKER === '1') void import('./scan/worker.js');
    else if (isMainThread && isEntryPoint()) runMain();
    // Likewise for the one-off worker that reads a deeply nested file with a large stack.
    else if (!isMainThread && data?.sscsDeepWorker) void import('./scan/deep-worker.js');
  });
}
