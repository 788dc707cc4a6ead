/**
 * pip's command line as pip's optparse reads it (pip 23.0.1's `install`, `download` and `wheel` parsers): a long
 * option may be any unambiguous prefix of its name (`--find-link`, `--extra`), and short options cluster, a value
 * option taking the rest of the word or the next word (`-qf wheels`, `-qrreq.txt`). Returned as canonical options
 * and positional words, so that python-sources.ts judges what pip will really do.
 */

/** Options that take a value (pip 23.0.1 install/download/wheel, plus `--keyring-provider`, `--local-log`). */
const VALUE_LONG = ['--abi', '--build-option', '--cache-dir', '--cert', '--client-cert', '--config-settings', '--constraint', '--dest', '--editable', '--exists-action', '--extra-index-url', '--find-links', '--global-option', '--implementation', '--index-url', '--install-option', '--keyring-provider', '--local-log', '--log', '--no-binary', '--only-binary', '--platform', '--prefix', '--progress-bar', '--proxy', '--python', '--python-version', '--report', '--requirement', '--retries', '--root', '--root-user-action', '--src', '--target', '--timeout', '--trusted-host', '--upgrade-strategy', '--use-deprecated', '--use-feature', '--wheel-dir'];
const FLAG_LONG = ['--break-system-packages', '--check-build-dependencies', '--compile', '--debug', '--disable-pip-version-check', '--dry-run', '--force-reinstall', '--help', '--ignore-installed', '--ignore-requires-python', '--isolated', '--no-build-isolation', '--no-cache-dir', '--no-clean', '--no-color', '--no-compile', '--no-deps', '--no-index', '--no-input', '--no-python-version-warning', '--no-use-pep517', '--no-user', '--no-warn-conflicts', '--no-warn-script-location', '--pre', '--prefer-binary', '--quiet', '--require-hashes', '--require-virtualenv', '--upgrade', '--use-pep517', '--user', '--verbose', '--version'];
/** Short options that take a value, and the long option each stands for. */
const VALUE_SHORT: Record<string, string> = { r: '--requirement', c: '--constraint', e: '--editable', i: '--index-url', f: '--find-links', t: '--target', d: '--dest', w: '--wheel-dir', C: '--config-settings' };
/**
 * Options that make pip fetch from somewhere other than the firewall's index (or, `--no-index`, from nowhere but
 * local files), `--trusted-host`, which only matters for such a source, `--proxy`, which pip applies even to the
 * firewall's host in NO_PROXY, and `--isolated`, with which pip ignores PIP_INDEX_URL and goes to pypi.org. Any
 * prefix of one of these is taken as it, ambiguous or not (fail closed).
 */
export const PIP_SOURCE_OPTIONS = ['--index-url', '--extra-index-url', '--find-links', '--no-index', '--trusted-host', '--proxy', '--isolated'];
const LONG = [...VALUE_LONG, ...FLAG_LONG];

export interface PipWord {
  /** The canonical long option (`--find-links`), or undefined for a positional word. */
  option?: string;
  /** The option's value, or the positional word. */
  value?: string;
  /** The word(s) as given, for messages. */
  given: string;
}

/** The canonical long option NAME (`--find-link`) stands for, or NAME itself when pip knows no such option. */
export function pipLongOption(name: string): string {
  if (LONG.includes(name)) return name;
  const source = PIP_SOURCE_OPTIONS.find((o) => name.length > 2 && o.startsWith(name));
  if (source) return source;
  const matches = LONG.filter((o) => o.startsWith(name));
  return matches.length === 1 ? matches[0]! : name;
}

/** The words of ARGS (pip's arguments after the program), options canonical. */
export function pipWords(args: readonly string[]): PipWord[] {
  const out: PipWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      for (const rest of args.slice(i + 1)) out.push({ value: rest, given: rest });
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const option = pipLongOption(eq < 0 ? a : a.slice(0, eq));
      if (eq >= 0) out.push({ option, value: a.slice(eq + 1), given: a });
      else if (VALUE_LONG.includes(option)) out.push({ option, value: args[++i], given: a });
      else out.push({ option, given: a });
    } else if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const long = VALUE_SHORT[a[k]!];
        if (long) {
          const rest = a.slice(k + 1);
          out.push({ option: long, value: rest || args[++i], given: a });
          break;
        }
        out.push({ option: `-${a[k]}`, given: a });
      }
    } else out.push({ value: a, given: a });
  }
  return out;
}
