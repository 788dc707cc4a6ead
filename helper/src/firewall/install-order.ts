/**
 * A Python install reads its project files (requirements and constraints files, pyproject.toml, Pipfile, uv's
 * sources) when it runs, and firewall run checks them before anything runs. A command that runs before it (`cp
 * alt.txt req.txt && pip install -r req.txt`, `npm ci && pip install -r r.txt`, whose scripts may write), or at
 * the same time in a pipeline, could change what pip reads after the check (review F4). Such a command is
 * refused unless it is known not to write files: a read-only program without output redirections, or pip itself
 * without options that write files of its choosing (`--log`, `--report`, `--target`...). The commands after the
 * install, once it has finished, are not limited.
 */
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import type { Invocation } from './install-command.js';
import { pipWords } from './pip-args.js';

/** Programs that write no file (without an output redirection). */
const READ_ONLY = new Set(['echo', 'printf', 'true', 'false', ':', 'test', '[', 'which', 'type', 'whereis', 'ls', 'pwd', 'cat', 'head', 'tail', 'wc', 'sleep', 'date', 'uname', 'id', 'whoami', 'basename', 'dirname', 'realpath', 'readlink', 'stat', 'du', 'df']);
/** pip's options that write a file or folder the command line names. */
const PIP_WRITES = new Set(['--log', '--report', '--src', '--target', '--root', '--prefix']);
const PIP = /^pip(?:-?[0-9][0-9.]*)?$/;
const PYTHON_INSTALL = (program: string) => PIP.test(program) || ['uv', 'uvx', 'pipenv'].includes(program);

function knownNotToWrite(inv: Invocation): boolean {
  if (inv.writes?.length) return false;
  const program = basename(inv.argv[0] ?? '');
  if (READ_ONLY.has(program)) return true;
  if (inv.argv.length === 2 && /^(?:--version|-V|--help)$/.test(inv.argv[1]!)) return true;
  // `python3 -m venv .venv`: writes the venv's own files (pyvenv.cfg, bin/, lib/), none a project file pip reads.
  if (/^(?:python|pypy)(?:[0-9][0-9.]*)?$/.test(program) && inv.argv[1] === '-m' && inv.argv[2] === 'venv' && inv.argv.slice(3).every((a) => !a.startsWith('-') || a === '--clear' || a === '--upgrade-deps')) return true;
  if (!PIP.test(program)) return false;
  try {
    return pipWords(inv.argv.slice(1)).every((w) => !w.option || !PIP_WRITES.has(w.option));
  } catch {
    return false;
  }
}

/**
 * Throws UsageError (exit 2) when a command that may write files runs before a Python install of INVOCATIONS (in
 * the order install-command.ts reads them), or beside it in a pipeline. `top`: the command line, for the message.
 */
export function checkInstallOrder(invocations: readonly Invocation[], top: string): void {
  invocations.forEach((install, k) => {
    if (!PYTHON_INSTALL(basename(install.argv[0] ?? ''))) return;
    invocations.forEach((other, j) => {
      if (j === k || other.wraps) return;
      const beside = other.pipeline === install.pipeline;
      if ((j < k || beside) && !knownNotToWrite(other)) {
        const program = printable(basename(other.argv[0] ?? '').slice(0, 60));
        const how = other.writes?.length ? `writes ${printable(other.writes[0]!.slice(0, 80))}` : `runs ${program}, which may write files`;
        throw new UsageError('USAGE', `sscs firewall run: \`${printable(top.slice(0, 300))}\` ${how} ${j < k ? 'before' : 'beside'} the Python install (${printable(basename(install.argv[0]!))}): its requirements, constraints or project files are checked before anything runs, and could be changed before the client reads them`, {
          hint: 'Run the other commands in an earlier step of the job (before sscs firewall run) and give the Python install its own sscs firewall run; to keep a log, redirect the output of sscs firewall run itself.',
        });
      }
    });
  });
}
