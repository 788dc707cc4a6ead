import type { FlagSpecs } from './command.js';
import { UsageError } from '../errors.js';
import { jwksUrlFor, type JwksSource } from '../gitlab/jwks.js';

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
  return value === undefined ? undefined : httpUrl(value, where);
}

function httpUrl(value: string, where: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new UsageError('USAGE', `${where} '${value}' is not an http(s) URL`);
  return value;
}

/** The audience the isolated-provenance component's `id_tokens:` entry gives its token. */
export const DEFAULT_ID_TOKEN_AUDIENCE = 'sigstore';

/** --verify-id-token and where the instance's keys come from. */
export const VERIFY_TOKEN_FLAGS = {
  'verify-id-token': {
    type: 'boolean',
    description: "Check the ID token's signature against the instance's keys, and its iss (--oidc-issuer, required), aud, exp, nbf and iat; fail if any check fails. Then record only facts the claims carry. Needed before a key signs L3 provenance.",
  },
  'id-token-audience': { type: 'string', valueName: 'AUD', default: DEFAULT_ID_TOKEN_AUDIENCE, description: "With --verify-id-token: the token's expected aud claim." },
  'id-token-environment': {
    type: 'string',
    valueName: 'NAME',
    description: "With --verify-id-token: the token's environment claim must be NAME, the (protected) environment of the provenance job, so that a genuine token of another job of the instance cannot stand in for this job's.",
  },
  'oidc-jwks-url': { type: 'string', valueName: 'URL', description: "With --verify-id-token: the instance's JSON Web Key Set; default <--oidc-issuer>/oauth/discovery/keys." },
  'oidc-jwks': { type: 'string', valueName: 'JSON', description: 'With --verify-id-token: the JSON Web Key Set itself, for a runner that cannot reach the instance (the isolated-provenance oidc_jwks input).' },
  'oidc-jwks-file': { type: 'string', valueName: 'FILE', description: "With --verify-id-token: the JSON Web Key Set as a file, for a runner that cannot reach the instance; keep it where no job's artifacts are extracted." },
} as const satisfies FlagSpecs;

export interface VerifyTokenFlags {
  'verify-id-token'?: boolean | undefined;
  'id-token-audience': string;
  'oidc-jwks-url'?: string | undefined;
  'oidc-jwks-file'?: string | undefined;
  'oidc-jwks'?: string | undefined;
  'oidc-issuer'?: string | undefined;
  'id-token-environment'?: string | undefined;
}

/**
 * With --verify-id-token, the issuer and key set to verify against, else undefined. The issuer must be the
 * --oidc-issuer flag: SSCS_OIDC_ISSUER is a variable, and a dotenv report of a job this one needs can set it.
 */
export function tokenVerification(flags: VerifyTokenFlags, resolvePath: (p: string) => string): { issuer: string; audience: string; jwks: JwksSource; environment?: string } | undefined {
  const jwksUrl = flags['oidc-jwks-url'];
  const jwksFile = flags['oidc-jwks-file'];
  const jwksJson = flags['oidc-jwks'];
  const environment = flags['id-token-environment'];
  if (!flags['verify-id-token']) {
    if (jwksUrl !== undefined || jwksFile !== undefined || jwksJson !== undefined || environment !== undefined) throw new UsageError('USAGE', '--oidc-jwks-url, --oidc-jwks, --oidc-jwks-file and --id-token-environment are for --verify-id-token');
    return undefined;
  }
  if (!flags['oidc-issuer']) {
    throw new UsageError('MISSING_ARGUMENT', '--verify-id-token needs --oidc-issuer URL: the GitLab instance that issues the job\'s ID tokens', {
      hint: 'In the isolated-provenance component this is the oidc_issuer input, e.g. https://gitlab.example.com. It is taken only from the command line, never from a variable, which a dotenv report could set.',
    });
  }
  const issuer = httpUrl(flags['oidc-issuer'], '--oidc-issuer');
  if ([jwksUrl, jwksFile, jwksJson].filter((v) => v !== undefined).length > 1) throw new UsageError('CONFLICTING_FLAGS', 'give one of --oidc-jwks-url, --oidc-jwks and --oidc-jwks-file');
  if (jwksUrl !== undefined) httpUrl(jwksUrl, '--oidc-jwks-url');
  if (!flags['id-token-audience']) throw new UsageError('USAGE', '--id-token-audience must not be empty');
  const jwks: JwksSource = jwksJson !== undefined ? { json: jwksJson } : jwksFile !== undefined ? { file: resolvePath(jwksFile) } : { url: jwksUrl ?? jwksUrlFor(issuer) };
  if (environment === '') throw new UsageError('USAGE', '--id-token-environment must not be empty');
  return { issuer, audience: flags['id-token-audience'], jwks, ...(environment !== undefined ? { environment } : {}) };
}
