/**
 * pip's options as pip's optparse reads them, on the command line (pip 23.0.1's `install`, `download` and `wheel`
 * parsers) and on a requirements file's option lines (req_file.py's SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ):
 * a long option may be any unambiguous prefix of its names (`--find-link`, `--extra`), an alias is the option
 * (`--pypi-url` is `--index-url`), and short options cluster, a value option taking the rest of the word or the
 * next word (`-qf wheels`, `-qrreq.txt`). Returned as canonical options and positional words, so that
 * python-sources.ts judges what pip will really do.
 */

/** One pip option: its names (the first is canonical), its short letter, whether it takes a value. */
type PipOption = readonly [names: readonly string[], short: string | undefined, value: boolean];

/** pip 23.0.1 install/download/wheel options (with their aliases), plus `--keyring-provider` of later pips. */
const COMMAND_LINE: readonly PipOption[] = [
  [['--abi'], undefined, true], [['--build-option'], undefined, true], [['--cache-dir'], undefined, true], [['--cert'], undefined, true],
  [['--client-cert'], undefined, true], [['--config-settings'], 'C', true], [['--constraint'], 'c', true],
  [['--dest', '--destination-dir', '--destination-directory'], 'd', true], [['--editable'], 'e', true], [['--exists-action'], undefined, true],
  [['--extra-index-url'], undefined, true], [['--find-links'], 'f', true], [['--global-option'], undefined, true], [['--implementation'], undefined, true],
  [['--index-url', '--pypi-url'], 'i', true], [['--install-option'], undefined, true], [['--keyring-provider'], undefined, true],
  [['--log', '--log-file', '--local-log'], undefined, true], [['--no-binary'], undefined, true], [['--only-binary'], undefined, true],
  [['--platform'], undefined, true], [['--prefix'], undefined, true], [['--progress-bar'], undefined, true], [['--proxy'], undefined, true],
  [['--python'], undefined, true], [['--python-version'], undefined, true], [['--report'], undefined, true], [['--requirement'], 'r', true],
  [['--retries'], undefined, true], [['--root'], undefined, true], [['--root-user-action'], undefined, true],
  [['--src', '--source', '--source-dir', '--source-directory'], undefined, true], [['--target'], 't', true],
  [['--timeout', '--default-timeout'], undefined, true], [['--trusted-host'], undefined, true], [['--upgrade-strategy'], undefined, true],
  [['--use-deprecated'], undefined, true], [['--use-feature'], undefined, true], [['--wheel-dir'], 'w', true],
  [['--break-system-packages'], undefined, false], [['--check-build-dependencies'], undefined, false], [['--compile'], undefined, false],
  [['--debug'], undefined, false], [['--disable-pip-version-check'], undefined, false], [['--dry-run'], undefined, false],
  [['--force-reinstall'], undefined, false], [['--help'], 'h', false], [['--ignore-installed'], 'I', false], [['--ignore-requires-python'], undefined, false],
  [['--isolated'], undefined, false], [['--no-build-isolation'], undefined, false], [['--no-cache-dir'], undefined, false], [['--no-clean'], undefined, false],
  [['--no-color'], undefined, false], [['--no-compile'], undefined, false], [['--no-deps', '--no-dependencies'], undefined, false],
  [['--no-index'], undefined, false], [['--no-input'], undefined, false], [['--no-python-version-warning'], undefined, false],
  [['--no-use-pep517'], undefined, false], [['--no-user'], undefined, false], [['--no-verify'], undefined, false], [['--no-warn-conflicts'], undefined, false],
  [['--no-warn-script-location'], undefined, false], [['--pre'], undefined, false], [['--prefer-binary'], undefined, false], [['--quiet'], 'q', false],
  [['--require-hashes'], undefined, false], [['--require-virtualenv', '--require-venv'], undefined, false], [['--upgrade'], 'U', false],
  [['--use-pep517'], undefined, false], [['--user'], undefined, false], [['--verbose'], 'v', false], [['--version'], 'V', false],
];

/**
 * A requirements file's option lines (pip 23.0.1 req_file.py build_parser: SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ;
 * later pips add `--no-deps-for`-style options, read here as unknown flags). Its own, smaller parser: `--i` is
 * `--index-url` there, ambiguous on the command line.
 */
const REQUIREMENTS_FILE: readonly PipOption[] = [
  [['--index-url', '--pypi-url'], 'i', true], [['--extra-index-url'], undefined, true], [['--no-index'], undefined, false],
  [['--constraint'], 'c', true], [['--requirement'], 'r', true], [['--editable'], 'e', true], [['--find-links'], 'f', true],
  [['--no-binary'], undefined, true], [['--only-binary'], undefined, true], [['--prefer-binary'], undefined, false],
  [['--require-hashes'], undefined, false], [['--pre'], undefined, false], [['--trusted-host'], undefined, true],
  [['--use-feature'], undefined, true], [['--install-option'], undefined, true], [['--global-option'], undefined, true],
  [['--hash'], undefined, true], [['--config-settings'], 'C', true],
];

/**
 * Options that make pip fetch from somewhere other than the firewall's index (or, `--no-index`, from nowhere but
 * local files), `--trusted-host`, which only matters for such a source, `--proxy`, which pip applies even to the
 * firewall's host in NO_PROXY, and `--isolated`, with which pip ignores PIP_INDEX_URL and goes to pypi.org.
 */
export const PIP_SOURCE_OPTIONS = ['--index-url', '--extra-index-url', '--find-links', '--no-index', '--trusted-host', '--proxy', '--isolated'];
/** Of those, the ones that take no value. */
const SOURCE_FLAGS = ['--no-index', '--isolated'];
/**
 * Names whose every prefix is taken as them, ambiguous or not (pip stops on an ambiguous one; an older pip's smaller
 * parser may take it): the source options with their alias, and the options naming another requirements file,
 * which is then read too (`--co` is `--constraint` to pip 23.0.1's requirements-file parser, which lacks
 * `--config-settings`).
 */
const FAIL_CLOSED: readonly (readonly [string, string])[] = [...PIP_SOURCE_OPTIONS.map((o) => [o, o] as const), ['--pypi-url', '--index-url'], ['--requirement', '--requirement'], ['--constraint', '--constraint']];

export interface PipWord {
  /** The canonical long option (`--find-links`), or undefined for a positional word. */
  option?: string;
  /** The option's value, or the positional word. */
  value?: string;
  /** The word(s) as given, for messages. */
  given: string;
}

/** Which option set reads the words: pip's command line, or a requirements file's option line. */
export type PipParser = 'command-line' | 'requirements-file';

interface Table {
  /** Every long name -> [canonical, takes a value]. */
  long: Map<string, readonly [string, boolean]>;
  short: Map<string, readonly [string, boolean]>;
}

function table(options: readonly PipOption[]): Table {
  const long = new Map<string, readonly [string, boolean]>();
  const short = new Map<string, readonly [string, boolean]>();
  for (const [names, letter, value] of options) {
    for (const n of names) long.set(n, [names[0]!, value]);
    if (letter) short.set(letter, [names[0]!, value]);
  }
  return { long, short };
}

const TABLES: Record<PipParser, Table> = { 'command-line': table(COMMAND_LINE), 'requirements-file': table(REQUIREMENTS_FILE) };

/**
 * The canonical long option NAME (`--find-link`, `--pypi-url`) stands for in `parser`, and whether it takes a
 * value; NAME itself (a flag) when pip knows no such option or the prefix is ambiguous.
 */
export function pipLongOption(name: string, parser: PipParser = 'command-line'): readonly [string, boolean] {
  const { long } = TABLES[parser];
  const exact = long.get(name);
  if (exact) return exact;
  const closed = name.length > 2 ? FAIL_CLOSED.find(([n]) => n.startsWith(name)) : undefined;
  if (closed) return long.get(closed[1]) ?? [closed[1], !SOURCE_FLAGS.includes(closed[1])];
  const matches = new Set([...long].filter(([n]) => n.startsWith(name)).map(([, o]) => o));
  return matches.size === 1 ? [...matches][0]! : [name, false];
}

/** The words of ARGS (pip's arguments after the program, or a requirements line's options), options canonical. */
export function pipWords(args: readonly string[], parser: PipParser = 'command-line'): PipWord[] {
  const out: PipWord[] = [];
  const { short } = TABLES[parser];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      for (const rest of args.slice(i + 1)) out.push({ value: rest, given: rest });
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const [option, takesValue] = pipLongOption(eq < 0 ? a : a.slice(0, eq), parser);
      if (eq >= 0) out.push({ option, value: a.slice(eq + 1), given: a });
      else if (takesValue) out.push({ option, value: args[++i], given: a });
      else out.push({ option, given: a });
    } else if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const known = short.get(a[k]!);
        if (known?.[1]) {
          const rest = a.slice(k + 1);
          out.push({ option: known[0], value: rest || args[++i], given: a });
          break;
        }
        out.push({ option: known?.[0] ?? `-${a[k]}`, given: a });
      }
    } else out.push({ value: a, given: a });
  }
  return out;
}
