import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { validateProvenanceStatement } from '../../helper/src/provenance/validate.js';

const FIXTURE = new URL('./fixtures/runner-artifacts-metadata.json', import.meta.url).pathname;

describe('sscs provenance --from-runner', () => {
  it('turns GitLab Runner metadata into a correct v1 statement, keeping what the runner recorded', async () => {
    const dir = tempDir();
    copyFileSync(FIXTURE, join(dir, 'artifacts-metadata.json'));
    const r = await runCli(['provenance', '--from-runner', 'artifacts-metadata.json', '--allow-variable', 'NODE_ENV', '-o', 'p.jsonl'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8'));
    validateProvenanceStatement(s);
    const original = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(s._type).toBe('https://in-toto.io/Statement/v1');
    expect(s.subject).toEqual(original.subject);
    expect(s.predicate.buildDefinition.buildType).toBe(original.predicate.buildDefinition.buildType);
    expect(s.predicate.buildDefinition.resolvedDependencies).toEqual([
      { uri: 'https://gitlab.example/group/project', digest: { gitCommit: '3f786850e387550fdab836ed7e6dc881de23001b' } },
    ]);
    expect(s.predicate.buildDefinition.internalParameters).toEqual(original.predicate.buildDefinition.internalParameters);
    expect(s.predicate.runDetails.builder).toEqual(original.predicate.runDetails.builder);
    expect(s.predicate.runDetails.metadata).toEqual({ invocationId: '777', startedOn: '2026-11-29T10:00:00Z', finishedOn: '2026-11-29T10:02:00Z' });
    expect(s.predicate.buildDefinition.externalParameters).toEqual({
      CI: '[WITHHELD]',
      CI_COMMIT_REF_NAME: '[WITHHELD]',
      CI_JOB_TOKEN: '[WITHHELD]',
      DEPLOY_PASSWORD: '[WITHHELD]',
      NODE_ENV: 'production',
      entryPoint: 'build',
      source: 'https://gitlab.example/group/project',
    });
    expect(readFileSync(join(dir, 'p.jsonl'), 'utf8')).not.toContain('plain-value-the-runner-recorded');
  });

  it.each([['../../etc/passwd', "has a '..' segment"], ['/abs/app.tgz', 'is an absolute path'], ['x/../y', "has a '..' segment"], ['C:\\x', 'is an absolute path'], ['a\ud800b', 'lone UTF-16 surrogate']])(
    'refuses the subject name %j, as checksums files and archives do',
    async (name, why) => {
      const dir = tempDir();
      const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
      doc.subject = [...doc.subject, { name, digest: { sha256: 'a'.repeat(64) } }];
      writeFileSync(join(dir, 'm.json'), JSON.stringify(doc));
      const r = await runCli(['provenance', '--from-runner', 'm.json', '-o', 'p.jsonl'], { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain(why);
      expect(r.stderr).toContain('m.json');
      expect(() => readFileSync(join(dir, 'p.jsonl'))).toThrow();
    },
  );

  it('rejects SLSA v0.2 runner metadata with the field that is wrong', async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    doc.predicateType = 'https://slsa.dev/provenance/v0.2';
    writeFileSync(join(dir, 'm.json'), JSON.stringify(doc));
    const r = await runCli(['provenance', '--from-runner', 'm.json'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("m.json field predicateType: predicateType is 'https://slsa.dev/provenance/v0.2'");
  });

  it('reports malformed JSON with its line', async () => {
    const dir = tempDir({ 'm.json': '{\n  "_type": "x",\n  oops\n}\n' });
    const r = await runCli(['provenance', '--from-runner', 'm.json'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^sscs: error: \/\S*\/m\.json:3:\d+: runner metadata is not valid JSON/);
  });
});

describe('sscs provenance --from-runner: variable names in any case', () => {
  it('withholds a variable whatever the case of its name, and never keeps a secret-named one', async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    Object.assign(doc.predicate.buildDefinition.externalParameters, {
      deploy_password: 'lower-case-secret-value',
      Npm_Token: 'mixed-case-token-value',
      ci_job_jwt: 'lower-case-jwt-value',
      node_env: 'staging',
    });
    writeFileSync(join(dir, 'm.json'), JSON.stringify(doc));
    const r = await runCli(['provenance', '--from-runner', 'm.json', '--allow-variable', 'node_env', '--allow-variable', 'NODE_ENV', '-o', 'p.jsonl'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const ext = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8')).predicate.buildDefinition.externalParameters;
    expect(ext).toMatchObject({ deploy_password: '[WITHHELD]', Npm_Token: '[WITHHELD]', ci_job_jwt: '[WITHHELD]', node_env: 'staging', NODE_ENV: 'production', entryPoint: 'build' });
    const written = readFileSync(join(dir, 'p.jsonl'), 'utf8');
    for (const v of ['lower-case-secret-value', 'mixed-case-token-value', 'lower-case-jwt-value']) expect(written).not.toContain(v);
  });
});

describe('sscs provenance --from-runner: SHA-256 repositories', () => {
  it("files the source's 64-hex commit under gitCommit, and leaves another dependency's sha256 alone", async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const commit = 'b2'.repeat(32);
    const file = 'c3'.repeat(32);
    doc.predicate.buildDefinition.resolvedDependencies = [
      { uri: 'https://gitlab.example/group/project', digest: { sha256: commit } },
      { uri: 'https://example.com/tool.tgz', digest: { sha256: file } },
    ];
    writeFileSync(join(dir, 'm.json'), JSON.stringify(doc));
    const r = await runCli(['provenance', '--from-runner', 'm.json', '-o', 'p.jsonl'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8')).predicate.buildDefinition.resolvedDependencies).toEqual([
      { uri: 'https://gitlab.example/group/project', digest: { gitCommit: commit } },
      { uri: 'https://example.com/tool.tgz', digest: { sha256: file } },
    ]);
  });
});
