/**
 * Defence in depth: whatever the CLI prints passes through a redactor that replaces the values of secret
 * variables. Code must still never print secrets; this catches the mistake it would otherwise ship.
 */

/** Variables whose values are secrets, whatever their names say. */
const ALWAYS_SECRET = new Set(['CI_JOB_TOKEN', 'CI_JOB_JWT', 'CI_JOB_JWT_V2', 'CI_REGISTRY_PASSWORD', 'CI_DEPLOY_PASSWORD', 'CI_DEPENDENCY_PROXY_PASSWORD', 'SIGSTORE_ID_TOKEN', 'NPM_TOKEN', 'NODE_AUTH_TOKEN']);
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|AUTH)/i;
/** Values shorter than this are too likely to collide with ordinary output ("true", "1"). */
const MIN_SECRET_LENGTH = 8;

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (ALWAYS_SECRET.has(name) || SECRET_NAME.test(name)) values.add(value);
  }
  // Longest first, so that a secret containing another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

export function isSecretName(name: string): boolean {
  return ALWAYS_SECRET.has(name) || SECRET_NAME.test(name);
}

export function makeRedactor(env: NodeJS.ProcessEnv): (text: string) => string {
  const secrets = secretValues(env);
  if (secrets.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  };
}
