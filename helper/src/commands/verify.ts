import { createPublicKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { defineCommand, type FlagValues, type Io } from '../cli/command.js';
import { InputError, ServiceError, UsageError, VerificationError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { assertNoSecret } from '../io/secrets.js';
import { jsonParts, reportParts } from '../verify/report-parts.js';
import { parseArtifactArg } from '../verify/artifact.js';
import { readBundleFile } from '../verify/bundle.js';
import { compilePattern, GITLAB_ISSUER_EXAMPLE, GITLAB_SAN_EXAMPLE, type VerifyPolicy } from '../verify/policy.js';
import { failureMessage, reportJson, verdictLine } from '../verify/render.js';
import { makeTrust } from '../verify/sigstore-checks.js';
import { EMPTY_TRUSTED_ROOT, trustedRootNeeds } from '../verify/key-only.js';
import { readTrustedRoot } from '../verify/trusted-root.js';
import { DEFAULT_TUF_TIMEOUT_MS, defaultTufCacheDir, fetchTrustedRoot } from '../verify/tuf.js';
import { verifyBundle, type TrustedRootSource } from '../verify/verifier.js';
import { defaultVsaBundle, writeOutputs, type OutputRequest } from '../verify/outputs.js';
import { SIGNING_FLAGS } from '../sign/flags.js';
import { MAX_TIMEOUT_MS } from '../sign/constants.js';
import { BUILDER_ID_ISOLATED } from '../provenance/constants.js';

const MAX_KEY_BYTES = 64 * 1024;
const MAX_TUF_ROOT_BYTES = 1024 * 1024;
const RUNNER_ENVIRONMENTS = ['gitlab-hosted', 'self-hosted'];

const flags = {
  bundle: { type: 'string', valueName: 'FILE', description: 'The Sigstore bundle to verify (required).' },
  'certificate-identity': { type: 'string', valueName: 'URI', description: `Exact signer identity (certificate SAN); for a GitLab job: ${GITLAB_SAN_EXAMPLE}.` },
  'certificate-identity-regexp': { type: 'string', valueName: 'RE', description: 'Signer identity as a regular expression, always anchored at both ends.' },
  'certificate-oidc-issuer': { type: 'string', valueName: 'URL', description: `Exact OIDC issuer of the signer, e.g. ${GITLAB_ISSUER_EXAMPLE}.` },
  key: { type: 'string', valueName: 'PUB.pem', description: 'Verify a key-signed bundle with this public key instead of a certificate identity.' },
  'trusted-root': { type: 'string', valueName: 'FILE', description: 'Sigstore trusted_root.json to verify against, fully offline (default: $SSCS_TRUSTED_ROOT when set and no --tuf-* flag is given, else public-good via TUF).' },
  'insecure-ignore-tlog': { type: 'boolean', description: 'Accept a bundle with no transparency log entry (air-gapped signing); a keyless bundle still needs a TSA timestamp. With --key, a bundle with no log entry and no timestamp needs no trusted root.' },
  'tuf-cache-dir': { type: 'string', valueName: 'DIR', description: 'Cache of the TUF client when no --trusted-root is given (default: $XDG_CACHE_HOME/sscs/tuf).' },
  'tuf-mirror-url': { type: 'string', valueName: 'URL', description: 'TUF mirror to get the trusted root from (default: the public-good one).' },
  'tuf-root': { type: 'string', valueName: 'FILE', description: 'Initial TUF root.json for a --tuf-mirror-url other than public-good.' },
  'timeout-ms': { type: 'string', valueName: 'N', integer: [1, MAX_TIMEOUT_MS], description: `Bound on network calls in milliseconds: the TUF fetch [default: ${DEFAULT_TUF_TIMEOUT_MS}], and each signing request of --sign-vsa.` },
  'source-repo': { type: 'string', valueName: 'URL', description: 'Expected source repository, e.g. https://gitlab.com/group/project.' },
  'source-ref': { type: 'string', valueName: 'REF', description: 'Expected source ref, e.g. refs/heads/main or refs/tags/v1.2.0.' },
  'source-ref-regexp': { type: 'string', valueName: 'RE', description: 'Expected source ref as an anchored regular expression, e.g. refs/tags/v.*.' },
  'source-digest': { type: 'string', valueName: 'SHA', description: 'Expected source commit: 40 hex digits, or 64 in a SHA-256 repository.' },
  'build-config-uri': { type: 'string', valueName: 'URI', description: 'Expected build config URI (https:// + ci_config_ref_uri).' },
  'runner-environment': { type: 'string', valueName: 'ENV', description: 'Expected runner environment: gitlab-hosted or self-hosted.' },
  'pipeline-source': { type: 'string', valueName: 'SRC', description: 'Expected pipeline source (CI_PIPELINE_SOURCE), e.g. push.' },
  'deployment-environment': { type: 'string', valueName: 'NAME', description: "Expected GitLab environment of the signing job: the certificate's DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23), exactly; the isolated provenance job's is sscs-provenance by default." },
  'builder-id': { type: 'string', valueName: 'ID', description: `Expected SLSA builder id in the provenance; the isolated builder (${BUILDER_ID_ISOLATED}) needs --deployment-environment, or --key-builder-id for a key.` },
  'key-builder-id': { type: 'string', valueName: 'ID', description: "With --key: the builder that holds this key, by your own policy; it sets the SLSA level (the statement's builder.id never raises it)." },
  'build-type': { type: 'string', valueName: 'URI', description: 'Expected SLSA build type in the provenance.' },
  'predicate-type': { type: 'string', valueName: 'URI', description: 'Expected in-toto predicate type, e.g. https://slsa.dev/provenance/v1.' },
  'vsa-output': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a SLSA Verification Summary Attestation (in-toto statement), PASSED or FAILED.' },
  'resource-uri': { type: 'string', valueName: 'URI', description: "The VSA's resourceUri (default: the matched subject name, else the artifact)." },
  'sign-vsa': { type: 'boolean', description: 'Sign the VSA as a DSSE attestation with the signing flags below (keyless by default).' },
  'vsa-bundle': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Where --sign-vsa writes the bundle (default: the --vsa-output name with .sigstore.json).' },
  'identity-token-env': SIGNING_FLAGS['identity-token-env'],
  'fulcio-url': SIGNING_FLAGS['fulcio-url'],
  'rekor-url': SIGNING_FLAGS['rekor-url'],
  'tsa-url': SIGNING_FLAGS['tsa-url'],
  'signing-config': SIGNING_FLAGS['signing-config'],
  'vsa-signing-key': { type: 'string', valueName: 'FILE', description: 'Sign the VSA with this PEM private key instead of keyless (--key is the verification key).' },
  'vsa-signing-key-env': { type: 'string', valueName: 'NAME', description: 'Sign the VSA with the PEM private key held in this (masked) variable.' },
  junit: { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a JUnit XML report (one test case per artifact and check) for artifacts:reports:junit.' },
  format: { type: 'string', choices: ['text', 'json'], valueName: 'FORMAT', default: 'text', description: 'Output: text (one line) or json (every check and its result).' },
} as const;

type Flags = FlagValues<typeof flags>;

function exclusive(f: Flags, a: keyof Flags, b: keyof Flags): void {
  if (f[a] !== undefined && f[b] !== undefined) throw new UsageError('CONFLICTING_FLAGS', `--${a} and --${b} cannot be used together`);
}

/**
 * A statement's builder.id is written by whoever signs it. Asking for the isolated builder is only meaningful
 * with a fact the signer cannot choose: the certificate's DeploymentEnvironment (keyless), or the verifier's
 * own word on which builder holds the key (--key-builder-id).
 */
function refuseUnprovenBuilder(f: Flags): void {
  const env = f['deployment-environment'];
  if (env !== undefined && env === '') throw new UsageError('USAGE', '--deployment-environment must name an environment, not be empty');
  if (f['key-builder-id'] !== undefined && f['key-builder-id'].trim() === '') {
    throw new UsageError('USAGE', '--key-builder-id is empty: name the builder that holds the --key (e.g. its SLSA builder id URI), or leave the flag out');
  }
  if (f['key-builder-id'] !== undefined && f.key === undefined) throw new UsageError('USAGE', '--key-builder-id says which builder holds the --key: add --key PUB.pem');
  if (f.key !== undefined && env !== undefined) {
    throw new UsageError('CONFLICTING_FLAGS', '--deployment-environment is checked in a signing certificate, and a key-signed bundle has none: for a key, say which builder holds it with --key-builder-id');
  }
  if (f['builder-id'] !== BUILDER_ID_ISOLATED) return;
  if (f.key === undefined && env === undefined) {
    throw new UsageError('USAGE', `--builder-id ${BUILDER_ID_ISOLATED} needs --deployment-environment NAME for a keyless bundle: every job of the project gets a certificate with the same identity, so a build job can sign a statement that names the isolated builder; only the certificate's DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23) shows that the isolated provenance job signed it`, {
      hint: 'Pass the environment your isolated-provenance job runs in (its provenance_environment input, sscs-provenance by default), e.g. --deployment-environment sscs-provenance.',
    });
  }
  if (f.key !== undefined && f['key-builder-id'] === undefined) {
    throw new UsageError('USAGE', `--builder-id ${BUILDER_ID_ISOLATED} with --key needs --key-builder-id: the statement's builder.id is written by whoever holds the key, so only your own policy can say that the key is the isolated builder's`, {
      hint: `If the key is only available to the isolated provenance job (a variable scoped to its protected environment), pass --key-builder-id ${BUILDER_ID_ISOLATED}.`,
    });
  }
}

export function policyFromFlags(f: Flags): VerifyPolicy {
  exclusive(f, 'certificate-identity', 'certificate-identity-regexp');
  exclusive(f, 'source-ref', 'source-ref-regexp');
  exclusive(f, 'key', 'certificate-identity');
  exclusive(f, 'key', 'certificate-identity-regexp');
  exclusive(f, 'key', 'certificate-oidc-issuer');
  if (f.key === undefined) {
    const hasIdentity = f['certificate-identity'] !== undefined || f['certificate-identity-regexp'] !== undefined;
    if (!hasIdentity || f['certificate-oidc-issuer'] === undefined) {
      throw new UsageError('MISSING_ARGUMENT', `sscs verify: keyless verification needs ${hasIdentity ? '' : '--certificate-identity (or --certificate-identity-regexp) and '}--certificate-oidc-issuer: without them any signer would be accepted`, {
        hint: `For a GitLab job:\n  --certificate-identity ${GITLAB_SAN_EXAMPLE}\n  --certificate-oidc-issuer ${GITLAB_ISSUER_EXAMPLE}\nOr pass --key PUB.pem for a key-signed bundle.`,
      });
    }
  }
  refuseUnprovenBuilder(f);
  // Every regexp flag, whichever it is: a pattern that does not compile on its own is bad usage.
  for (const name of Object.keys(flags) as (keyof Flags)[]) {
    const value = f[name];
    if (name.endsWith('-regexp') && typeof value === 'string') compilePattern(value, name);
  }
  if (f['runner-environment'] !== undefined && !RUNNER_ENVIRONMENTS.includes(f['runner-environment'])) {
    throw new UsageError('USAGE', `--runner-environment must be one of ${RUNNER_ENVIRONMENTS.join(', ')}, not '${f['runner-environment']}'`);
  }
  const p: VerifyPolicy = {};
  if (f['certificate-identity'] !== undefined) p.certificateIdentity = { exact: f['certificate-identity'] };
  if (f['certificate-identity-regexp'] !== undefined) p.certificateIdentity = { regexp: f['certificate-identity-regexp'] };
  if (f['certificate-oidc-issuer'] !== undefined) p.certificateOidcIssuer = f['certificate-oidc-issuer'];
  if (f['insecure-ignore-tlog'] === true) p.ignoreTlog = true;
  if (f['source-repo'] !== undefined) p.sourceRepo = f['source-repo'];
  if (f['source-ref'] !== undefined) p.sourceRef = { exact: f['source-ref'] };
  if (f['source-ref-regexp'] !== undefined) p.sourceRef = { regexp: f['source-ref-regexp'] };
  if (f['source-digest'] !== undefined) {
    // A full git object id: SHA-1 (40 hex digits) or, in a SHA-256 repository, 64. A prefix would match too much.
    if (!/^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(f['source-digest'])) {
      throw new UsageError('USAGE', `--source-digest must be a full commit id, 40 hex digits (SHA-1) or 64 (a SHA-256 repository), not '${f['source-digest']}'`);
    }
    p.sourceDigest = f['source-digest'];
  }
  if (f['build-config-uri'] !== undefined) p.buildConfigUri = f['build-config-uri'];
  if (f['runner-environment'] !== undefined) p.runnerEnvironment = f['runner-environment'];
  if (f['pipeline-source'] !== undefined) p.pipelineSource = f['pipeline-source'];
  if (f['deployment-environment'] !== undefined) p.deploymentEnvironment = f['deployment-environment'];
  if (f['builder-id'] !== undefined) p.builderId = f['builder-id'];
  if (f['key-builder-id'] !== undefined) p.keyBuilderId = f['key-builder-id'];
  if (f['build-type'] !== undefined) p.buildType = f['build-type'];
  if (f['predicate-type'] !== undefined) p.predicateType = f['predicate-type'];
  return p;
}

async function readKey(path: string): Promise<KeyObject> {
  const pem = await readFileBounded(path, MAX_KEY_BYTES, 'public key');
  try {
    return createPublicKey(pem);
  } catch (e) {
    throw new InputError('MALFORMED', `not a PEM public key: ${(e as Error).message}`, { where: { file: path }, cause: e });
  }
}

function timeoutMs(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TUF_TIMEOUT_MS;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError('USAGE', `--timeout-ms must be a positive whole number, not '${value}'`);
  return n;
}

function outputRequest(f: Flags): OutputRequest {
  const signingOnly = ['vsa-bundle', 'identity-token-env', 'fulcio-url', 'rekor-url', 'tsa-url', 'signing-config', 'vsa-signing-key', 'vsa-signing-key-env'] as const;
  if (!f['sign-vsa']) {
    const stray = signingOnly.find((k) => f[k] !== undefined);
    if (stray) throw new UsageError('USAGE', `--${stray} is for signing the VSA: add --sign-vsa`);
  } else if (f['vsa-output'] === undefined) {
    throw new UsageError('MISSING_ARGUMENT', '--sign-vsa needs --vsa-output FILE');
  }
  const req: OutputRequest = {};
  if (f['vsa-output'] !== undefined) req.vsaOutput = f['vsa-output'];
  if (f['resource-uri'] !== undefined) req.resourceUri = f['resource-uri'];
  if (f.junit !== undefined) req.junit = f.junit;
  if (f['sign-vsa'] && f['vsa-output'] !== undefined) {
    req.signVsa = {
      bundle: f['vsa-bundle'] ?? defaultVsaBundle(f['vsa-output']),
      flags: {
        'identity-token-env': f['identity-token-env'],
        'fulcio-url': f['fulcio-url'],
        'rekor-url': f['rekor-url'],
        'tsa-url': f['tsa-url'],
        'signing-config': f['signing-config'],
        key: f['vsa-signing-key'],
        'key-env': f['vsa-signing-key-env'],
        'timeout-ms': f['timeout-ms'],
      },
    };
  }
  return req;
}

/**
 * Which trusted root to use: --trusted-root, else SSCS_TRUSTED_ROOT (what the local Sigstore's `env` file and
 * private deployments export) unless a --tuf-* flag asks for TUF, else TUF. Undefined means TUF.
 */
export function trustedRootSource(f: Pick<Flags, 'trusted-root' | 'tuf-cache-dir' | 'tuf-mirror-url' | 'tuf-root'>, env: Record<string, string | undefined>): TrustedRootSource | undefined {
  if (f['trusted-root'] !== undefined) return { path: f['trusted-root'], from: '--trusted-root' };
  const fromEnv = env.SSCS_TRUSTED_ROOT;
  if (!tufAsked(f) && fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, from: 'SSCS_TRUSTED_ROOT' };
  return undefined;
}

function tufAsked(f: Pick<Flags, 'tuf-cache-dir' | 'tuf-mirror-url' | 'tuf-root'>): boolean {
  return f['tuf-cache-dir'] !== undefined || f['tuf-mirror-url'] !== undefined || f['tuf-root'] !== undefined;
}

async function trustedRootJson(f: Flags, io: Io, source: TrustedRootSource | undefined, keyOnlyNeeds?: string[]): Promise<unknown> {
  if (source) return readTrustedRoot(resolve(io.cwd, source.path), source.from);
  if (keyOnlyNeeds && keyOnlyNeeds.length > 0) {
    // --key --insecure-ignore-tlog on a bundle that needs trust material: say why before trying the network.
    try {
      return await fetchRoot(f, io);
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      throw new ServiceError(e.code, `${e.message}; a trusted root is needed even with --key --insecure-ignore-tlog because ${keyOnlyNeeds.join(', and ')}`, {
        cause: e,
        hint: 'Offline, pass --trusted-root FILE (or set SSCS_TRUSTED_ROOT) with the trusted_root.json of the Sigstore instance that logged or timestamped it.',
      });
    }
  }
  return fetchRoot(f, io);
}

async function fetchRoot(f: Flags, io: Io): Promise<unknown> {
  // Read once here so that a missing or huge root.json is named as bad input, not as a network failure.
  if (f['tuf-root'] !== undefined) await readFileBounded(resolve(io.cwd, f['tuf-root']), MAX_TUF_ROOT_BYTES, 'TUF root');
  return fetchTrustedRoot({
    cacheDir: f['tuf-cache-dir'] !== undefined ? resolve(io.cwd, f['tuf-cache-dir']) : defaultTufCacheDir(io.env, io.cwd),
    ...(f['tuf-mirror-url'] !== undefined ? { mirrorUrl: f['tuf-mirror-url'] } : {}),
    ...(f['tuf-root'] !== undefined ? { rootPath: resolve(io.cwd, f['tuf-root']) } : {}),
    timeoutMs: timeoutMs(f['timeout-ms']),
  });
}

export default defineCommand({
  name: 'verify',
  summary: 'Verify artifacts against a Sigstore bundle and a GitLab identity policy',
  usage: 'sscs verify ARTIFACT|sha256:HEX [ARTIFACT...] --bundle FILE (--certificate-identity URI --certificate-oidc-issuer URL | --key PUB.pem) [flags]',
  description: `
Checks the bundle cryptographically (certificate chain to the trusted root, SCT, transparency log inclusion,
timestamps, signature), then that the signer is who the policy expects, then that each artifact is what was
signed: the digest of a message signature, or a subject of a DSSE in-toto statement. An artifact may be given
by its digest alone (sha256:HEX). Keyless verification needs an identity policy: on GitLab the certificate
identity is https:// + the job's ci_config_ref_uri claim, e.g. ${GITLAB_SAN_EXAMPLE}.
The SLSA Build level (--format json, the VSA) comes from verified facts only: L3 needs the certificate's
DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23) to equal --deployment-environment, or, for a key,
--key-builder-id naming the isolated builder; the statement's builder.id never raises it.
Exit codes: 0 verified, 1 a check failed (the error names it; a bundle that is not JSON fails the bundle
check), 2 bad usage or input (unreadable files, an invalid trusted root or key; with --format json, a name the
report would print holding the value of a secret variable, named by its part, never by its value).`,
  flags,
  positionals: { min: 1, max: 1024, name: 'ARTIFACT' },
  examples: [
    `sscs verify dist/app.tgz --bundle app.sigstore.json --certificate-identity ${GITLAB_SAN_EXAMPLE} --certificate-oidc-issuer ${GITLAB_ISSUER_EXAMPLE} --source-ref refs/heads/main`,
    'sscs verify sha256:0123...cdef --bundle app.sigstore.json --key cosign.pub --trusted-root trusted_root.json',
  ],
  async run({ flags: f, positionals, io }) {
    if (f.bundle === undefined) throw new UsageError('MISSING_ARGUMENT', 'sscs verify: --bundle FILE is required');
    if (f.format !== 'text' && f.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${f.format}'`);
    timeoutMs(f['timeout-ms']); // validated up front, whether or not a network call needs it
    const policy = policyFromFlags(f);
    const outputs = outputRequest(f);
    // --format json is data: a name holding a secret's value would print as [REDACTED], naming nothing real.
    // Refused before anything is verified or written (the bundle's own names: before printing). Text is a log line.
    const named = jsonParts(positionals, f.bundle, trustedRootSource(f, io.env)?.path);
    if (f.format === 'json') assertNoSecret(named.map((p) => p.text).join('\0'), io.env, { what: 'the verification report', verb: 'print', parts: () => named });
    const artifacts = positionals.map((p) => parseArtifactArg(p, io.cwd));
    const key = f.key !== undefined ? await readKey(resolve(io.cwd, f.key)) : undefined;
    const bundleFile = await readBundleFile(resolve(io.cwd, f.bundle));
    const rootSource = trustedRootSource(f, io.env);
    const ignoreTlog = f['insecure-ignore-tlog'] === true;
    // Key-only (air-gapped): no trusted root is read or fetched when nothing in the bundle needs one (key-only.ts).
    const needs = key && !rootSource && bundleFile.json !== undefined ? trustedRootNeeds(bundleFile.json) : undefined;
    const keyOnly = ignoreTlog && needs !== undefined && needs.length === 0 && !tufAsked(f);
    // Without --insecure-ignore-tlog, a key-signed bundle with no log entry and no timestamp fails the tlog check
    // whatever a trusted root says: none is fetched, so the result is that failure (exit 1) and its way out.
    const failsTlog = !ignoreTlog && needs !== undefined && needs.length === 0 && !tufAsked(f);
    const rootJson = keyOnly || failsTlog ? EMPTY_TRUSTED_ROOT : await trustedRootJson(f, io, rootSource, ignoreTlog ? needs : undefined);
    const trust = makeTrust(rootJson, key, { ignoreTlog });
    const report = await verifyBundle({ bundleFile, artifacts, trust, policy });
    report.bundle.path = f.bundle;
    report.trustedRoot = keyOnly
      ? { none: 'key-only: --key, --insecure-ignore-tlog, and no log entry or timestamp in the bundle' }
      : failsTlog
        ? { none: 'not read: a key-signed bundle with no log entry fails the tlog check without --insecure-ignore-tlog' }
        : (rootSource ?? { tuf: f['tuf-mirror-url'] ?? 'public-good' });
    await writeOutputs(report, policy, outputs, io);
    if (f.format === 'json') {
      const json = reportJson(report, policy);
      assertNoSecret(json, io.env, { what: 'the verification report', verb: 'print', parts: () => [...named, ...reportParts(report)] });
      io.stdout(json);
    } else if (report.verified) io.stdout(`${verdictLine(report)}\n`);
    if (!report.verified) {
      const { message, hint } = failureMessage(report);
      const code = report.checks.find((c) => c.status === 'failed')?.code ?? 'VERIFICATION';
      throw new VerificationError(code, message, { where: { file: f.bundle }, ...(hint ? { hint } : {}) });
    }
    return 0;
  },
});
