import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { attest, BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED, provenanceStatement, sanFor } from '../support/e2e.js';
import { startLocalSigstore, type LocalSigstore } from '../support/sigstore.js';
import { openSession } from '../../helper/src/sign/session.js';

const ENV_OID = '1.3.6.1.4.1.57264.1.23';
const PROVENANCE_ENV = 'sscs-provenance';

interface Report {
  verified: boolean;
  slsaBuildLevel?: { level: string; claimed: string; proven: string; basis: string };
  checks: { name: string; status: string; code?: string; message: string }[];
}

// The SLSA level rests on what the certificate (or the verifier's own key policy) proves, never on the
// statement's builder.id: every job of a project holds a certificate with the same identity, and only the
// DeploymentEnvironment extension (1.3.6.1.4.1.57264.1.23) tells the isolated provenance job apart.
describe('verify: the SLSA Build level is proven, not declared', () => {
  let stack: LocalSigstore;
  let dir: string;
  let artifact: string;
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startLocalSigstore();
    dir = mkdtempSync(join(tmpdir(), 'sscs-verify-level-'));
    artifact = join(dir, 'app.tgz');
    writeFileSync(artifact, 'the build output\n');
    const subjects = [{ name: 'app.tgz', bytes: readFileSync(artifact) }];
    const isolated = provenanceStatement(stack, subjects, { builderId: BUILDER_ID_ISOLATED });
    // The isolated job runs in the provenance environment: its token carries `environment`.
    bundles.isolated = await attest(stack, dir, 'isolated', isolated, { environment: PROVENANCE_ENV });
    // A build job's steps sign a statement that claims the isolated builder: same identity, no environment.
    bundles.forged = await attest(stack, dir, 'forged', isolated, {});
    bundles.otherEnv = await attest(stack, dir, 'other-env', isolated, { environment: 'review/feature' });
    bundles.buildJobInEnv = await attest(stack, dir, 'build-job-in-env', provenanceStatement(stack, subjects, { builderId: BUILDER_ID_BUILD_JOB }), { environment: PROVENANCE_ENV });
    // Key-signed: whoever holds the key writes the statement, empty parameters and the isolated builder id included.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
    writeFileSync(join(dir, 'key.pub'), publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const bare = (factsFrom: string) => ({ ...(isolated as Record<string, unknown>), predicate: { buildDefinition: { buildType: 'https://sscs.dev/gitlab-ci/build-type/v1', externalParameters: {}, internalParameters: { trust: { mode: 'isolated', factsFrom } } }, runDetails: { builder: { id: BUILDER_ID_ISOLATED } } } });
    writeFileSync(join(dir, 'bare.intoto.json'), JSON.stringify(bare('verified-token')));
    const signed = await runCli(['attest', '--statement', 'bare.intoto.json', '--bundle', 'keyed.sigstore.json', '--key', 'key.pem'], { cwd: dir });
    if (signed.exitCode !== 0) throw new Error(signed.stderr);
    bundles.keyed = join(dir, 'keyed.sigstore.json');
    // Facts from a token that was only decoded: `sscs attest --key` refuses to sign that (as the provenance job
    // before --verify-id-token did not), so the key signs it here through the same session, in-process.
    writeFileSync(join(dir, 'decoded.intoto.json'), JSON.stringify(bare('token')));
    const refused = await runCli(['attest', '--statement', 'decoded.intoto.json', '--bundle', 'refused.sigstore.json', '--key', 'key.pem'], { cwd: dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("its facts are not from a verified ID token (trust.factsFrom is 'token')");
    const session = await openSession({ key: 'key.pem', format: 'text' }, { cwd: dir, env: {}, stdout: () => undefined, stderr: () => undefined });
    bundles.keyedDecoded = join(dir, 'keyed-decoded.sigstore.json');
    writeFileSync(bundles.keyedDecoded, JSON.stringify(await session.sign('dsse', Buffer.from(JSON.stringify(bare('token'))), 'application/vnd.in-toto+json')));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const keyless = () => ['--trusted-root', stack.trustedRootPath, '--certificate-identity', sanFor(stack), '--certificate-oidc-issuer', stack.issuerUrl];
  const keyed = () => ['--trusted-root', stack.trustedRootPath, '--key', join(dir, 'key.pub'), '--insecure-ignore-tlog'];
  const verify = async (bundle: string, args: string[]) => {
    const r = await runCli(['verify', artifact, '--bundle', bundle, ...args, '--format', 'json'], { cwd: dir });
    return { ...r, report: r.stdout ? (JSON.parse(r.stdout) as Report) : undefined };
  };

  it("verifies the isolated job's bundle as L3 when its certificate's 1.23 is the provenance environment", async () => {
    const r = await verify(bundles.isolated!, [...keyless(), '--builder-id', BUILDER_ID_ISOLATED, '--deployment-environment', PROVENANCE_ENV, '--vsa-output', 'l3.vsa.json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.report!.checks.find((c) => c.name === 'deployment-environment')).toMatchObject({ status: 'passed', message: `DeploymentEnvironment (${ENV_OID}) is '${PROVENANCE_ENV}' (certificate)` });
    expect(r.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_3', proven: 'SLSA_BUILD_LEVEL_3' });
    expect(r.report!.slsaBuildLevel!.basis).toContain(`${ENV_OID} (DeploymentEnvironment) is '${PROVENANCE_ENV}'`);
    expect(JSON.parse(readFileSync(join(dir, 'l3.vsa.json'), 'utf8')).predicate.verifiedLevels).toEqual(['SLSA_BUILD_LEVEL_3']);
  });

  it('says the proven level in its one-line verdict', async () => {
    const l3 = await runCli(['verify', artifact, '--bundle', bundles.isolated!, ...keyless(), '--builder-id', BUILDER_ID_ISOLATED, '--deployment-environment', PROVENANCE_ENV]);
    expect(l3.stdout).toMatch(/checks passed; SLSA Build L3\)\n$/);
    const forged = await runCli(['verify', artifact, '--bundle', bundles.forged!, ...keyless()]);
    expect(forged.stdout).toMatch(/checks passed; SLSA Build L2\)\n$/);
  });

  it('verifies a build job bundle that claims the isolated builder as L2 at most', async () => {
    const r = await verify(bundles.forged!, [...keyless(), '--vsa-output', 'forged.vsa.json']);
    expect(r.exitCode).toBe(0);
    expect(r.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', claimed: 'SLSA_BUILD_LEVEL_3', proven: 'SLSA_BUILD_LEVEL_2' });
    expect(r.report!.slsaBuildLevel!.basis).toContain(ENV_OID);
    expect(JSON.parse(readFileSync(join(dir, 'forged.vsa.json'), 'utf8')).predicate.verifiedLevels).toEqual(['SLSA_BUILD_LEVEL_2']);
  });

  it('fails a gate that requires L3 for that bundle, naming extension 1.23', async () => {
    const r = await verify(bundles.forged!, [...keyless(), '--builder-id', BUILDER_ID_ISOLATED, '--deployment-environment', PROVENANCE_ENV, '--vsa-output', 'gate.vsa.json']);
    expect(r.exitCode).toBe(1);
    expect(r.report!.checks.filter((c) => c.status === 'failed')).toEqual([expect.objectContaining({ name: 'deployment-environment', code: 'DEPLOYMENT_ENVIRONMENT_MISMATCH' })]);
    expect(r.stderr).toContain(`deployment-environment check failed: the certificate has no DeploymentEnvironment extension (${ENV_OID}): the signing job declared no \`environment:\``);
    expect(r.report!.slsaBuildLevel).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, 'gate.vsa.json'), 'utf8')).predicate).toMatchObject({ verificationResult: 'FAILED', verifiedLevels: [] });
  });

  it('matches the environment exactly: another environment fails, and so does a prefix', async () => {
    const other = await verify(bundles.otherEnv!, [...keyless(), '--deployment-environment', PROVENANCE_ENV]);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain(`DeploymentEnvironment (${ENV_OID}) in the certificate is 'review/feature', expected '${PROVENANCE_ENV}'`);
    const prefix = await verify(bundles.isolated!, [...keyless(), '--deployment-environment', 'sscs-provenance-']);
    expect(prefix.exitCode).toBe(1);
    expect(prefix.report!.checks.find((c) => c.code === 'DEPLOYMENT_ENVIRONMENT_MISMATCH')).toBeDefined();
  });

  it('gives L2 to a build-job statement signed in the provenance environment, and L2 to the isolated bundle when the environment is not checked', async () => {
    const buildJob = await verify(bundles.buildJobInEnv!, [...keyless(), '--deployment-environment', PROVENANCE_ENV]);
    expect(buildJob.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', claimed: 'SLSA_BUILD_LEVEL_2', proven: 'SLSA_BUILD_LEVEL_3' });
    const unchecked = await verify(bundles.isolated!, keyless());
    expect(unchecked.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', proven: 'SLSA_BUILD_LEVEL_2' });
    expect(unchecked.report!.slsaBuildLevel!.basis).toContain('no --deployment-environment was checked');
  });

  it('refuses --builder-id isolated without the environment check for a keyless bundle, saying why', async () => {
    const r = await runCli(['verify', artifact, '--bundle', bundles.isolated!, ...keyless(), '--builder-id', BUILDER_ID_ISOLATED]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`--builder-id ${BUILDER_ID_ISOLATED} needs --deployment-environment NAME for a keyless bundle`);
    expect(r.stderr).toContain(`DeploymentEnvironment extension (${ENV_OID})`);
  });

  it("gives a key-signed statement the level of the key's builder by the verifier's policy, never its own claim", async () => {
    const none = await verify(bundles.keyed!, keyed());
    expect(none.exitCode).toBe(0);
    expect(none.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_1', claimed: 'SLSA_BUILD_LEVEL_3' });
    const buildJob = await verify(bundles.keyed!, [...keyed(), '--key-builder-id', BUILDER_ID_BUILD_JOB]);
    expect(buildJob.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2' });
    const isolated = await verify(bundles.keyed!, [...keyed(), '--key-builder-id', BUILDER_ID_ISOLATED, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(isolated.exitCode).toBe(0);
    expect(isolated.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_3' });
    expect(isolated.report!.slsaBuildLevel!.basis).toContain('--key-builder-id');
  });

  it('proves no more than L2 with the isolated builder\'s key over facts from an ID token that was only decoded', async () => {
    const level = await verify(bundles.keyedDecoded!, [...keyed(), '--key-builder-id', BUILDER_ID_ISOLATED]);
    expect(level.exitCode).toBe(0);
    expect(level.report!.slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', claimed: 'SLSA_BUILD_LEVEL_3', proven: 'SLSA_BUILD_LEVEL_2' });
    expect(level.report!.slsaBuildLevel!.basis).toContain("not from a verified ID token (trust.factsFrom is 'token'");
    // A gate asking for the isolated builder fails it.
    const gate = await verify(bundles.keyedDecoded!, [...keyed(), '--key-builder-id', BUILDER_ID_ISOLATED, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(gate.exitCode).toBe(1);
    expect(gate.report!.checks.find((c) => c.status === 'failed')).toMatchObject({ name: 'builder-id' });
    expect(gate.report!.checks.find((c) => c.status === 'failed')!.message).toContain('--verify-id-token');
  });

  it("fails --builder-id isolated for a key the policy gives to the build job, whatever the statement says", async () => {
    const r = await verify(bundles.keyed!, [...keyed(), '--key-builder-id', BUILDER_ID_BUILD_JOB, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(r.exitCode).toBe(1);
    expect(r.report!.checks.find((c) => c.status === 'failed')).toMatchObject({ name: 'builder-id', message: `the key belongs to builder '${BUILDER_ID_BUILD_JOB}' (--key-builder-id), expected '${BUILDER_ID_ISOLATED}'` });
  });

  it.each([
    [['--builder-id', BUILDER_ID_ISOLATED], '--key-builder-id'],
    [['--deployment-environment', PROVENANCE_ENV], 'a key-signed bundle has none'],
    [['--key-builder-id', ''], '--key-builder-id is empty'],
    [['--key-builder-id', ' '], '--key-builder-id is empty'],
  ])('refuses %o with --key (exit 2)', async (extra, message) => {
    const r = await runCli(['verify', artifact, '--bundle', bundles.keyed!, ...keyed(), ...extra], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses --key-builder-id without --key, and an empty environment', async () => {
    const a = await runCli(['verify', artifact, '--bundle', bundles.isolated!, ...keyless(), '--key-builder-id', BUILDER_ID_ISOLATED]);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toContain('--key-builder-id says which builder holds the --key');
    const b = await runCli(['verify', artifact, '--bundle', bundles.isolated!, ...keyless(), '--deployment-environment', '']);
    expect(b.exitCode).toBe(2);
  });
});
