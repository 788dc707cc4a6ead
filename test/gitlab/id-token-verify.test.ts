/**
 * `sscs provenance --verify-id-token`: the job's ID token is checked against the keys of the instance the
 * command line names (a local stand-in for GitLab's /oauth/discovery/keys on 127.0.0.1), and the statement then
 * holds only what the verified claims carry. Every way a token or key set can be wrong stops provenance (exit 2)
 * without writing anything, and no output ever contains the token.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { jwksDocument, rsaSigningKey, signedJwt, startJwksServer, unusedUrl, type JwksServer, type SigningKey } from '../support/gitlab-jwks.js';
import { tempDir } from '../support/tmp.js';

let key: SigningKey;
let other: SigningKey;
let server: JwksServer;
let iss: string;

beforeAll(async () => {
  [key, other] = await Promise.all([rsaSigningKey(), rsaSigningKey()]);
  server = await startJwksServer([key]);
  iss = server.url;
});

/** The claims of a job on the instance at `iss` (the default setup: the issuer is the instance URL). */
const claims = (o: Record<string, unknown> = {}) =>
  gitlabClaims({ iss, ci_config_ref_uri: `${new URL(iss).host}/group/project//.gitlab-ci.yml@refs/heads/main`, ...o });

/** The job's variables as that instance sets them, with the token, and `extra` as a dotenv report would set them. */
const jobEnv = (token: string, extra: Record<string, string> = {}) =>
  gitlabJobEnv({
    CI_SERVER_URL: iss,
    CI_PROJECT_URL: `${iss}/group/project`,
    CI_PIPELINE_URL: `${iss}/group/project/-/pipelines/9001`,
    CI_JOB_URL: `${iss}/group/project/-/jobs/777`,
    SIGSTORE_ID_TOKEN: token,
    ...extra,
  });

async function provenance(token: string, flags: string[] = [], extra: Record<string, string> = {}) {
  const dir = tempDir({ 'dist/app.tgz': 'the build output\n' });
  const r = await runCli(['provenance', '--builder', 'isolated', '--subject', 'dist/app.tgz', '--output', 'p.jsonl', ...flags], { cwd: dir, env: jobEnv(token, extra) });
  const file = join(dir, 'p.jsonl');
  const written = existsSync(file) ? readFileSync(file, 'utf8') : '';
  // Never printed nor written: neither the token nor its signature part.
  for (const secret of [token, token.split('.')[2]].filter(Boolean)) for (const out of [r.stdout, r.stderr, written]) expect(out).not.toContain(secret);
  return { ...r, dir, statement: written ? JSON.parse(written) : undefined };
}

const verifying = () => ['--verify-id-token', '--oidc-issuer', iss];
const now = () => Math.floor(Date.now() / 1000);

describe('provenance --verify-id-token', () => {
  it('records the verified claims, and none of the facts only a variable (which a dotenv can set) carries', async () => {
    const token = await signedJwt(claims({ environment: 'sscs-provenance', environment_protected: 'true' }), key);
    const dotenv = { CI_JOB_NAME: 'release-build', CI_JOB_IMAGE: 'evil/image:latest', CI_RUNNER_DESCRIPTION: 'trusted', CI_JOB_STARTED_AT: '2020-01-01T00:00:00Z', CI_SERVER_VERSION: '99.0' };
    const r = await provenance(token, verifying(), dotenv);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests).toContain('GET /oauth/discovery/keys');
    const p = r.statement.predicate;
    expect(p.buildDefinition.internalParameters.trust).toEqual({ mode: 'isolated', factsFrom: 'verified-token' });
    expect(p.buildDefinition.externalParameters.source).toEqual({ repository: `${iss}/group/project`, ref: 'refs/heads/main' });
    expect(p.buildDefinition.resolvedDependencies[0].digest.gitCommit).toBe(claims().sha);
    expect(p.buildDefinition.internalParameters.gitlab).toEqual({ serverUrl: iss, projectPath: 'group/project', projectId: '4242', projectVisibility: 'private', pipelineId: '9001', pipelineUrl: `${iss}/group/project/-/pipelines/9001`, jobId: '777', refProtected: 'true', environment: 'sscs-provenance', environmentProtected: 'true' });
    expect(p.buildDefinition.internalParameters.runner).toEqual({ id: '12', environment: 'self-hosted' });
    const text = JSON.stringify(r.statement);
    for (const v of Object.values(dotenv)) expect(text).not.toContain(v);
    expect(p.buildDefinition.externalParameters.job).toBeUndefined();
    expect(p.runDetails.metadata.startedOn).toBeUndefined();
    expect(p.buildDefinition.resolvedDependencies.map((d: { uri: string }) => d.uri).join(' ')).not.toContain('oci://');
  });

  it("refuses the reviewer's forgery: an unsigned token whose claims a dotenv report matched with CI_* variables", async () => {
    const forged = { sha: 'a'.repeat(40), ref: 'v9.9.9', ref_type: 'tag', ci_config_sha: 'a'.repeat(40), ci_config_ref_uri: `${new URL(iss).host}/group/project//.gitlab-ci.yml@refs/tags/v9.9.9` };
    const dotenv = { CI_COMMIT_SHA: 'a'.repeat(40), CI_COMMIT_REF_NAME: 'v9.9.9', CI_COMMIT_TAG: 'v9.9.9', CI_COMMIT_BRANCH: '', CI_JOB_NAME: 'release-build' };
    // Before --verify-id-token existed this wrote the forged ref and commit (the path a key then signed).
    const decoded = await provenance(unsignedJwt(claims(forged)), [], dotenv);
    expect(decoded.exitCode, decoded.stderr).toBe(0);
    expect(decoded.statement.predicate.buildDefinition.externalParameters.source.ref).toBe('refs/tags/v9.9.9');
    expect(decoded.statement.predicate.buildDefinition.internalParameters.trust.factsFrom).toBe('token');
    const r = await provenance(unsignedJwt(claims(forged)), verifying(), dotenv);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/\$SIGSTORE_ID_TOKEN: no key in the instance's key set matches the token/);
    expect(r.statement).toBeUndefined();
    // The same with the instance key's kid in the header: the placeholder signature does not verify.
    const sameKid = unsignedJwt(claims(forged)).replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid })).toString('base64url'));
    const r2 = await provenance(sameKid, verifying(), dotenv);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/signature does not verify/);
  });

  const bad: [string, () => Promise<string>, RegExp][] = [
    ['a token signed by another key under the instance key\'s kid', () => signedJwt(claims(), other, { kid: key.kid }), /signature does not verify with the instance's key/],
    ['a token signed by another key', () => signedJwt(claims(), other), /no key in the instance's key set matches/],
    ['a token from another issuer', () => signedJwt(claims({ iss: 'https://gitlab.evil.example' }), key), /iss claim is 'https:\/\/gitlab\.evil\.example', not the configured issuer/],
    ['a token for another audience', () => signedJwt(claims({ aud: 'vault' }), key), /aud claim is 'vault', not 'sigstore'/],
    ['an expired token', () => signedJwt(claims({ iat: now() - 4000, nbf: now() - 4000, exp: now() - 3600 }), key), /the token expired/],
    ['a token not valid yet', () => signedJwt(claims({ nbf: now() + 3600 }), key), /not valid yet/],
    ['a token issued in the future', () => signedJwt(claims({ iat: now() + 3600, nbf: undefined }), key), /iat claim is in the future/],
    ['a token without exp', () => signedJwt(claims({ exp: undefined }), key), /exp claim is missing/],
    ['an HS256 token', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(new TextEncoder().encode('k'.repeat(32))), /not signed with RS256/],
    ['a token without job_id', () => signedJwt(claims({ job_id: undefined }), key), /verified ID token has no job_id claim/],
  ];
  it.each(bad)('refuses %s', async (_name, make, message) => {
    const r = await provenance(await make(), verifying());
    expect(r.exitCode, r.stdout).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.statement).toBeUndefined();
  });

  it('with --id-token-environment, takes only a token issued to a job in that environment', async () => {
    const flags = [...verifying(), '--id-token-environment', 'sscs-provenance'];
    const ok = await provenance(await signedJwt(claims({ environment: 'sscs-provenance' }), key), flags);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const none = await provenance(await signedJwt(claims(), key), flags);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/environment claim is absent, not 'sscs-provenance'/);
    const other = await provenance(await signedJwt(claims({ environment: 'review/x' }), key), flags);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(/environment claim is 'review\/x', not 'sscs-provenance'/);
  });

  it('refuses a verified token whose claims the variables contradict (a dotenv CI_COMMIT_SHA)', async () => {
    const r = await provenance(await signedJwt(claims(), key), verifying(), { CI_COMMIT_SHA: 'a'.repeat(40) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/CI_COMMIT_SHA='a{40}' but the token's sha claim/);
  });

  const keySets: [string, Exclude<JwksServer['mode'], 'ok'>, RegExp][] = [
    ['answers 500', 'status-500', /HTTP 500, expected 200/],
    ['redirects', 'redirect', /oauth\/discovery\/keys: /],
    ['sends an oversize key set', 'oversize', /over the limit of 65536/],
    ['streams an endless key set without a length', 'oversize-chunked', /over the limit of 65536 bytes/],
    ['answers with something else than JSON', 'not-json', /not JSON/],
  ];
  it.each(keySets)('fails closed when the instance %s', async (_name, mode, message) => {
    const token = await signedJwt(claims(), key);
    server.mode = mode;
    try {
      const r = await provenance(token, verifying());
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.statement).toBeUndefined();
    } finally {
      server.mode = 'ok';
    }
  });

  it('fails closed when the key set cannot be fetched, and takes it as text or a file instead (air-gapped runners)', async () => {
    const token = await signedJwt(claims(), key);
    const down = await unusedUrl();
    const r = await provenance(token, [...verifying(), '--oidc-jwks-url', `${down}/oauth/discovery/keys`]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/cannot connect \(ECONNREFUSED\)/);
    expect(r.stderr).toMatch(/the oidc_jwks input, --oidc-jwks/);
    const dir = tempDir({ 'dist/app.tgz': 'x\n', 'jwks.json': jwksDocument([key]) });
    const before = server.requests.length;
    const f = await runCli(['provenance', '--builder', 'isolated', ...verifying(), '--oidc-jwks-file', 'jwks.json', '--subject', 'dist/app.tgz', '--output', 'p.jsonl'], { cwd: dir, env: jobEnv(token) });
    expect(f.exitCode, f.stderr).toBe(0);
    expect(server.requests.length).toBe(before);
    const j = await runCli(['provenance', '--builder', 'isolated', ...verifying(), '--oidc-jwks', jwksDocument([key]), '--subject', 'dist/app.tgz', '--output', 'j.jsonl'], { cwd: dir, env: jobEnv(token) });
    expect(j.exitCode, j.stderr).toBe(0);
    expect(server.requests.length).toBe(before);
    writeFileSync(join(dir, 'other.json'), jwksDocument([other]));
    const g = await runCli(['provenance', '--builder', 'isolated', ...verifying(), '--oidc-jwks-file', 'other.json', '--subject', 'dist/app.tgz', '--output', 'q.jsonl'], { cwd: dir, env: jobEnv(token) });
    expect(g.exitCode).toBe(2);
    expect(existsSync(join(dir, 'q.jsonl'))).toBe(false);
  });

  it('fetches the key set only over https, or http on the loopback', async () => {
    const token = await signedJwt(claims({ iss: 'http://gitlab.example.invalid' }), key);
    const r = await provenance(token, ['--verify-id-token', '--oidc-issuer', 'http://gitlab.example.invalid']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/would be fetched from http:\/\/gitlab\.example\.invalid, not over https/);
  });

  it('takes the issuer only from the command line, never from SSCS_OIDC_ISSUER or CI_SERVER_URL', async () => {
    const token = await signedJwt(claims(), key);
    const r = await provenance(token, ['--verify-id-token'], { SSCS_OIDC_ISSUER: iss });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--verify-id-token needs --oidc-issuer URL/);
  });

  it('says so when the job has no ID token', async () => {
    const r = await provenance('', verifying());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/\$SIGSTORE_ID_TOKEN is not set/);
  });

  it('takes the instance from ci_config_ref_uri when the instance issues tokens from another URL', async () => {
    // GitLab's ci_id_tokens issuer setting: iss is that URL, the instance is the host in ci_config_ref_uri.
    const token = await signedJwt(claims({ ci_config_ref_uri: 'gitlab.example/group/project//.gitlab-ci.yml@refs/heads/main' }), key);
    const dir = tempDir({ 'dist/app.tgz': 'x\n' });
    const r = await runCli(['provenance', '--builder', 'isolated', ...verifying(), '--subject', 'dist/app.tgz', '--output', 'p.jsonl'], { cwd: dir, env: gitlabJobEnv({ SIGSTORE_ID_TOKEN: token }) });
    expect(r.exitCode, r.stderr).toBe(0);
    const p = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8')).predicate;
    expect(p.buildDefinition.internalParameters.gitlab.serverUrl).toBe('https://gitlab.example');
  });
});
