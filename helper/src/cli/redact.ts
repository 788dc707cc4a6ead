/**
 * Defence in depth: whatever the CLI prints passes through a redactor that replaces the values of secret
 * variables (io/secrets.ts says which). Code must still never print secrets; this catches the mistake it
 * would otherwise ship. Files are guarded separately: a file sscs writes refuses a secret outright.
 */
import { secretValues } from '../io/secrets.js';

export { isSecretName, secretValues } from '../io/secrets.js';

export function makeRedactor(env: NodeJS.ProcessEnv): (text: string) => string {
  const secrets = secretValues(env);
  if (secrets.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  };
}
