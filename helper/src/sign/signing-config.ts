import { InputError } from '../errors.js';
import { readJsonFile } from '../io/files.js';
import { MAX_SIGNING_CONFIG_BYTES } from './constants.js';

/** The one API version of each service that @sigstore/sign speaks (Rekor also speaks v2). */
const SUPPORTED_API = { ca: 1, tlog: 2, tsa: 1 } as const;

interface Service {
  url: string;
  majorApiVersion: number;
  start: number;
  end: number;
}

export interface ConfiguredServices {
  fulcioUrl?: string;
  rekorUrl?: string;
  rekorMajorApiVersion?: number;
  tsaUrl?: string;
}

/**
 * Reads a Sigstore SigningConfig v0.2 (caUrls, rekorTlogUrls, tsaUrls, oidcUrls) and picks, for each service,
 * the newest entry that is valid now and speaks an API version we support, as sigstore clients do.
 */
export async function readSigningConfig(path: string, now = Date.now()): Promise<ConfiguredServices> {
  const doc = (await readJsonFile(path, 'signing config', MAX_SIGNING_CONFIG_BYTES)) as Record<string, unknown>;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError('SCHEMA', 'signing config is not a JSON object', { where: { file: path } });
  }
  const pick = (field: string, maxApi: number): Service | undefined => {
    const list = doc[field];
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) throw new InputError('SCHEMA', `${field} is not an array`, { where: { file: path, field } });
    const services = list.map((entry, i) => toService(entry, path, `${field}[${i}]`));
    return services
      .filter((s) => s.majorApiVersion <= maxApi && s.start <= now && s.end >= now)
      .sort((a, b) => b.start - a.start)[0];
  };
  const ca = pick('caUrls', SUPPORTED_API.ca);
  const tlog = pick('rekorTlogUrls', SUPPORTED_API.tlog);
  const tsa = pick('tsaUrls', SUPPORTED_API.tsa);
  return {
    ...(ca ? { fulcioUrl: ca.url } : {}),
    ...(tlog ? { rekorUrl: tlog.url, rekorMajorApiVersion: tlog.majorApiVersion } : {}),
    ...(tsa ? { tsaUrl: tsa.url } : {}),
  };
}

function toService(entry: unknown, file: string, field: string): Service {
  const e = entry as { url?: unknown; majorApiVersion?: unknown; validFor?: { start?: unknown; end?: unknown } };
  if (typeof e?.url !== 'string' || !/^https?:\/\//.test(e.url)) {
    throw new InputError('SCHEMA', 'service has no http(s) url', { where: { file, field: `${field}.url` } });
  }
  const start = typeof e.validFor?.start === 'string' ? Date.parse(e.validFor.start) : 0;
  if (Number.isNaN(start)) throw new InputError('SCHEMA', 'validFor.start is not a timestamp', { where: { file, field: `${field}.validFor.start` } });
  const end = typeof e.validFor?.end === 'string' ? Date.parse(e.validFor.end) : Number.POSITIVE_INFINITY;
  return { url: e.url, majorApiVersion: typeof e.majorApiVersion === 'number' ? e.majorApiVersion : 1, start, end };
}
