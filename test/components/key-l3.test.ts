/**
 * Key-based SLSA Build L3 for air-gapped instances: the isolated-provenance job signs with a private key held in
 * a CI/CD variable (scoped to the provenance environment on GitLab), and the verifier's own policy says which
 * builder holds that key. The job's script runs as a runner would, with no Sigstore service at all.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED } from '../../helper/src/provenance/constants.js';
import { FIXTURES, runCli } from '../support/cli.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { templateJob } from '../support/template-job.js';
import { tempDir } from '../support/tmp.js';

const { run, inputs } = templateJob('isolated-provenance.yml');
const ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');

describe('isolated-provenance with a signing key (air-gapped L3)', () => {
  it('signs with the key named by signing_key_variable, and verifies as L3 only by the verifier policy on that key', async () => {
    expect(inputs.signing_key_variable?.default).toBe('');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
    writeFileSync(join(dir, 'provenance.pub'), publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(gitlabClaims()), CI_JOB_NAME: 'provenance', PROVENANCE_SIGNING_KEY: pem });
    const r = await run(dir, { build_job: 'build', subjects: 'dist/*.tgz', signing_key_variable: 'PROVENANCE_SIGNING_KEY' }, env);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).not.toContain('PRIVATE KEY');
    const bundle = JSON.parse(readFileSync(join(dir, 'attestations/provenance.sigstore.json'), 'utf8'));
    expect(bundle.verificationMaterial.publicKey).toBeDefined();

    const verify = (extra: string[]) => runCli(['verify', 'dist/app.tgz', '--bundle', 'attestations/provenance.sigstore.json', '--key', 'provenance.pub', '--trusted-root', ROOT, '--insecure-ignore-tlog', '--format', 'json', ...extra], { cwd: dir });
    const l3 = await verify(['--key-builder-id', BUILDER_ID_ISOLATED, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(l3.exitCode, l3.stderr).toBe(0);
    expect(JSON.parse(l3.stdout).slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_3' });
    // The same bundle, the key given to the build job by policy: L2, and a gate asking for the isolated builder fails.
    const l2 = await verify(['--key-builder-id', BUILDER_ID_BUILD_JOB]);
    expect(JSON.parse(l2.stdout).slsaBuildLevel).toMatchObject({ level: 'SLSA_BUILD_LEVEL_2', claimed: 'SLSA_BUILD_LEVEL_3' });
    const gate = await verify(['--key-builder-id', BUILDER_ID_BUILD_JOB, '--builder-id', BUILDER_ID_ISOLATED]);
    expect(gate.exitCode).toBe(1);
  });
});
