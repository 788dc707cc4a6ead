import { InputError } from '../errors.js';

/**
 * Which job variables hold secrets, for every guard that keeps them out of what sscs prints or writes: the
 * output redactor, the check on every file sscs writes, the allow-list of recorded variables and the runner
 * import's filter. One definition, so that the guards cannot disagree.
 */

/** Variables whose values are secrets, whatever their names say. */
const ALWAYS_SECRET = new Set(['CI_JOB_TOKEN', 'CI_JOB_JWT', 'CI_JOB_JWT_V2', 'CI_REGISTRY_PASSWORD', 'CI_DEPLOY_PASSWORD', 'CI_DEPENDENCY_PROXY_PASSWORD', 'SIGSTORE_ID_TOKEN', 'NPM_TOKEN', 'NODE_AUTH_TOKEN']);
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|AUTH)/i;
/** Values shorter than this are too likely to collide with ordinary output ("true", "1"). */
export const MIN_SECRET_LENGTH = 8;

/** True when a variable of this name holds a secret. Case-insensitive: `npm_token` is as secret as `NPM_TOKEN`. */
export function isSecretName(name: string): boolean {
  return ALWAYS_SECRET.has(name.toUpperCase()) || SECRET_NAME.test(name);
}

export interface SecretVariable {
  name: string;
  value: string;
}

/** The secret variables of `env` worth looking for, longest value first (a secret containing another wins). */
export function secretVariables(env: NodeJS.ProcessEnv): SecretVariable[] {
  const out: SecretVariable[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (isSecretName(name)) out.push({ name, value });
  }
  return out.sort((a, b) => b.value.length - a.value.length || (a.name < b.name ? -1 : 1));
}

/** The distinct secret values of `env`, longest first. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return [...new Set(secretVariables(env).map((s) => s.value))];
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** The forms a value takes in what sscs writes: as is, inside a JSON string, inside XML text or attributes. */
function encodings(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string)])];
}

/** The name of the first secret variable whose value appears in `text`, in any form sscs writes it. */
export function findSecret(text: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const { name, value } of secretVariables(env)) {
    if (encodings(value).some((form) => text.includes(form))) return name;
  }
  return undefined;
}

/**
 * Refuses content that holds the value of a secret variable. The error names the variable, never the value:
 * a written file outlives the job (artifacts, releases, a transparency log), where the redactor cannot reach.
 */
export function assertNoSecret(content: string | Uint8Array, env: NodeJS.ProcessEnv, where: { file?: string; what: string }): void {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  const name = findSecret(text, env);
  if (name === undefined) return;
  throw new InputError('SECRET', `refusing to write ${where.what}: it holds the value of the secret variable ${name}`, {
    ...(where.file !== undefined ? { where: { file: where.file } } : {}),
    hint: `Something passed the value of $${name} into an input, flag or file that sscs records. Pass it nowhere but where it is used as a secret.`,
  });
}
