/**
 * What `firewall run` lets into the install: the job's environment without the settings that would send a
 * client around the firewall or hand it the firewall's own secrets, and a command line without options that
 * change where a client fetches from. The install runs packages' lifecycle scripts, which are the code the
 * firewall guards against.
 *
 * Clients read their settings case-insensitively (npm's @npmcli/config `loadEnv`: /^npm_config_/i, the rest
 * lower-cased with `_` as `-`; yarn berry `Configuration`: every `yarn_*` lower-cased and camel-cased, the first
 * `yarn_rc_filename` in the environment's order; pnpm through the same npm rules and `pnpm_config_*`), and which
 * of two spellings wins depends on the environment's order: every spelling is removed, then the firewall's own
 * value is set once. pip reads `PIP_<OPTION>` (pip's configuration.py `get_environ_vars`/`_normalize_name`: the rest
 * lower-cased, `_` read as `-`, a leading `--` dropped), so `PIP_FIND-LINKS` and `PIP_find_links` are its find-links.
 *
 * Proxies: the job's HTTP_PROXY, HTTPS_PROXY, ALL_PROXY (any case) stay for the install's other traffic (a lifecycle
 * script's download), and the firewall's host joins NO_PROXY and no_proxy, which pip (requests), uv, poetry,
 * pipenv, npm and pnpm honour; a client's own proxy setting is removed (pip applies `--proxy`/PIP_PROXY even to a
 * host in NO_PROXY: pip's req_command.py sets the session's proxies, and requests merges them after NO_PROXY).
 */
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';

/** npm and pnpm settings (npm's normalised key) that decide where packages are fetched from or through. */
const NPM_ROUTING = new Set(['registry', 'userconfig', 'globalconfig', 'proxy', 'https-proxy', 'noproxy', 'replace-registry-host', 'registries']);
/** Yarn settings (lower case, without `_` and `-`): berry's and yarn 1's registry, scopes, rc file and proxies. */
const YARN_ROUTING = new Set(['npmregistryserver', 'npmscopes', 'npmregistries', 'rcfilename', 'httpproxy', 'httpsproxy', 'unsafehttpwhitelist', 'registry', 'proxy']);
/**
 * pip settings (pip's key) that add or replace a source, a trusted host or the proxy, or name pip's config file:
 * every spelling is removed (the firewall sets its own index-url, config-file and trusted-host once).
 */
const PIP_ROUTING = new Set(['index-url', 'extra-index-url', 'find-links', 'trusted-host', 'proxy', 'config-file']);
/** pip settings that name requirements pip would read from where firewall run does not check: refused. */
const PIP_REQUIREMENTS = new Set(['requirement', 'constraint', 'editable']);
/** uv and pipenv settings that add a source beside the firewall (both read their variables by exact name). */
const PYTHON_ROUTING = new Set(['UV_INDEX', 'UV_EXTRA_INDEX_URL', 'UV_FIND_LINKS', 'UV_CONFIG_FILE', 'PIPENV_EXTRA_INDEX_URLS']);
/** npm options that start like a routing one but are options of their own (nopt expands an unambiguous prefix). */
const NOT_ROUTING = new Set(['global']);

/** npm's key for an `npm_config_*`/`pnpm_config_*` variable, or undefined for another variable. */
function npmKey(name: string): string | undefined {
  const m = /^p?npm_config_(.*)$/i.exec(name);
  if (!m) return undefined;
  const key = m[1]!;
  return key.startsWith('//') ? key : key.replace(/(?!^)_/g, '-').toLowerCase();
}

/**
 * pip's key for a `PIP_*` variable (`PIP_FIND-LINKS` -> `find-links`), or undefined for another variable. pip wants
 * `PIP_` in upper case; any case is taken here (Windows upper-cases the environment, and removing more fails closed).
 */
export function pipKey(name: string): string | undefined {
  if (!/^pip_/i.test(name)) return undefined;
  const key = name.slice(4).toLowerCase().replace(/_/g, '-');
  return key.startsWith('--') ? key.slice(2) : key;
}

/** A `//host/:registry` key keeps its case in npm, and pnpm lower-cases what follows the colon: either way it routes. */
const routesNpm = (key: string) => NPM_ROUTING.has(key) || key.toLowerCase().endsWith(':registry');

function routesYarn(name: string): boolean {
  if (!/^yarn_/i.test(name)) return false;
  const key = name.slice(5).toLowerCase();
  return YARN_ROUTING.has(key.replace(/[_-]/g, '')) || key.endsWith(':registry');
}

/**
 * Whether `firewall run` keeps a variable of the job for the install: not the firewall's settings and secrets
 * (every SSCS_* variable: upstream and admin tokens, the database URL, the webhook secret), not libpq's PG*
 * connection variables (PGPASSWORD, PGPASSFILE, PGSERVICEFILE...), which lead to the firewall's database, not
 * a client setting that routes fetches (registry, scoped registries, config files, proxies, yarn's rc file name,
 * pip's index, extra index, find-links, trusted host and proxy in any spelling pip reads, uv's and pipenv's
 * extra sources), and not NO_PROXY in any case (installEnvironment sets it).
 */
export function keptForInstall(name: string): boolean {
  if (/^sscs_/i.test(name) || /^PG[A-Z0-9_]*$/.test(name)) return false;
  const key = npmKey(name);
  if (key !== undefined && routesNpm(key)) return false;
  if (PIP_ROUTING.has(pipKey(name) ?? '') || PYTHON_ROUTING.has(name)) return false;
  return !routesYarn(name) && name.toLowerCase() !== 'no_proxy';
}

/** yarn berry's rc file name, as yarn reads it: the first `yarn_rc_filename` in any case, in the environment's order. */
export function yarnRcFilename(env: NodeJS.ProcessEnv): string | undefined {
  for (const [k, v] of Object.entries(env)) if (k.toLowerCase() === 'yarn_rc_filename' && typeof v === 'string') return v;
  return undefined;
}

/**
 * The install's environment: `env` filtered by keptForInstall, then `set` (the firewall's own values) on top, and
 * NO_PROXY and no_proxy (both spellings: Python prefers the lower-case one, other tools the upper) as the job's
 * entries from every spelling plus `firewallHost`. Throws UsageError (exit 2) when the job's environment names
 * requirements for pip (PIP_REQUIREMENT, PIP_CONSTRAINT, PIP_EDITABLE in any spelling): firewall run checks the
 * requirements files and direct references of the command line only, and dropping them would change the install.
 */
export function installEnvironment(env: NodeJS.ProcessEnv, set: Record<string, string>, firewallHost: string): Record<string, string> {
  const out: Record<string, string> = {};
  const noProxy: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (PIP_REQUIREMENTS.has(pipKey(k) ?? '')) {
      throw new UsageError('USAGE', `sscs firewall run: the environment sets ${printable(k)}, which names requirements pip would read without firewall run checking their sources`, {
        hint: 'Give the requirements file on the install command line (pip install -r FILE), where firewall run checks it, and unset the variable.',
      });
    }
    if (k.toLowerCase() === 'no_proxy') noProxy.push(...v.split(',').map((e) => e.trim()).filter(Boolean));
    if (keptForInstall(k)) out[k] = v;
  }
  const bypass = [...new Set([...noProxy, firewallHost])].join(',');
  return { ...out, ...set, NO_PROXY: bypass, no_proxy: bypass };
}

const PYTHON_CLIENT = /^(pip(?:-?[0-9][0-9.]*)?|pipenv|uv|poetry|python[0-9.]*)$/;
/** npm, npx, pnpm, pnpx, yarn and yarnpkg (group 1), by program name or as the script node runs (`npm-cli.js`, `yarn.js`, `pnpm.cjs`). */
export const JS_CLIENT = /^(npm|npx|pnpm|pnpx|yarn|yarnpkg)(?:-cli)?(?:\.[cm]?js)?$/;
const base = (word: string) => word.split(/[\\/]/).pop() ?? word;

/**
 * The words of COMMAND that an npm, pnpm or yarn client reads as its options: those after the first word naming the
 * client (the program itself, a wrapper's argument as in `timeout 60 npm ci`, or a word of a command string as in
 * `flock l -c 'npm ci ...'`), split on white space; for npm and npx named as a word of their own, up to `--`, after
 * which nopt reads no option (the words of the command `npm exec -- CMD` runs). None for other programs, whose
 * options are their own (`node seed.js --user admin`), nor for Python clients (python-sources.ts judges theirs).
 */
function clientOptionWords(command: readonly string[]): string[] {
  if (PYTHON_CLIENT.test(base(command[0] ?? ''))) return [];
  const at = command.findIndex((w) => JS_CLIENT.test(base(w)));
  if (at >= 0) {
    const npm = /^np[mx]\b/.test(base(command[at]!));
    const end = npm ? command.indexOf('--', at) : -1;
    return command.slice(at + 1, end < 0 ? undefined : end).flatMap((w) => w.split(/\s+/));
  }
  const tokens = command.slice(1).flatMap((w) => w.split(/\s+/));
  const inString = tokens.findIndex((w) => JS_CLIENT.test(base(w.replace(/^['"]+/, ''))));
  return inString < 0 ? [] : tokens.slice(inString + 1);
}

/**
 * Throws UsageError (exit 2) for an option on an npm, pnpm or yarn command line that routes fetches: `--registry`,
 * `--@scope:registry`, `--userconfig`, `--globalconfig`, proxies, `--replace-registry-host`, pnpm's
 * `--config.<key>`, and any prefix of them that npm's option parser (nopt) expands or takes as a shorthand
 * (`--reg`). The words are clientOptionWords': another program's options (`node seed.js --user admin`) are its own.
 */
export function checkInstallOptions(command: readonly string[]): void {
  for (const quoted of clientOptionWords(command)) {
    const word = quoted.replace(/^['"]+/, '');
    const m = /^-{1,2}(?:no-)?(?:config\.)?([^=\s]+)/i.exec(word);
    if (!m || word.startsWith('---')) continue;
    const name = m[1]!.toLowerCase();
    const prefix = name.length >= 3 && !NOT_ROUTING.has(name) && [...NPM_ROUTING].some((k) => k.startsWith(name));
    if (!(routesNpm(name) || prefix)) continue;
    throw new UsageError('USAGE', `sscs firewall run: the install command sets '${printable(word.split('=')[0]!)}', which would decide where the client fetches packages from, around the firewall`, {
      hint: 'The firewall is the registry for the install: give the registry to sscs firewall run as --upstream URL (a scope as --upstream @scope=URL), and drop the option from the install command.',
    });
  }
}
