import { InputError } from '../errors.js';
import type { GitLabClaims } from './oidc.js';

/**
 * The facts a GitLab CI/CD ID token determines beyond its plain claims: URLs and the configuration file,
 * built only from claims, as Fulcio builds its certificate extensions (source repository = server + `/` +
 * project_path, run invocation = that + `/-/jobs/` + job_id).
 * https://docs.gitlab.com/ci/secrets/id_token_authentication/#token-payload
 */
export interface ClaimFacts {
  /** The instance URL, e.g. `https://gitlab.example.com` (or `https://example.com/gitlab`). */
  serverUrl: string;
  projectUrl: string;
  jobUrl?: string;
  pipelineUrl?: string;
  /** From `ci_config_ref_uri`: the configuration file, the project holding it, and the ref it was read at. */
  config?: { path: string; project: string; ref: string };
}

const trimSlash = (u: string) => u.replace(/(?<!\/)\/+$/, '');

/**
 * `ci_config_ref_uri` is `<instance host[:port][/relative root]>/<project path>//<config path>@<ref>`
 * (GitLab's `Gitlab::Ci::ProjectConfig::Repository#url` and the pipeline's source ref path).
 */
export function parseConfigRefUri(uri: string, projectPath: string): { serverPart?: string; project: string; path: string; ref: string } | undefined {
  const sep = uri.indexOf('//');
  const at = uri.lastIndexOf('@');
  if (sep <= 0 || at < sep + 2 || at === uri.length - 1) return undefined;
  const left = uri.slice(0, sep);
  const path = uri.slice(sep + 2, at);
  const ref = uri.slice(at + 1);
  if (left === projectPath || left.endsWith(`/${projectPath}`)) {
    const serverPart = left.slice(0, left.length - projectPath.length - 1);
    return { ...(serverPart ? { serverPart } : {}), project: projectPath, path, ref };
  }
  // The configuration lives in another project: the host is the first segment (no relative root can be told apart).
  const slash = left.indexOf('/');
  if (slash <= 0) return undefined;
  return { serverPart: left.slice(0, slash), project: left.slice(slash + 1), path, ref };
}

/**
 * Derives the URLs and configuration facts from the claims. `issuerIsServer` says whether `iss` is the
 * instance URL (GitLab's default); when the instance issues its tokens from another issuer URL, the server
 * comes from `ci_config_ref_uri`, the one claim that names the instance. The claim carries no scheme: it is
 * https, as Fulcio assumes when it turns that claim into a certificate identity, unless CI_SERVER_URL names the
 * same host and path over http (a scheme is all the variable can choose, and only the weaker one).
 */
export function claimFacts(claims: GitLabClaims, issuerIsServer: boolean, ciServerUrl?: string): ClaimFacts {
  const config = claims.ci_config_ref_uri ? parseConfigRefUri(claims.ci_config_ref_uri, claims.project_path) : undefined;
  if (claims.ci_config_ref_uri && !config) {
    throw new InputError('TOKEN', `the token's ci_config_ref_uri claim '${claims.ci_config_ref_uri}' is not <host>/<project>//<path>@<ref>`);
  }
  let serverUrl: string;
  if (issuerIsServer) serverUrl = trimSlash(claims.iss);
  else if (config?.serverPart) serverUrl = sameInstance(ciServerUrl, config.serverPart) ?? `https://${config.serverPart}`;
  else {
    throw new InputError('TOKEN', "the token names no GitLab instance: its issuer is not the instance (--oidc-issuer), and it has no ci_config_ref_uri claim to take the instance from", {
      hint: 'GitLab sets ci_config_ref_uri when the pipeline configuration comes from a repository; without it, provenance cannot tell which instance built the project.',
    });
  }
  const projectUrl = `${serverUrl}/${claims.project_path}`;
  return {
    serverUrl,
    projectUrl,
    ...(claims.job_id ? { jobUrl: `${projectUrl}/-/jobs/${claims.job_id}` } : {}),
    ...(claims.pipeline_id ? { pipelineUrl: `${projectUrl}/-/pipelines/${claims.pipeline_id}` } : {}),
    ...(config ? { config: { path: config.path, project: config.project, ref: config.ref } } : {}),
  };
}

/** CI_SERVER_URL, when it names exactly the instance the claim names (host, port and relative root). */
function sameInstance(ciServerUrl: string | undefined, serverPart: string): string | undefined {
  if (!ciServerUrl) return undefined;
  let u: URL;
  try {
    u = new URL(ciServerUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  return `${u.host}${trimSlash(u.pathname)}` === serverPart ? trimSlash(`${u.protocol}//${u.host}${u.pathname}`) : undefined;
}
