import type { FlagSpecs } from './command.js';
import { UsageError } from '../errors.js';

/** --oidc-issuer, for the commands that capture the build context from a job's ID token. */
export const ISSUER_FLAG = {
  'oidc-issuer': {
    type: 'string',
    valueName: 'URL',
    description: "The URL this GitLab instance issues CI/CD ID tokens from, when it is not the instance URL (self-managed ci_id_tokens issuer setting); default $SSCS_OIDC_ISSUER. Unset, the token's iss must equal CI_SERVER_URL.",
  },
} as const satisfies FlagSpecs;

/** --oidc-issuer wins over SSCS_OIDC_ISSUER; either must be an http(s) URL. Undefined: the issuer is the instance. */
export function configuredIssuer(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const [value, where] = flag !== undefined ? [flag, '--oidc-issuer'] : [env.SSCS_OIDC_ISSUER || undefined, 'SSCS_OIDC_ISSUER'];
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new UsageError('USAGE', `${where} '${value}' is not an http(s) URL`);
  return value;
}
