/**
 * Keys are secrets whatever a variable is called: a name with KEY as a word part (SIGNING_KEY, DEPLOY_KEY, KEY),
 * a value holding a PEM private key block, and the variable named by --key-env are never recorded, signed,
 * written or printed (review H4).
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { findSecret, isSecretName } from '../../helper/src/io/secrets.js';
import { makeRedactor } from '../../helper/src/io/redact.js';

const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PEM_BODY = PEM.split('\n')[1]!;
const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(gitlabClaims()) });
const FIXTURE = join(import.meta.dirname, 'fixtures', 'runner-artifacts-metadata.json');

function expectNoKey(r: { stdout: string; stderr: string }, dir: string): void {
  expect(`${r.stdout}${r.stderr}`).not.toContain(PEM_BODY);
  for (const f of ['p.jsonl', 'b.sigstore.json']) if (existsSync(join(dir, f))) expect(readFileSync(join(dir, f), 'utf8')).not.toContain(PEM_BODY);
}

describe('secret variable names', () => {
  it.each([
    ['SIGNING_KEY', true], ['DEPLOY_KEY', true], ['MY_KEY', true], ['KEY', true], ['key', true], ['signingKey', true],
    ['SSH_KEYS', true], ['APIKEY', true], ['GPG_KEYRING', true], ['KEYSTORE_B64', true], ['COSIGN_KEY_FILE', true],
    // KEY at a word's end cannot be told from an English word without a dictionary: MONKEY is refused too.
    ['MONKEY', true],
    ['KEYBOARD_LAYOUT', false], ['KEYCLOAK_URL', false], ['KEYWORDS', false], ['CI_COMMIT_SHA', false], ['NODE_ENV', false],
  ])('%s is secret: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});

describe('keys in what sscs records', () => {
  it('provenance refuses --allow-variable SIGNING_KEY (exit 2) and writes nothing', async () => {
    const dir = tempDir({ f: 'x' });
    const r = await runCli(['provenance', '--subject', 'f', '--allow-variable', 'SIGNING_KEY', '-o', 'p.jsonl'], { cwd: dir, env: { ...env, SIGNING_KEY: PEM } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--allow-variable SIGNING_KEY: refusing to record a secret variable's value");
    expect(existsSync(join(dir, 'p.jsonl'))).toBe(false);
    expectNoKey(r, dir);
  });

  it('provenance refuses a PEM private key whatever the variable is called, from --allow-variable or --input', async () => {
    const dir = tempDir({ f: 'x' });
    const allowed = await runCli(['provenance', '--subject', 'f', '--allow-variable', 'BUILD_NOTE', '-o', 'p.jsonl'], { cwd: dir, env: { ...env, BUILD_NOTE: PEM } });
    expect(allowed.exitCode, allowed.stderr).toBe(2);
    expect(allowed.stderr).toContain("--allow-variable BUILD_NOTE: refusing to record a secret variable's value");
    expectNoKey(allowed, dir);
    const input = await runCli(['provenance', '--subject', 'f', '--input', `k=${PEM}`, '-o', 'p.jsonl'], { cwd: dir, env });
    expect(input.exitCode, input.stderr).toBe(2);
    expect(input.stderr).toContain('refusing to write the provenance: it holds a PEM private key');
    expect(existsSync(join(dir, 'p.jsonl'))).toBe(false);
    expectNoKey(input, dir);
  });

  it('provenance refuses --input k=$SIGNING_KEY, naming the variable', async () => {
    const dir = tempDir({ f: 'x' });
    const value = 'not-a-pem-but-a-key-0123456789';
    const r = await runCli(['provenance', '--subject', 'f', '--input', `k=${value}`, '-o', 'p.jsonl'], { cwd: dir, env: { ...env, SIGNING_KEY: value } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('holds the value of the secret variable SIGNING_KEY');
    expect(r.stderr).not.toContain(value);
  });

  it('provenance --from-runner withholds SIGNING_KEY, refuses to allow it, and refuses a PEM under any name', async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    Object.assign(doc.predicate.buildDefinition.externalParameters, { SIGNING_KEY: PEM, deploy_key: 'lower-case-deploy-key' });
    writeFileSync(join(dir, 'm.json'), JSON.stringify(doc));
    const withheld = await runCli(['provenance', '--from-runner', 'm.json', '-o', 'p.jsonl'], { cwd: dir });
    expect(withheld.exitCode, withheld.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8')).predicate.buildDefinition.externalParameters).toMatchObject({ SIGNING_KEY: '[WITHHELD]', deploy_key: '[WITHHELD]' });
    expectNoKey(withheld, dir);
    const allowed = await runCli(['provenance', '--from-runner', 'm.json', '--allow-variable', 'SIGNING_KEY', '-o', 'q.jsonl'], { cwd: dir });
    expect(allowed.exitCode).toBe(2);
    expect(existsSync(join(dir, 'q.jsonl'))).toBe(false);

    Object.assign(doc.predicate.buildDefinition.externalParameters, { BUILD_NOTE: PEM });
    writeFileSync(join(dir, 'm.json'), JSON.stringify(doc));
    const note = await runCli(['provenance', '--from-runner', 'm.json', '--allow-variable', 'BUILD_NOTE', '-o', 'r.jsonl'], { cwd: dir });
    expect(note.exitCode).toBe(2);
    expect(note.stderr).toContain('it holds a PEM private key');
    expect(existsSync(join(dir, 'r.jsonl'))).toBe(false);
    expectNoKey(note, dir);
  });

  it.each([['SIGNING_KEY'], ['PROVENANCE_SIGNER']])('attest --key-env %s refuses to sign a statement holding that key, before signing', async (name) => {
    const dir = tempDir();
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: { buildDefinition: { externalParameters: { [name]: PEM } } } };
    writeFileSync(join(dir, 's.json'), JSON.stringify(statement));
    const r = await runCli(['attest', '--statement', 's.json', '--bundle', 'b.sigstore.json', '--key-env', name], { cwd: dir, env: { PATH: process.env.PATH, [name]: PEM } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/refusing to write a bundle of statement 1 \(signing would publish it in the transparency log\): it holds (a PEM private key|the value of the secret variable)/);
    expect(existsSync(join(dir, 'b.sigstore.json'))).toBe(false);
    expectNoKey(r, dir);
  });
});

describe('keys in what sscs prints', () => {
  it('the redactor hides secret-named variables, PEM-valued variables, the --key-env variable and any PEM private key block', () => {
    const redact = makeRedactor({ SIGNING_KEY: 'signing-key-value-123', BUILD_NOTE: PEM, PLAIN: 'plain-value-1234', SIGNER: 'key-env-value-1234' }, ['SIGNER']);
    const out = redact(`a signing-key-value-123 b ${PEM} c plain-value-1234 d key-env-value-1234 e ${PEM.replace('EC PRIVATE', 'RSA PRIVATE')}`);
    expect(out).not.toContain('signing-key-value-123');
    expect(out).not.toContain(PEM_BODY);
    expect(out).not.toContain('key-env-value-1234');
    expect(out).toContain('plain-value-1234');
    expect(findSecret(`{"x":${JSON.stringify(PEM)}}`, {})).toBe('a PEM private key');
  });

  it('an error message that would echo a PEM private key prints it redacted', async () => {
    const dir = tempDir({ f: 'x' });
    const r = await runCli(['provenance', '--subject', 'f', `--max-subjects-per-statement=${PEM}`], { cwd: dir, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--max-subjects-per-statement must be a whole number from 1 to 500000');
    expect(`${r.stdout}${r.stderr}`).not.toContain(PEM_BODY);
  });
});
