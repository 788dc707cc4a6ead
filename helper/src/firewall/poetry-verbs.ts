/**
 * Which poetry commands `firewall run` lets run. Poetry takes its package sources from pyproject.toml
 * (`[[tool.poetry.source]]`, pypi.org by default) and reads none of the PIP_* variables firewall run sets, so a
 * poetry command that resolves or downloads packages would fetch around the firewall: it is refused (exit 2),
 * with a way that works. Fail closed: only the verbs known to fetch nothing pass (poetry 1.3's commands,
 * python-poetry/poetry src/poetry/console/commands), and a command cleo answers with help or the version without
 * running it; `poetry run CMD` is read as CMD (install-command.ts).
 */
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';

/** Poetry verbs that resolve or download packages (`self ...` into poetry's own environment; poetry 2's `sync`). */
const FETCHES = new Set(['install', 'add', 'remove', 'update', 'lock', 'sync', 'self', 'init', 'search', 'debug resolve']);
/** Verbs that fetch no package (`show` without --latest/--outdated, `debug info`); `run` is read through. */
const FETCHES_NOTHING = new Set(['about', 'help', 'list', 'check', 'config', 'version', 'build', 'new', 'env', 'source', 'cache', 'show', 'debug info']);
/** poetry's global option that takes a value (cleo's ArgvInput.first_argument skips it to find the command). */
const VALUE_OPTIONS = new Set(['C', 'directory']);

export const POETRY_HINT = "Poetry reads its sources from pyproject.toml, not from the PIP_* variables firewall run sets. Either export the committed poetry.lock before firewall run (poetry export -f requirements.txt --output requirements.txt, from poetry-plugin-export: Debian's poetry 1.3 has no export command) and run 'sscs firewall run -- pip install -r requirements.txt'; or run 'sscs firewall serve' at a fixed URL and name it the project's default source (poetry source add --default NAME URL/simple/, i.e. [[tool.poetry.source]] with default = true). 'poetry run CMD' is read as CMD.";

/**
 * Whether cleo (poetry 1.3's console: cleo 2.0.1 Application._run) answers with poetry's version or a command's help
 * and runs no command: it asks ArgvInput.has_parameter_option(["--version", "-V"]) and then (["--help", "-h"]) of
 * the raw words up to the first `--`, which is true for a word that is `--version`/`--help`, starts with
 * `--version=`/`--help=`, or starts with `-V`/`-h` (`-hn` too). Nothing else is help: `poetry install -nh` runs
 * the install (cleo binds `-h` inside the cluster, but only has_parameter_option decides), as does a `--help` after `--`.
 */
function answersWithoutRunning(words: readonly string[]): boolean {
  for (const w of words) {
    if (w === '--') return false;
    if (/^--(?:help|version)(?:=|$)/.test(w) || w.startsWith('-h') || w.startsWith('-V')) return true;
  }
  return false;
}

/** The index of poetry's command word (cleo's first argument: options skipped, -C/--directory's value too). */
function commandIndex(argv: readonly string[], from: number): number | undefined {
  for (let i = from; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) return i;
    if (a.includes('=') || i + 1 >= argv.length) continue;
    const name = a.startsWith('--') ? a.slice(2) : a.slice(-1);
    if (VALUE_OPTIONS.has(name)) i++;
  }
  return undefined;
}

/**
 * What `poetry ARGS` runs: the command after `poetry run` (an index into ARGV), 'nothing' for a verb that fetches
 * no package. Throws UsageError (exit 2) for a verb that resolves or downloads packages, or one not known to fetch
 * nothing (a plugin's, `shell`, `publish`).
 */
export function poetryCommand(argv: readonly string[], top: string): number | 'nothing' {
  const at = commandIndex(argv, 1);
  if (at === undefined) return 'nothing'; // `poetry`, `poetry --version`: the command list
  let verb = argv[at]!;
  if (verb === 'run') return at;
  // `poetry install --help`, `poetry add -h x`, `poetry lock -V`: cleo prints help or the version, nothing runs.
  if (answersWithoutRunning(argv.slice(1))) return 'nothing';
  if (verb === 'debug') {
    const sub = commandIndex(argv, at + 1);
    verb = `debug ${sub === undefined ? '' : argv[sub]}`;
  }
  const showsLatest = verb === 'show' && argv.slice(at + 1).some((w) => w === '--latest' || w === '--outdated' || (w.startsWith('-') && !w.startsWith('--') && (w.includes('l') || w.includes('o'))));
  if (FETCHES_NOTHING.has(verb) && !showsLatest) return 'nothing';
  const why = showsLatest ? "'poetry show --latest' asks the sources pyproject.toml names (pypi.org by default) for packages' latest versions"
    : FETCHES.has(verb) ? `'poetry ${verb}' resolves or downloads packages from the sources pyproject.toml names (pypi.org by default)`
      // poetry-plugin-export locks first when poetry.lock is missing; it installs nothing, so it belongs before firewall run.
      : verb === 'export' ? "'poetry export' resolves packages from the sources pyproject.toml names when poetry.lock is missing, and installs nothing"
        : `'poetry ${printable(verb)}' is not a poetry command known to fetch nothing`;
  throw new UsageError('USAGE', `sscs firewall run: \`${printable(top)}\`: ${why}, around the firewall: poetry does not read the settings firewall run points pip at`, { hint: POETRY_HINT });
}
