/**
 * The simple commands of a `sh -c` string, read exactly as a POSIX shell (dash, bash) would run them, or refused:
 * `firewall run` must see every word and variable a shell passes to the install, and a shell string is a program.
 * Read: words; `'...'`; `"..."` with `\$ \` \" \\ \<newline>` escapes; `\` outside quotes; `$NAME` and `${NAME}`
 * from the shell's environment (an unquoted one only when its value is one field and no pattern); `;`, `&&`,
 * `||`, `|` and newlines between commands; `# comments`; redirections (`>file`, `2>&1`), which are not words.
 * `NAME=value` before a command is that command's environment. Everything else is refused with what was met and
 * where: command and arithmetic substitution, other parameter forms (`$1`, `$@`, `${X:-y}`), patterns (`*?[`),
 * braces, tilde expansion, here-documents, subshells, `&`, reserved words, and an assignment without a command.
 * Library shell-word splitters (shell-quote, shlex) were not used: they approximate or pass through the
 * constructs refused here, where a difference from the real shell is a way around the check.
 */
import { UsageError } from '../errors.js';

/** One simple command: its assignments (`NAME=value` before it) and its words, expanded. */
export interface SimpleCommand {
  assignments: [name: string, value: string][];
  words: string[];
  /** Joined to the command before it by `|`: both run at once. */
  piped?: true;
  /** Joined to the command before it by `&&`: runs only when that one succeeded. */
  and?: true;
  /** Indexes of the words that hold a `$NAME` expansion (their text came from the environment). */
  expanded?: number[];
  /** Files its output redirections write (`>f`, `>>f`, `>|f`, `<>f`; not /dev/null nor a descriptor). */
  writes?: string[];
}

/** Variables the shell sets itself, whatever its environment says: their value here would be a guess. */
const SHELL_SET = new Set(['PWD', 'OLDPWD', 'PPID', 'IFS', 'PS1', 'PS2', 'PS4', 'OPTIND', 'OPTARG', 'SHLVL', 'LINENO', 'RANDOM', 'SRANDOM', 'SECONDS', 'UID', 'EUID', 'GROUPS', 'HOSTNAME', 'HOSTTYPE', 'MACHTYPE', 'OSTYPE', 'PIPESTATUS', 'FUNCNAME', 'EPOCHSECONDS', 'EPOCHREALTIME', 'HISTCMD', 'COLUMNS', 'LINES', '_']);
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in', 'function', 'select', 'time', 'coproc', '!', '{', '}', '[[', ']]']);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const HINT = 'Give the install command as words, without a shell (sscs firewall run -- npm ci --omit=dev), or keep the shell string to plain words, quotes, $NAME, ; && || | and redirections; set variables in the job, or with env before the command.';

/** Refuses the string: what could not be read exactly, and where. */
function unreadable(script: string, at: number, what: string): never {
  const near = JSON.stringify(script.slice(Math.max(0, at - 20), at + 20));
  throw new UsageError('USAGE', `sscs firewall run: cannot read the shell command exactly: ${what} at character ${at + 1} (near ${near}); firewall run must see every word the shell passes to the install`, { hint: HINT });
}

/**
 * The simple commands of SCRIPT in order (those of a pipeline or `&&` list included: each may run). `vars`: the
 * environment the shell starts with. Throws UsageError (exit 2) for anything not read exactly.
 */
export function readShell(script: string, vars: Readonly<Record<string, string | undefined>>): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let i = 0;
  let current: SimpleCommand = { assignments: [], words: [] };
  /** Where an `&&`, `||` or `|` still waits for its command, or -1. */
  let pending = -1;
  const end = (at: number, sep: boolean) => {
    if (current.words.length === 0 && current.assignments.length > 0) unreadable(script, at, 'an assignment without a command (it sets a shell variable later words or commands may read)');
    if (current.words.length === 0 && sep) unreadable(script, at, 'a separator without a command before it');
    if (current.words.length) {
      if (RESERVED.has(current.words[0]!)) unreadable(script, at, `the reserved word '${current.words[0]}' (a compound command)`);
      out.push(current);
    }
    current = { assignments: [], words: [] };
  };

  while (i < script.length) {
    const c = script[i]!;
    if (c === ' ' || c === '\t') i++;
    else if (c === '\\' && script[i + 1] === '\n') i += 2; // a line continuation is removed before words are read
    else if (c === '\n') {
      if (current.words.length || current.assignments.length) end(i, false);
      i++;
    } else if (c === '#') {
      while (i < script.length && script[i] !== '\n') i++;
    } else if (c === ';') {
      if (script[i + 1] === ';' || script[i + 1] === '&') unreadable(script, i, `'${script.slice(i, i + 2)}' (a case clause)`);
      end(i, true);
      i++;
    } else if (c === '&' || c === '|') {
      if (script[i + 1] === c) {
        end(i, true);
        if (c === '&') current.and = true;
        pending = i;
        i += 2;
      } else if (c === '|' && script[i + 1] !== '&') {
        end(i, true);
        current.piped = true;
        pending = i;
        i++;
      } else unreadable(script, i, c === '&' ? "'&' (a background or redirection form)" : "'|&'");
    } else if (c === '<' || c === '>') {
      const r = redirection(script, i, vars);
      if (/^(?:>|>>|>\||<>)$/.test(r.op) && r.target !== '/dev/null') (current.writes ??= []).push(r.target);
      i = r.next;
    }
    else if (c === '(' || c === ')') unreadable(script, i, `'${c}' (a subshell, function or pattern group)`);
    else {
      const w = readWord(script, i, vars);
      i = w.next;
      // `2>file`: digits right before a redirection are its file descriptor, not a word.
      if ((script[i] === '<' || script[i] === '>') && w.ioNumber) continue;
      if (w.assignment !== undefined && current.words.length === 0) current.assignments.push([w.assignment, w.value.slice(w.assignment.length + 1)]);
      else {
        if (w.expanded) (current.expanded ??= []).push(current.words.length);
        current.words.push(w.value);
      }
      pending = -1;
    }
  }
  end(script.length, false);
  // `npm ci &&` with nothing after: the shell stops on it; refused rather than read as a command that runs.
  if (pending >= 0) unreadable(script, pending, `'${script.slice(pending, pending + 2).trim()}' without a command after it`);
  return out;
}

/** A redirection from I: its operator and target word, read (the target must be readable), not a word of the command. */
function redirection(script: string, i: number, vars: Readonly<Record<string, string | undefined>>): { op: string; target: string; next: number } {
  const op = /^(?:>>|>\||>&|<&|<>|<<|>|<)/.exec(script.slice(i, i + 3))![0];
  if (op === '<<') unreadable(script, i, 'a here-document');
  let j = i + op.length;
  while (script[j] === ' ' || script[j] === '\t' || (script[j] === '\\' && script[j + 1] === '\n')) j += script[j] === '\\' ? 2 : 1;
  if (j >= script.length || /[\n;&|<>()]/.test(script[j]!)) unreadable(script, j, `'${op}' without a target`);
  const target = readWord(script, j, vars);
  // `>&1`, `2>&-`: a descriptor or `-` (`>&file` is bash's, and a bad descriptor stops dash).
  if ((op === '>&' || op === '<&') && !/^(?:[0-9]+|-)$/.test(target.value)) unreadable(script, j, `'${op}${target.value.slice(0, 20)}' (not a file descriptor)`);
  return { op, target: target.value, next: target.next };
}

interface Word {
  value: string;
  next: number;
  /** The name, when the word is `NAME=...` with NAME and `=` unquoted. */
  assignment?: string;
  /** Only unquoted digits: a file descriptor when a redirection follows at once. */
  ioNumber: boolean;
  /** It holds a `$NAME` expansion. */
  expanded: boolean;
}

/** One word from I, expanded; stops at a blank, newline or operator character outside quotes. */
function readWord(script: string, i: number, vars: Readonly<Record<string, string | undefined>>): Word {
  const start = i;
  let value = '';
  let literal = true; // every character so far unquoted and unexpanded
  let expanded = false;
  let assignment: string | undefined;
  let nameSoFar = true; // every character so far a name character, the first a name start
  while (i < script.length) {
    const c = script[i]!;
    if (' \t\n;&|<>()'.includes(c)) break;
    const atStart = i === start;
    if (c === '\\' && script[i + 1] === '\n') i += 2; // a line continuation: removed, the word goes on
    else if (c === '\\') {
      if (i + 1 >= script.length) unreadable(script, i, 'a backslash at the end');
      value += script[i + 1];
      literal = false;
      i += 2;
    } else if (c === "'") {
      const close = script.indexOf("'", i + 1);
      if (close < 0) unreadable(script, i, 'an unclosed single quote');
      value += script.slice(i + 1, close);
      literal = false;
      i = close + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= script.length) unreadable(script, start, 'an unclosed double quote');
        const d = script[i]!;
        if (d === '"') break;
        if (d === '\\' && '$`"\\\n'.includes(script[i + 1] ?? '')) {
          if (script[i + 1] !== '\n') value += script[i + 1];
          i += 2;
        } else if (d === '$') {
          const e = expansion(script, i, vars);
          value += e.value;
          expanded = true;
          i = e.next;
        } else if (d === '`') unreadable(script, i, 'a command substitution (`...`)');
        else {
          value += d;
          i++;
        }
      }
      literal = false;
      i++;
    } else if (c === '$') {
      const e = expansion(script, i, vars);
      if (!e.value || /[ \t\n*?[]/.test(e.value)) unreadable(script, i, `an unquoted $${e.name} whose value ${e.value ? 'the shell would split or match as a pattern' : 'is empty (the word would vanish)'}; quote it ("$${e.name}")`);
      value += e.value;
      literal = false;
      expanded = true;
      i = e.next;
    } else if (c === '`') unreadable(script, i, 'a command substitution (`...`)');
    else if ('*?['.includes(c)) unreadable(script, i, `the pattern character '${c}' (the shell would replace the word by file names)`);
    else if (c === '{' || c === '}') unreadable(script, i, `'${c}' (a brace group or brace expansion)`);
    else if (c === '~' && (atStart || script[i - 1] === '=' || script[i - 1] === ':')) unreadable(script, i, "'~' (tilde expansion)");
    else if (c === '!' && atStart) unreadable(script, i, "'!' (pipeline negation)");
    else {
      if (c === '=' && literal && nameSoFar && assignment === undefined && value.length > 0) assignment = value;
      nameSoFar &&= value.length === 0 ? NAME_START.test(c) : NAME_CHAR.test(c);
      value += c;
      i++;
    }
  }
  return { value, next: i, ...(assignment !== undefined ? { assignment } : {}), ioNumber: literal && /^[0-9]+$/.test(value), expanded };
}

/** `$NAME` or `${NAME}` at I: its value from `vars` (unset is empty), or refused. */
function expansion(script: string, i: number, vars: Readonly<Record<string, string | undefined>>): { name: string; value: string; next: number } {
  let j = i + 1;
  const braced = script[j] === '{';
  if (braced) j++;
  const from = j;
  if (!NAME_START.test(script[j] ?? '')) unreadable(script, i, `'${script.slice(i, i + 3)}' (a special parameter, substitution or other expansion)`);
  while (j < script.length && NAME_CHAR.test(script[j]!)) j++;
  const name = script.slice(from, j);
  if (braced) {
    if (script[j] !== '}') unreadable(script, i, `'\${${name}${script[j] ?? ''}' (a parameter expansion with an operator)`);
    j++;
  }
  if (SHELL_SET.has(name) || name.startsWith('BASH')) unreadable(script, i, `$${name}, which the shell sets itself`);
  return { name, value: vars[name] ?? '', next: j };
}
