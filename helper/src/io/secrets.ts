import { InputError } from '../errors.js';
import { printable } from './printable.js';

/**
 * Which job variables hold secrets, for every guard that keeps them out of what sscs prints or writes: the
 * output redactor, the check on every file sscs writes, the allow-list of recorded variables and the runner
 * import's filter. One definition, so that the guards cannot disagree.
 */

/** Variables whose values are secrets, whatever their names say. */
const ALWAYS_SECRET = new Set(['CI_JOB_TOKEN', 'CI_JOB_JWT', 'CI_JOB_JWT_V2', 'CI_REGISTRY_PASSWORD', 'CI_DEPLOY_PASSWORD', 'CI_DEPENDENCY_PROXY_PASSWORD', 'SIGSTORE_ID_TOKEN', 'NPM_TOKEN', 'NODE_AUTH_TOKEN']);
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|AUTH)/i;
/**
 * KEY as a word part of a name: a word that is KEY or KEYS, ends in one (APIKEY, SSHKEYS; and, with no dictionary
 * to tell them apart, MONKEY), or is a key container (KEYSTORE, KEYRING, KEYFILE, KEYPAIR, KEYCHAIN, KEYTAB).
 * KEYBOARD, KEYCLOAK and KEYWORD are not keys. Words are split at `_`, `-`, `.`, digits and camelCase humps.
 */
const KEY_WORD = /^(?:[A-Z]*KEYS?|KEY(?:STORE|RING|FILE|PAIR|CHAIN|TAB)S?)$/;
/** A PEM private key block's first line (PKCS#1/#8, SEC 1, OpenSSH, encrypted, OpenPGP). */
export const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
/** What is reported when a private key is found by its shape rather than by its variable. */
export const PRIVATE_KEY_FOUND = 'a PEM private key';

const PRIVATE_KEY_BLOCKS = new RegExp(PRIVATE_KEY_BLOCK.source, 'g');

/**
 * `text` with the first line of each PEM private key block as `[PEM private key]`. For reports about third-party
 * content (a package's files, names and registry metadata): a key line there says nothing about the job's own
 * secrets, and left in, it would make assertNoSecret refuse the whole report, exit 2 in place of the verdict, a
 * verdict the package could choose.
 */
export function maskPrivateKeyBlocks(text: string): string {
  return text.replace(PRIVATE_KEY_BLOCKS, '[PEM private key]');
}
/** Values shorter than this are too likely to collide with ordinary output ("true", "1"). */
export const MIN_SECRET_LENGTH = 8;

function words(name: string): string[] {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase().split(/[^A-Z]+/).filter(Boolean);
}

/** True when a variable of this name holds a secret. Case-insensitive: `npm_token` is as secret as `NPM_TOKEN`. */
export function isSecretName(name: string): boolean {
  return ALWAYS_SECRET.has(name.toUpperCase()) || SECRET_NAME.test(name) || words(name).some((w) => KEY_WORD.test(w));
}

export interface SecretVariable {
  name: string;
  value: string;
}

/**
 * The secret variables of `env` worth looking for, longest value first (a secret containing another wins): those
 * whose names say secret, those holding a PEM private key whatever their names, and `alsoSecret` (the variables a
 * command was told hold a key or a token: --key-env, --identity-token-env).
 */
export function secretVariables(env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): SecretVariable[] {
  const out: SecretVariable[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (isSecretName(name) || alsoSecret.includes(name) || PRIVATE_KEY_BLOCK.test(value)) out.push({ name, value });
  }
  return out.sort((a, b) => b.value.length - a.value.length || (a.name < b.name ? -1 : 1));
}

/** The distinct secret values of `env`, longest first. */
export function secretValues(env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): string[] {
  return [...new Set(secretVariables(env, alsoSecret).map((s) => s.value))];
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * The forms a value takes in what sscs writes: as is, inside a JSON string, inside XML text or attributes, and
 * as a text report prints it (io/printable.ts: control characters escaped, where the redactor would miss it).
 */
export function encodings(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string), printable(value)])];
}

/**
 * Finds secret values in texts: the secret variables of `env` and their written forms are worked out once, for
 * a check over many texts (every package of a dependency graph).
 */
function secretFinder(env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): (text: string) => string | undefined {
  const forms = secretVariables(env, alsoSecret).map(({ name, value }) => ({ name, forms: encodings(value) }));
  return (text) => {
    for (const { name, forms: f } of forms) if (f.some((form) => text.includes(form))) return name;
    return PRIVATE_KEY_BLOCK.test(text) ? PRIVATE_KEY_FOUND : undefined;
  };
}

/**
 * The name of the first secret variable whose value appears in `text`, in any form sscs writes it; else
 * PRIVATE_KEY_FOUND when `text` holds a PEM private key block from anywhere (a flag, a file, another job).
 */
export function findSecret(text: string, env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): string | undefined {
  return secretFinder(env, alsoSecret)(text);
}

/**
 * A part of what a command prints or writes, named for the error without its text: `argument 1 (an input file
 * name)`, `the --bundle path`, `a package read from package-lock.json`. Its text is never shown.
 */
export interface NamedPart {
  name: string;
  text: string | undefined;
}

/**
 * Command-line arguments that name inputs, as `argument N (ROLE)`: `argument 2 (a lockfile or SBOM name)`.
 * `first` is the number of the first one (`release upload FILE...`: 2).
 */
export function argumentParts(args: readonly string[], role: string, first = 1): NamedPart[] {
  return args.map((text, i) => ({ name: `argument ${first + i} (${role})`, text }));
}

/** A flag's value as a part: `the --bundle path`. Undefined when the flag was not given. */
export function flagPart(flag: string, role: string, text: string | undefined): NamedPart {
  return { name: `the --${flag} ${role}`, text };
}

export interface SecretCheck {
  /** What is refused: `the dependency graph`, `the scan report`. */
  what: string;
  /** The file it goes to, when it is written (the error's location). */
  file?: string;
  /** What would be done with it; `write` by default. */
  verb?: 'write' | 'print' | 'sign' | 'publish';
  /** Variables a flag named as holding a key or a token (--key-env, --token-env): secret whatever their names. */
  alsoSecret?: readonly string[];
  /**
   * The parts of `content` that came from inputs, looked through only when `content` holds a value, so that the
   * error says which one holds it: `argument 1 (an input file name)`. Printed data (a list, a report) is refused
   * rather than shown with [REDACTED] in place of a real name, which would name nothing real.
   */
  parts?: () => Iterable<NamedPart>;
}

/**
 * Refuses content that holds the value of a secret variable. The error names the variable, never the value:
 * a written file outlives the job (artifacts, releases, a transparency log), where the redactor cannot reach,
 * and printed data (a digest list, a dependency graph, a report) would hold [REDACTED] in place of a real name.
 */
export function assertNoSecret(content: string | Uint8Array, env: NodeJS.ProcessEnv, where: SecretCheck): void {
  const find = secretFinder(env, where.alsoSecret);
  const name = find(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
  if (name === undefined) return;
  for (const part of where.parts?.() ?? []) {
    const held = part.text === undefined ? undefined : find(part.text);
    if (held !== undefined) throw secretError(where, part.name, held);
  }
  throw secretError(where, 'it', name);
}

function secretError(where: SecretCheck, holder: string, name: string): InputError {
  const at = where.file !== undefined ? { where: { file: where.file } } : {};
  const refusing = `refusing to ${where.verb ?? 'write'} ${where.what}: ${holder}`;
  if (name === PRIVATE_KEY_FOUND) {
    return new InputError('SECRET', `${refusing} holds ${PRIVATE_KEY_FOUND}`, {
      ...at,
      hint: 'A private key belongs only where it signs (--key, --key-env), never in an input, variable or file that sscs records.',
    });
  }
  return new InputError('SECRET', `${refusing} holds the value of the secret variable ${name}`, {
    ...at,
    hint:
      holder === 'it'
        ? `Something passed the value of $${name} into an input, flag or file that sscs records. Pass it nowhere but where it is used as a secret.`
        : `The log hides secret values, so sscs would show a name that is not the real one. Rename what holds the value (a file, a folder, a package) or take the value of $${name} out of the input.`,
  });
}
