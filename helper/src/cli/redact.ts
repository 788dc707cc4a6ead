/**
 * Defence in depth: whatever the CLI prints passes through a redactor that replaces the values of secret
 * variables (io/secrets.ts says which). Code must still never print secrets; this catches the mistake it
 * would otherwise ship. Files are guarded separately: a file sscs writes refuses a secret outright.
 */
import { secretValues } from '../io/secrets.js';

export { isSecretName, secretValues } from '../io/secrets.js';

/** A whole PEM private key block, or from its first line to the end of the text when it is cut short. */
const PRIVATE_KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;
/** Flags whose value names a variable that holds a key or a token. */
const SECRET_VARIABLE_FLAGS = ['--key-env', '--identity-token-env', '--vsa-signing-key-env'];

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
  const secrets = secretValues(env, alsoSecret);
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out.includes('PRIVATE KEY') ? out.replace(PRIVATE_KEY_TEXT, '[REDACTED]') : out;
  };
}
