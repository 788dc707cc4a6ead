/**
 * Where npm's verb and the command of `npm exec`/`npx` stand, as npm's option parser (nopt) reads them, so that an
 * option's value before the verb (`npm --loglevel warn exec -c STRING`) does not hide it (review F6). The table is
 * npm 11.19.1's option definitions (@npmcli/config lib/definitions, the npm installed here): options that take a value, options that are
 * Boolean or a value (nopt takes the next word unless it looks like an option), and shorthands. nopt also takes an
 * unambiguous prefix of a long option. An option this table does not know may take the next word or not: both
 * readings are returned, and the caller judges both. pnpm and yarn are read with an empty table (every option
 * read both ways).
 */

/** npm options that take a value (npm 11.19.1 definitions whose type has no Boolean). */
const NPM_VALUE = new Set('_auth access allow-directory allow-file allow-git allow-remote allow-scripts also audit-level auth-type before ca cache cache-max cache-min cafile call cert cidr cpu depth diff diff-dst-prefix diff-src-prefix diff-unified editor expect-result-count expires fetch-retries fetch-retry-factor fetch-retry-maxtimeout fetch-retry-mintimeout fetch-timeout git globalconfig heading https-proxy include init-author-email init-author-name init-author-url init-license init-module init-type init-version key libc local-address location lockfile-version loglevel logs-dir logs-max name maxsockets message min-release-age min-release-age-exclude node-gyp node-options noproxy omit only orgs os otp package pack-destination packages prefix preid provenance-file proxy registry replace-registry-host save-prefix sbom-format sbom-type scope scopes script-shell searchexclude searchlimit searchopts searchstaleness shell tag tag-version-prefix umask user-agent userconfig viewer which workspace'.split(' '));
/** npm options that are Boolean or a value: `--browser firefox` takes the word, `--browser --x` does not. */
const NPM_EITHER = new Set(['browser', 'color', 'expect-results', 'optional', 'production', 'workspaces', 'yes']);
/** npm's Boolean options (they take a following `true`/`false`). */
const NPM_BOOL = new Set('all allow-same-version audit bin-links bypass-2fa commit-hooks dangerously-allow-all-scripts description dev diff-ignore-all-space diff-name-only diff-no-prefix diff-text dry-run engine-strict force foreground-scripts format-package-lock fund git-tag-version global global-style if-present ignore-scripts include-staged include-workspace-root include-attestations init-private install-links json legacy-bundling legacy-peer-deps link long offline omit-lockfile-registry-resolved package-lock package-lock-only parseable prefer-dedupe prefer-offline prefer-online progress provenance read-only rebuild-bundle save save-bundle save-dev save-exact save-optional save-peer save-prod shrinkwrap sign-git-commit sign-git-tag strict-peer-deps strict-ssl timing unicode update-notifier usage version versions workspaces-update'.split(' '));
/** npm's shorthands that stand for an option taking a value (`-C DIR` is `--prefix DIR`, `-c` is `--call`). */
const NPM_SHORT_VALUE = new Set(['c', 'C', 'w', 'L', 'm', 'reg']);
const NPM_NAMES = [...NPM_VALUE, ...NPM_EITHER, ...NPM_BOOL];

type Kind = 'flag' | 'value' | 'either' | 'bool';

function npmKind(word: string): Kind {
  if (word.includes('=')) return 'flag';
  if (!word.startsWith('--')) {
    const short = word.slice(1);
    if (NPM_SHORT_VALUE.has(short) || NPM_SHORT_VALUE.has(short.slice(-1))) return 'value';
    return /^[a-zA-Z?]+$/.test(short) ? 'flag' : 'either';
  }
  const name = word.slice(2).replace(/^no-/, '');
  const full = NPM_NAMES.includes(name) ? name : (() => {
    const m = NPM_NAMES.filter((n) => n.startsWith(name));
    return m.length === 1 ? m[0]! : undefined;
  })();
  if (full === undefined) return 'either';
  return NPM_VALUE.has(full) ? 'value' : NPM_EITHER.has(full) ? 'either' : 'bool';
}

/**
 * The indexes in ARGS (from `start`) where the first word that is not an option may stand, in order: one when
 * every option before it is known, more when an option may or may not take the next word. `npm`: npm's table;
 * otherwise every option is read both ways. A `--` makes the next word the only candidate after it.
 */
export function firstOperands(args: readonly string[], start: number, npm: boolean): number[] {
  const out: number[] = [];
  for (let i = start; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      if (i + 1 < args.length) out.push(i + 1);
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.push(i);
      break;
    }
    const kind: Kind = npm ? npmKind(a) : a.includes('=') ? 'flag' : 'either';
    const next = args[i + 1];
    if (kind === 'value') i++;
    else if (kind === 'bool' && (next === 'true' || next === 'false')) i++;
    else if (kind === 'either' && next !== undefined && !next.startsWith('-')) {
      out.push(i + 1);
      i++;
    }
  }
  return out;
}

/** npm's `-c STRING`/`--call STRING` (any spelling nopt reads as `--call`, or a cluster holding `c`), before `--`. */
export function npmCallsAString(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((w) => /^--call?(?:=|$)/.test(w) || /^-[A-Za-z]*c/.test(w) || /^--shell-mode(?:=|$)/.test(w));
}

/** npm's words for a command's usage: `--usage` and what nopt expands to it (definitions' short `?`, `H`, `h`; npm's `help` shorthand). */
const NPM_USAGE = new Set(['--usage', '--help', '-h', '-H', '-?']);
/** `--version`/`-v` print npm's version and stop (lib/npm.js load); `--versions` runs `npm version`, which only lists versions. */
const NPM_VERSION = new Set(['--version', '-v', '--versions']);

/**
 * Whether npm (11.19.1: lib/npm.js `load` and `execCommandClass`) answers ARGS, the words after `npm`, with a
 * command's usage or its version and runs no command, so fetches nothing. Read exactly or not at all (fail
 * closed): every word but one verb is one of the exact spellings above (`npm install --help`, `npm i -h`, `npm
 * --version`). Any other word is not help: a package spec, a `--`, any other option, `false`, and every
 * abbreviation, since nopt expands a unique prefix (`-h --no-usag` is `--no-usage`, and npm installs). Help that
 * is also written another way (`npm i -h left-pad`, `--usage true`) is then checked like an install.
 */
export function npmAnswersWithoutRunning(args: readonly string[]): boolean {
  let verbs = 0;
  let found = false;
  for (const a of args) {
    if (NPM_USAGE.has(a) || NPM_VERSION.has(a)) found = true;
    else if (!a.startsWith('-') && verbs === 0) verbs++;
    else return false;
  }
  return found;
}
