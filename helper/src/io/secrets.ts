import { InputError } from '../errors.js';

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

/** The forms a value takes in what sscs writes: as is, inside a JSON string, inside XML text or attributes. */
function encodings(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string)])];
}

/**
 * The name of the first secret variable whose value appears in `text`, in any form sscs writes it; else
 * PRIVATE_KEY_FOUND when `text` holds a PEM private key block from anywhere (a flag, a file, another job).
 */
export function findSecret(text: string, env: NodeJS.ProcessEnv, alsoSecret: readonly string[] = []): string | undefined {
  for (const { name, value } of secretVariables(env, alsoSecret)) {
    if (encodings(value).some((form) => text.includes(form))) return name;
  }
  return PRIVATE_KEY_BLOCK.test(text) ? PRIVATE_KEY_FOUND : undefined;
}

/**
 * Refuses content that holds the value of a secret variable. The error names the variable, never the value:
 * a written file outlives the job (artifacts, releases, a transparency log), where the redactor cannot reach.
 */
export function assertNoSecret(content: string | Uint8Array, env: NodeJS.ProcessEnv, where: { file?: string; what: string; alsoSecret?: readonly string[] }): void {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  const name = findSecret(text, env, where.alsoSecret);
  if (name === undefined) return;
  if (name === PRIVATE_KEY_FOUND) {
    throw new InputError('SECRET', `refusing to write ${where.what}: it holds ${PRIVATE_KEY_FOUND}`, {
      ...(where.file !== undefined ? { where: { file: where.file } } : {}),
      hint: 'A private key belongs only where it signs (--key, --key-env), never in an input, variable or file that sscs records.',
    });
  }
  throw new InputError('SECRET', `refusing to write ${where.what}: it holds the value of the secret variable ${name}`, {
    ...(where.file !== undefined ? { where: { file: where.file } } : {}),
    hint: `Something passed the value of $${name} into an input, flag or file that sscs records. Pass it nowhere but where it is used as a secret.`,
  });
}
