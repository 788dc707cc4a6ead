/**
 * Programs that run another command with its words unchanged, each with its own option table, so that the command
 * they run is found exactly (review F3): GNU coreutils `timeout`, `nice`, `nohup`, `stdbuf`, GNU `time`,
 * util-linux `ionice` and `setsid`, moreutils `chronic`. Each parses its options with getopt's `+` mode (options
 * stop at the first other word) and takes an unambiguous prefix of a long option. Any other program is not read
 * through: install-command.ts refuses an install client or a shell string among its arguments (`xargs`, `find
 * -exec`, `parallel`, `flock -c`, `script -c`, `watch` add words to the command or run a string).
 */
import { printable } from '../io/printable.js';

/** A wrapper's options (`true`: takes a value, the rest of the word or the next one) and the words before its command. */
interface Wrapper {
  short: Readonly<Record<string, boolean>>;
  long: Readonly<Record<string, boolean>>;
  /** Words that are not the command after the options (timeout's DURATION). */
  operands: number;
  /** `nice -10 CMD`: a number as an option. */
  numeric?: boolean;
}

const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  timeout: { short: { s: true, k: true, v: false }, long: { '--signal': true, '--kill-after': true, '--preserve-status': false, '--foreground': false, '--verbose': false }, operands: 1 },
  nice: { short: { n: true }, long: { '--adjustment': true }, operands: 0, numeric: true },
  nohup: { short: {}, long: {}, operands: 0 },
  stdbuf: { short: { i: true, o: true, e: true }, long: { '--input': true, '--output': true, '--error': true }, operands: 0 },
  time: { short: { f: true, o: true, a: false, p: false, v: false, q: false }, long: { '--format': true, '--output': true, '--append': false, '--portability': false, '--verbose': false, '--quiet': false }, operands: 0 },
  ionice: { short: { c: true, n: true, t: false }, long: { '--class': true, '--classdata': true, '--ignore': false }, operands: 0 },
  setsid: { short: { c: false, f: false, w: false }, long: { '--ctty': false, '--fork': false, '--wait': false }, operands: 0 },
  chronic: { short: { e: false, v: false }, long: {}, operands: 0 },
};

export const isWrapper = (program: string): boolean => Object.hasOwn(WRAPPERS, program);

/**
 * The command PROGRAM (a wrapper) runs: the words after its options and operands, unchanged. Calls `refuse` with
 * what it could not read (an option it does not know, such as `--help` or ionice's `-p`, after which no command runs).
 */
export function wrappedCommand(program: string, argv: readonly string[], refuse: (what: string) => never): string[] {
  const w = WRAPPERS[program]!;
  let i = 1;
  const unknown = (o: string): never => refuse(`${program}'s option ${printable(o.slice(0, 40))}, which firewall run does not read`);
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      const matches = Object.keys(w.long).filter((o) => o.startsWith(name));
      const o = matches.includes(name) ? name : matches.length === 1 ? matches[0]! : unknown(a);
      if (w.long[o] && eq < 0) i++;
      continue;
    }
    if (w.numeric && /^-[0-9]+$/.test(a)) continue;
    for (let k = 1; k < a.length; k++) {
      const c = a[k]!;
      if (!Object.hasOwn(w.short, c)) unknown(`-${c}`);
      if (w.short[c]) {
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  return argv.slice(i + w.operands);
}
