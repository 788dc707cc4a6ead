import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { PUBLIC_GOOD_ROOT, unpackPublicGood } from '../support/public-good.js';
import { findSecret } from '../../helper/src/io/secrets.js';

/**
 * The redactor guards standard output and error only; a file sscs writes outlives the job (artifacts,
 * releases, a transparency log). No file may hold the value of a secret variable: sscs refuses to write it and
 * names the variable, never the value.
 */
const token = unsignedJwt(gitlabClaims());
const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: token });
const JOB_TOKEN = env.CI_JOB_TOKEN as string;

function expectRefused(r: { exitCode: number; stdout: string; stderr: string }, variable: string, value: string): void {
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain(`holds the value of the secret variable ${variable}`);
  expect(`${r.stdout}${r.stderr}`).not.toContain(value);
}

describe('secrets in written files', () => {
  it('provenance refuses --input tok=$CI_JOB_TOKEN, to a file or to standard output', async () => {
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    const toFile = await runCli(['provenance', '--subject', 'dist/app.tgz', '--input', `tok=${JOB_TOKEN}`, '-o', 'p.jsonl'], { cwd: dir, env });
    expectRefused(toFile, 'CI_JOB_TOKEN', JOB_TOKEN);
    expect(toFile.stderr).toContain('refusing to write the provenance');
    expect(existsSync(join(dir, 'p.jsonl'))).toBe(false);
    const toStdout = await runCli(['provenance', '--subject', 'dist/app.tgz', '--input', `tok=${JOB_TOKEN}`], { cwd: dir, env });
    expectRefused(toStdout, 'CI_JOB_TOKEN', JOB_TOKEN);
    expect(toStdout.stdout).toBe('');
  });

  it('finds a secret that JSON escaping changed, and names a secret variable of any name', async () => {
    const dir = tempDir({ 'dist/app.tgz': 'app' });
    const odd = 'pa"ss\\word-with-quote';
    const r = await runCli(['provenance', '--subject', 'dist/app.tgz', '--input', `x=${odd}`, '-o', 'p.jsonl'], { cwd: dir, env: { ...env, deploy_secret: odd } });
    expectRefused(r, 'deploy_secret', odd);
  });

  it('attest refuses to sign a statement holding a secret, before reaching any signer', async () => {
    const dir = tempDir();
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://example.com/p', predicate: { note: `token ${JOB_TOKEN}` } };
    writeFileSync(join(dir, 's.json'), JSON.stringify(statement));
    const r = await runCli(['attest', '--statement', 's.json', '--bundle', 'b.sigstore.json'], { cwd: dir, env });
    expectRefused(r, 'CI_JOB_TOKEN', JOB_TOKEN);
    expect(r.stderr).toContain('signing would publish it in the transparency log');
    expect(existsSync(join(dir, 'b.sigstore.json'))).toBe(false);
  });

  describe('verify', () => {
    const { dir, cases } = unpackPublicGood();
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const c = cases[0]!;

    it('refuses to write a JUnit report holding an identity flag that holds a token', async () => {
      const r = await runCli(['verify', c.tarball, '--bundle', c.provenanceBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--certificate-identity', JOB_TOKEN, '--certificate-oidc-issuer', c.issuer, '--junit', 'j.xml'], { cwd: dir, env });
      expectRefused(r, 'CI_JOB_TOKEN', JOB_TOKEN);
      expect(existsSync(join(dir, 'j.xml'))).toBe(false);
    });

    it('refuses to write a VSA whose resource URI holds a token', async () => {
      const args = ['verify', c.tarball, '--bundle', c.provenanceBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--certificate-identity', c.identity, '--certificate-oidc-issuer', c.issuer, '--predicate-type', c.provenancePredicateType];
      const r = await runCli([...args, '--vsa-output', 'v.json', '--resource-uri', `pkg:npm/x?t=${JOB_TOKEN}`], { cwd: dir, env });
      expectRefused(r, 'CI_JOB_TOKEN', JOB_TOKEN);
      expect(existsSync(join(dir, 'v.json'))).toBe(false);
    });

    it('still writes the JUnit report when no secret is in it', async () => {
      const r = await runCli(['verify', c.tarball, '--bundle', c.provenanceBundle, '--trusted-root', PUBLIC_GOOD_ROOT, '--certificate-identity', 'https://example.com/other', '--certificate-oidc-issuer', c.issuer, '--junit', 'ok.xml'], { cwd: dir, env });
      expect(r.exitCode).toBe(1);
      expect(readFileSync(join(dir, 'ok.xml'), 'utf8')).toContain('<testsuite');
    });
  });

  it('looks for a secret in every form sscs writes it, and only for secret variables of the redactor', () => {
    const e = { API_TOKEN: 'a<b>&"c\'-long-value', PUBLIC_URL: 'public-value-long', SHORT_TOKEN: 'short' };
    expect(findSecret('<x a="a&lt;b&gt;&amp;&quot;c&apos;-long-value"/>', e)).toBe('API_TOKEN');
    expect(findSecret(JSON.stringify({ v: e.API_TOKEN }), e)).toBe('API_TOKEN');
    expect(findSecret('public-value-long short', e)).toBeUndefined();
  });
});
