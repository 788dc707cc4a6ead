/**
 * Defence in depth: whatever the CLI prints passes through a redactor that replaces the values of secret
 * variables (io/secrets.ts says which). Code must still never print secrets; this catches the mistake it
 * would otherwise ship. Files are guarded separately: a file sscs writes refuses a secret outright.
 */
import { encodings, secretValues } from './secrets.js';

export { isSecretName, secretValues } from './secrets.js';

/** A whole PEM private key block, or from its first line to the end of the text when it is cut short. */
const PRIVATE_KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;
/** Flags whose value names a variable that holds a key or a token (`release upload --token-env`: the job token). */
const SECRET_VARIABLE_FLAGS = ['--key-env', '--identity-token-env', '--vsa-signing-key-env', '--token-env'];

/** The variables that `argv` names as holding a key or a token (`--key-env NAME`, `--identity-token-env=NAME`). */
export function secretVariablesNamedBy(argv: readonly string[]): string[] {
  const names: string[] = [];
  argv.forEach((arg, i) => {
    for (const flag of SECRET_VARIABLE_FLAGS) {
      if (arg === flag && argv[i + 1] !== undefined) names.push(argv[i + 1]!);
      else if (arg.startsWith(`${flag}=`)) names.push(arg.slice(flag.length + 1));
    }
  });
  return names;
}

/** Replaces the values of secret variables (and of `alsoSecret`) and any PEM private key block with [REDACTED]. */
export function makeRedactor(env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): (text: string) => string {
  return redactorOf(secretValues(env, alsoSecret));
}

/**
 * Replaces each of `values` (secret values known by other means than a variable of the job: one a leading `env`
 * assigns under `firewall run`) and any PEM private key block with [REDACTED].
 */
export function redactorOf(values: readonly string[]): (text: string) => string {
  // Each value as sscs may have printed it too (io/secrets.ts encodings): a message quotes input through printable(),
  // which writes a control or format character of the value as `\x0a` or `\u200b`; JSON and XML escape others.
  // Longest first, so that no shorter form replaces part of a longer one and leaves the rest shown.
  const secrets = [...new Set(values.flatMap(encodings))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    out = redactHiddenSplits(out, secrets);
    return out.includes('PRIVATE KEY') ? out.replace(PRIVATE_KEY_TEXT, '[REDACTED]') : out;
  };
}

/**
 * Text as a terminal (or a log viewer that renders ANSI, as GitLab's does) shows it: ANSI escape sequences (CSI
 * `ESC [ ... final`, OSC `ESC ] ... BEL or ESC \\`, two-byte `ESC x` with any intermediates), CR, NUL and the other
 * controls a terminal shows nothing for (BEL, SO, SI, DEL, ...) taken out. `at[i]` is the index in the original
 * text of `text[i]`. A sequence the text ends inside is hidden; only an OSC never ended keeps its payload shown
 * unless `holdOpenEnd` (the relay, where the rest may still come). One pass, no backtracking.
 */
export function shownText(original: string, holdOpenEnd = false): { text: string; at: number[] } {
  const n = original.length;
  const at: number[] = [];
  let text = '';
  for (let i = 0; i < n; ) {
    const c = original.charCodeAt(i);
    if (c !== 0x1b && isHiddenControl(c)) {
      i++;
      continue;
    }
    if (c !== 0x1b) {
      text += original[i];
      at.push(i);
      i++;
      continue;
    }
    i = escapeEnd(original, i, holdOpenEnd);
  }
  return { text, at };
}

/** C0 controls a terminal shows nothing for (NUL, BEL, CR, SO, SI, ...) and DEL; not TAB, LF, VT, FF or BS, which move the cursor. */
const HIDDEN_CONTROL = /[\0-\x07\r-\x1f\x7f]/;

function isHiddenControl(c: number): boolean {
  return c === 0x7f || (c < 0x20 && (c < 0x08 || c >= 0x0d));
}

/** Whether `text` holds anything shownText takes out. */
export function hasTerminalControls(text: string): boolean {
  return HIDDEN_CONTROL.test(text);
}

/** Where the escape sequence that starts at `i` (an ESC) ends. */
function escapeEnd(text: string, i: number, holdOpenEnd: boolean): number {
  const n = text.length;
  const next = text[i + 1];
  if (next === '[') {
    let j = i + 2;
    while (j < n && inRange(text.charCodeAt(j), 0x20, 0x3f)) j++;
    return j < n && inRange(text.charCodeAt(j), 0x40, 0x7e) ? j + 1 : j;
  }
  if (next === ']') {
    for (let j = i + 2; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x07) return j + 1;
      if (c === 0x1b) return text[j + 1] === '\\' ? j + 2 : j;
    }
    return holdOpenEnd ? n : i + 2;
  }
  let j = i + 1;
  while (j < n && inRange(text.charCodeAt(j), 0x20, 0x2f)) j++;
  return j < n && inRange(text.charCodeAt(j), 0x30, 0x7e) ? j + 1 : j;
}

function inRange(c: number, low: number, high: number): boolean {
  return c >= low && c <= high;
}

/** Secrets that control text splits (`s3cr\x1b[0m3t`): the whole span, control text inside it too, becomes [REDACTED]. */
function redactHiddenSplits(text: string, secrets: readonly string[]): string {
  if (!hasTerminalControls(text)) return text;
  const view = shownText(text);
  const spans: Array<[number, number]> = [];
  for (const s of secrets) {
    if (!s) continue;
    for (let k = view.text.indexOf(s); k >= 0; k = view.text.indexOf(s, k + s.length)) spans.push([view.at[k]!, view.at[k + s.length - 1]! + 1]);
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let done = 0;
  for (const [start, end] of spans) {
    if (end <= done) continue;
    if (start >= done) out += `${text.slice(done, start)}[REDACTED]`;
    done = end;
  }
  return out + text.slice(done);
}
