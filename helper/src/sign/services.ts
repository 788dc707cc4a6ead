import { UsageError } from '../errors.js';
import { ENV_FULCIO_URL, ENV_REKOR_URL, ENV_SIGNING_CONFIG, ENV_TSA_URL, PUBLIC_GOOD_FULCIO_URL, PUBLIC_GOOD_REKOR_URL } from './constants.js';
import { readSigningConfig, type ConfiguredServices } from './signing-config.js';

export type SigningMode = 'keyless' | 'key';

export interface Services {
  fulcioUrl?: string;
  rekorUrl?: string;
  rekorMajorApiVersion: number;
  tsaUrl?: string;
}

export interface ServiceFlags {
  fulcioUrl?: string | undefined;
  rekorUrl?: string | undefined;
  tsaUrl?: string | undefined;
  signingConfig?: string | undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where to get certificates, log entries and timestamps. Each service comes from its flag, else the signing
 * config (--signing-config or SSCS_SIGNING_CONFIG), else SSCS_FULCIO_URL / SSCS_REKOR_URL / SSCS_TSA_URL.
 * Keyless signing falls back to public-good Fulcio and Rekor only when nothing at all is configured, so a
 * private deployment never leaks entries to the public log by omission. Key mode never uses public-good.
 */
export async function resolveServices(mode: SigningMode, flags: ServiceFlags, env: NodeJS.ProcessEnv, resolvePath: (p: string) => string): Promise<Services> {
  const configPath = flags.signingConfig ?? env[ENV_SIGNING_CONFIG];
  const config: ConfiguredServices = configPath ? await readSigningConfig(resolvePath(configPath)) : {};
  const pick = (flag: string | undefined, fromConfig: string | undefined, envName: string): string | undefined => flag ?? fromConfig ?? (env[envName] || undefined);
  let fulcioUrl = pick(flags.fulcioUrl, config.fulcioUrl, ENV_FULCIO_URL);
  let rekorUrl = pick(flags.rekorUrl, config.rekorUrl, ENV_REKOR_URL);
  const tsaUrl = pick(flags.tsaUrl, config.tsaUrl, ENV_TSA_URL);
  const rekorMajorApiVersion = flags.rekorUrl === undefined && config.rekorUrl !== undefined ? (config.rekorMajorApiVersion ?? 1) : 1;

  if (mode === 'keyless') {
    if (!fulcioUrl && !rekorUrl && !tsaUrl) {
      fulcioUrl = PUBLIC_GOOD_FULCIO_URL;
      rekorUrl = PUBLIC_GOOD_REKOR_URL;
    }
    if (!fulcioUrl) throw new UsageError('MISSING_ARGUMENT', 'keyless signing needs a Fulcio: give --fulcio-url or --signing-config');
    if (!rekorUrl && !tsaUrl) {
      throw new UsageError('MISSING_ARGUMENT', 'keyless signing needs a transparency log or a timestamp authority to prove when the short-lived certificate was used', {
        hint: 'Give --rekor-url and/or --tsa-url (or --signing-config). sscs does not fall back to public-good Rekor when a private Fulcio is configured.',
      });
    }
  }
  for (const [flag, url] of [['--fulcio-url', fulcioUrl], ['--rekor-url', rekorUrl], ['--tsa-url', tsaUrl]] as const) {
    if (url !== undefined) checkUrl(flag, url);
  }
  const strip = (u: string | undefined) => u?.replace(/(?<!\/)\/+$/, '');
  return {
    ...(mode === 'keyless' && fulcioUrl ? { fulcioUrl: strip(fulcioUrl) } : {}),
    ...(rekorUrl ? { rekorUrl: strip(rekorUrl) } : {}),
    rekorMajorApiVersion,
    ...(tsaUrl ? { tsaUrl: strip(tsaUrl) } : {}),
  };
}

/** https only, except on loopback (the local stack): the identity token must never cross a network in clear. */
function checkUrl(flag: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('USAGE', `${flag}: '${value}' is not a URL`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) return;
  throw new UsageError('USAGE', `${flag}: '${value}' must use https (plain http is allowed only on 127.0.0.1/localhost)`);
}
