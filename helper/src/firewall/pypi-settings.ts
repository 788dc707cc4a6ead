/**
 * Which Python package index the firewall proxies at /simple/: `--pypi-upstream URL` (a simple API base,
 * e.g. https://pypi.org/simple/, or `none` to serve npm only) and the hosts its pages may put files on,
 * `--pypi-files URL` (repeatable; pypi.org's own is https://files.pythonhosted.org/). The same values come
 * from SSCS_FIREWALL_PYPI_UPSTREAM and SSCS_FIREWALL_PYPI_FILES (entries separated by spaces or commas).
 */
import { UsageError } from '../errors.js';
import { checkUpstream, type Flags } from './config.js';

export const PYPI_ENV = { upstream: 'SSCS_FIREWALL_PYPI_UPSTREAM', files: 'SSCS_FIREWALL_PYPI_FILES' } as const;
export const DEFAULT_PYPI_UPSTREAM = 'https://pypi.org/simple/';
/** Where pypi.org's pages put files. */
const PYPI_ORG_FILES = 'https://files.pythonhosted.org/';

export interface PypiSettings {
  index: string;
  fileHosts: string[];
}

const listOf = (flag: Flags[string], env: string | undefined): string[] => {
  const fromFlags = (Array.isArray(flag) ? flag : typeof flag === 'string' ? [flag] : []).filter((e) => e !== '');
  return fromFlags.length ? fromFlags : (env ?? '').split(/[\s,]+/).filter(Boolean);
};

/** checkUpstream's checks (http(s), no credentials, never echoing a password), named after the PyPI flag. */
function checked(value: string, flag: string): string {
  try {
    return checkUpstream(value);
  } catch (e) {
    throw new UsageError('USAGE', (e as Error).message.replace(/^--upstream/, flag).replace('use SSCS_FIREWALL_UPSTREAM_TOKEN', 'PyPI index credentials are not supported yet'), { cause: e });
  }
}

export function pypiSettings(flags: Flags, env: NodeJS.ProcessEnv): PypiSettings | undefined {
  const upstream = listOf(flags['pypi-upstream'], env[PYPI_ENV.upstream]);
  if (upstream.length > 1) throw new UsageError('USAGE', '--pypi-upstream: give one index');
  if (upstream[0] === 'none') return undefined;
  const raw = upstream[0] ?? DEFAULT_PYPI_UPSTREAM;
  let index = checked(raw, '--pypi-upstream');
  if (!index.endsWith('/')) index = `${index}/`;
  const files = listOf(flags['pypi-files'], env[PYPI_ENV.files]).map((f) => checked(f, '--pypi-files'));
  const defaults = new URL(index).host === 'pypi.org' ? [PYPI_ORG_FILES] : [];
  return { index, fileHosts: [...new Set(files.length ? files : defaults)] };
}
