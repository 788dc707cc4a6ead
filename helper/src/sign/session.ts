import { bundleToJSON, type Bundle } from '@sigstore/bundle';
import { FulcioSigner, InternalError, type Signer } from '@sigstore/sign';
import { resolve } from 'node:path';
import type { Io } from '../cli/command.js';
import { InputError, UsageError, isSscsError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { bundleBuilder, witnesses, type BundleKind } from './bundler.js';
import { BUNDLE_V03_MEDIA_TYPE, DEFAULT_TIMEOUT_MS, DEFAULT_TOKEN_ENV, MAX_KEY_BYTES, MAX_TIMEOUT_MS, RETRY } from './constants.js';
import { scrub, serviceFailure } from './failure.js';
import { keySignerFromPem, type KeySigner } from './key.js';
import { resolveServices, type Services, type SigningMode } from './services.js';
import { readIdentityToken, type IdentityToken } from './token.js';

/** Longest per-request timeout accepted: a signing step should fail, not hang the pipeline. */

export interface SigningFlags {
  'identity-token-env'?: string | undefined;
  'fulcio-url'?: string | undefined;
  'rekor-url'?: string | undefined;
  'tsa-url'?: string | undefined;
  'signing-config'?: string | undefined;
  key?: string | undefined;
  'key-env'?: string | undefined;
  'timeout-ms'?: string | undefined;
}

/** What signed, for the summary: the token's identity (keyless) or the key hint. Never the token itself. */
export interface SignerIdentity {
  mode: SigningMode;
  issuer?: string;
  subject?: string;
  keyHint?: string;
}

export interface SigningSession {
  services: Services;
  identity: SignerIdentity;
  /** Signs one artifact and returns the bundle as JSON (always bundle v0.3). */
  sign(kind: BundleKind, data: Buffer, payloadType?: string): Promise<unknown>;
}

/** Chooses keyless or key signing from the flags, reads the token or key, and resolves the services. */
export async function openSession(flags: SigningFlags, io: Io): Promise<SigningSession> {
  const timeoutMs = parseTimeout(flags['timeout-ms']);
  if (flags.key !== undefined && flags['key-env'] !== undefined) throw new UsageError('CONFLICTING_FLAGS', '--key and --key-env are exclusive');
  const keyMode = flags.key !== undefined || flags['key-env'] !== undefined;
  if (keyMode && flags['identity-token-env'] !== undefined) throw new UsageError('CONFLICTING_FLAGS', '--identity-token-env is for keyless signing; it cannot go with --key/--key-env');
  const mode: SigningMode = keyMode ? 'key' : 'keyless';
  const services = await resolveServices(
    mode,
    { fulcioUrl: flags['fulcio-url'], rekorUrl: flags['rekor-url'], tsaUrl: flags['tsa-url'], signingConfig: flags['signing-config'] },
    io.env,
    (p) => resolve(io.cwd, p),
  );

  let signer: Signer;
  let identity: SignerIdentity;
  const secrets: string[] = [];
  if (keyMode) {
    const { keySigner, pem } = await loadKey(flags, io);
    secrets.push(pem);
    signer = keySigner;
    identity = { mode, keyHint: keySigner.hint };
  } else {
    const token: IdentityToken = readIdentityToken(io.env, flags['identity-token-env'] ?? DEFAULT_TOKEN_ENV);
    secrets.push(token.token);
    signer = new FulcioSigner({ fulcioBaseURL: services.fulcioUrl!, identityProvider: { getToken: async () => token.token }, timeout: timeoutMs, retry: { ...RETRY } });
    identity = { mode, issuer: token.claims.iss, subject: token.claims.sub };
  }
  const witnessList = witnesses(services, timeoutMs);
  const urls = { fulcio: services.fulcioUrl, rekor: services.rekorUrl, tsa: services.tsaUrl };

  return {
    services,
    identity,
    async sign(kind, data, payloadType) {
      let bundle: Bundle;
      try {
        bundle = await bundleBuilder(kind, signer, witnessList).create({ data, ...(payloadType ? { type: payloadType } : {}) });
      } catch (e) {
        if (isSscsError(e)) throw e;
        // @sigstore/sign reports every service failure as an InternalError; anything else is a bug, kept as one.
        if (e instanceof InternalError) throw serviceFailure(e, urls, secrets);
        throw new Error(scrub(`signing failed: ${(e as Error)?.message ?? String(e)}`, secrets));
      }
      if (bundle.mediaType !== BUNDLE_V03_MEDIA_TYPE) throw new Error(`@sigstore/sign produced ${bundle.mediaType}, not bundle v0.3`);
      return bundleToJSON(bundle);
    },
  };
}

async function loadKey(flags: SigningFlags, io: Io): Promise<{ keySigner: KeySigner; pem: string }> {
  if (flags.key !== undefined) {
    const file = resolve(io.cwd, flags.key);
    const pem = (await readFileBounded(file, MAX_KEY_BYTES, 'signing key')).toString('utf8');
    return { keySigner: keySignerFromPem(pem, { file: flags.key }), pem };
  }
  const name = flags['key-env']!;
  const pem = io.env[name];
  if (!pem) throw new InputError('INPUT', `the variable ${name} named by --key-env is not set or empty`, { where: { field: `$${name}` } });
  if (pem.length > MAX_KEY_BYTES) throw new InputError('FILE_TOO_LARGE', `the key in ${name} is over ${MAX_KEY_BYTES} bytes`, { where: { field: `$${name}` } });
  return { keySigner: keySignerFromPem(pem, { field: `$${name}` }), pem };
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TIMEOUT_MS) throw new UsageError('USAGE', `--timeout-ms must be an integer from 1 to ${MAX_TIMEOUT_MS}, not '${value}'`);
  return n;
}
